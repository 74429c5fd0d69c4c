import { renameSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** Like runc: written whole or not at all, so a reader never sees half a pid. */
export function writePidFile(path: string, pid: number): void {
  const file = resolve(path);
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, String(pid));
  renameSync(tmp, file);
}
