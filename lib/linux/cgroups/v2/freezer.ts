// The cgroup v2 freezer (runc fs2/freezer.go): cgroup.freeze asks, and
// cgroup.events "frozen 1" says when every task has stopped. Freezing that
// does not complete is undone (thawed) so the cgroup is not left half-frozen.
import { setTimeout as sleep } from 'node:timers/promises';
import { TsrunError } from '../../../errors.js';
import { readOptional, reason, writeRaw } from '../files.js';

const WAIT_MS = 10;
const TRIES = 1000; // 10 s, as runc

function eventsFrozen(dir: string): boolean | undefined {
  const events = readOptional(dir, 'cgroup.events');
  const m = /^frozen (\d)$/m.exec(events ?? '');
  return m ? m[1] === '1' : undefined;
}

async function waitFor(dir: string, frozen: boolean): Promise<boolean> {
  for (let i = 0; i < TRIES; i++) {
    const now = eventsFrozen(dir);
    if (now === undefined || now === frozen) return true;
    await sleep(WAIT_MS);
  }
  return false;
}

export async function setFrozen(dir: string, frozen: boolean): Promise<void> {
  try {
    writeRaw(dir, 'cgroup.freeze', frozen ? '1' : '0');
  } catch (e) {
    const what = (e as NodeJS.ErrnoException).code === 'ENOENT'
      ? `${dir}/cgroup.freeze does not exist (the cgroup is gone, or the kernel is older than 5.2)`
      : `${dir}/cgroup.freeze: ${reason(e)}`;
    throw new TsrunError(`${frozen ? 'freezing' : 'thawing'} the cgroup: ${what}`);
  }
  if (await waitFor(dir, frozen)) return;
  if (frozen) {
    try {
      writeRaw(dir, 'cgroup.freeze', '0');
    } catch {
      // Reported below.
    }
    throw new TsrunError(`freezing the cgroup: ${dir} did not freeze within ${(WAIT_MS * TRIES) / 1000} s`);
  }
  throw new TsrunError(`thawing the cgroup: ${dir} did not thaw within ${(WAIT_MS * TRIES) / 1000} s`);
}

/** True when the cgroup was asked to freeze (and is frozen, or freezing). */
export function isFrozen(dir: string): boolean {
  return readOptional(dir, 'cgroup.freeze') === '1';
}
