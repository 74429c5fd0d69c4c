// The v1 freezer controller, as runc's fs/freezer.go: writing FROZEN may
// leave the cgroup in FREEZING while tasks keep appearing (fork, exec
// joining), so the write is repeated until the state reads FROZEN, with an
// occasional thaw and short sleep; on failure the cgroup is thawed again so
// it is never left half frozen.
import { TsrunError } from '../../../errors.js';
import { errnoOf, read, readIfExists, sleepSync, writeRaw } from './util.js';

export function freeze(dir: string): void {
  try {
    for (let i = 0; i < 1000; i++) {
      if (i % 50 === 49) {
        // New tasks keep coming: thaw, let them settle, try again.
        writeRaw(dir, 'freezer.state', 'THAWED');
        sleepSync(10);
      }
      writeRaw(dir, 'freezer.state', 'FROZEN');
      if (i % 25 === 24) sleepSync(1);
      const state = read(dir, 'freezer.state').trim();
      if (state === 'FROZEN') return;
      if (state !== 'FREEZING') throw new TsrunError(`unexpected freezer state "${state}" while freezing ${dir}`);
    }
    throw new TsrunError(`unable to freeze ${dir}: still FREEZING`);
  } catch (e) {
    try { writeRaw(dir, 'freezer.state', 'THAWED'); } catch { /* best effort */ }
    if (e instanceof TsrunError) throw e;
    throw new TsrunError(`cannot freeze ${dir}: ${(e as Error).message}`);
  }
}

export function thaw(dir: string): void {
  try {
    for (let i = 0; i < 1000; i++) {
      writeRaw(dir, 'freezer.state', 'THAWED');
      const state = read(dir, 'freezer.state').trim();
      if (state === 'THAWED') return;
      sleepSync(1);
    }
  } catch (e) {
    throw new TsrunError(`cannot thaw ${dir}: ${(e as Error).message}`);
  }
  throw new TsrunError(`unable to thaw ${dir}`);
}

/**
 * True when the cgroup itself is frozen. FROZEN because of a frozen ancestor
 * (freezer.self_freezing 0) does not count, as in runc's GetState.
 */
export function isFrozen(dir: string): boolean {
  for (let i = 0; i < 1000; i++) {
    let state: string;
    try {
      state = read(dir, 'freezer.state').trim();
    } catch (e) {
      if (errnoOf(e) === 'ENOENT' || errnoOf(e) === 'ENODEV') return false;
      throw e;
    }
    if (state === 'THAWED') return false;
    if (state === 'FROZEN') {
      const self = readIfExists(dir, 'freezer.self_freezing');
      return self === undefined ? true : self.trim() === '1';
    }
    // FREEZING: wait for a stable answer.
    sleepSync(1);
  }
  return false;
}
