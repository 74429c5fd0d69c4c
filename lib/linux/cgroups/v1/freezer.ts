// The v1 freezer controller, as runc's fs/freezer.go: writing FROZEN may
// leave the cgroup in FREEZING while tasks keep appearing (fork, exec
// joining), so the writeField is repeated until the state reads FROZEN, with an
// occasional thaw and short sleep; on failure the cgroup is thawed again so
// it is never left half frozen.
import { setTimeout as sleep } from 'node:timers/promises';
import { TsrunError } from '../../../errors.js';
import { read, readOptional, writeRaw } from '../files.js';

export async function freeze(dir: string): Promise<void> {
  try {
    for (let i = 0; i < 1000; i++) {
      if (i % 50 === 49) {
        // New tasks keep coming: thaw, let them settle, try again.
        writeRaw(dir, 'freezer.state', 'THAWED');
        await sleep(10);
      }
      writeRaw(dir, 'freezer.state', 'FROZEN');
      if (i % 25 === 24) await sleep(1);
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

export async function thaw(dir: string): Promise<void> {
  try {
    for (let i = 0; i < 1000; i++) {
      writeRaw(dir, 'freezer.state', 'THAWED');
      const state = read(dir, 'freezer.state').trim();
      if (state === 'THAWED') return;
      await sleep(1);
    }
  } catch (e) {
    throw new TsrunError(`cannot thaw ${dir}: ${(e as Error).message}`);
  }
  throw new TsrunError(`unable to thaw ${dir}`);
}

/**
 * True when the cgroup itself is frozen, or on its way there (FREEZING: a
 * pause in progress, which freeze() finishes or undoes). Frozen because of a
 * frozen ancestor (freezer.self_freezing 0) does not count, as in runc's
 * GetState. It reads without waiting for FREEZING to settle, as runc does,
 * so that a status query never sleeps.
 */
export function isFrozen(dir: string): boolean {
  const state = readOptional(dir, 'freezer.state');
  if (state === undefined || state === 'THAWED') return false;
  const self = readOptional(dir, 'freezer.self_freezing');
  return self === undefined ? state === 'FROZEN' : self === '1';
}
