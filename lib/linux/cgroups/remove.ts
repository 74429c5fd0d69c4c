// Removing a container's cgroup directory, for every driver: the cgroups
// below it first (deepest first), each rmdir retried while exiting tasks still
// hold the cgroup (EBUSY), as runc's RemovePath does. The waits are timers
// and the rmdirs run on libuv's thread pool (the kernel may take a while over
// a cgroup's rmdir), never on a blocked event loop: an engine runs many
// containers in one.
import { rmdirSync } from 'node:fs';
import { rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { TsrunError } from '../../errors.js';
import { children, errno, reason } from './files.js';

/** How long a busy cgroup is waited for, ms. */
const PATIENCE = 8000;
/** The retry delay doubles from 1 ms up to this, ms, so a cgroup that empties is removed soon after. */
const MAX_DELAY = 100;

async function rmdirRetry(dir: string): Promise<void> {
  const deadline = Date.now() + PATIENCE;
  for (let delay = 1; ; delay = Math.min(delay * 2, MAX_DELAY)) {
    try {
      await rmdir(dir);
      return;
    } catch (e) {
      const code = errno(e);
      if (code === 'ENOENT') return;
      if ((code === 'EBUSY' || code === 'ENOTEMPTY') && Date.now() < deadline) {
        await sleep(delay);
        continue;
      }
      throw new TsrunError(`removing cgroup ${dir}: ${reason(e)}`);
    }
  }
}

/** Removes dir and the cgroups below it; a missing one is fine. */
export async function removeCgroup(dir: string): Promise<void> {
  for (const name of children(dir)) await removeCgroup(join(dir, name));
  await rmdirRetry(dir);
}

/** rmdir of directories a manager made, innermost first, where nothing else uses them now. */
export function removeUnused(dirs: readonly string[]): void {
  for (const dir of [...dirs].reverse()) {
    try {
      rmdirSync(dir);
    } catch {
      // Busy with other cgroups, or gone: leave it.
    }
  }
}
