// The v1 pids controller (runc's fs/pids.go): pids.max from
// linux.resources.pids.limit, where 0 leaves it alone and a negative value
// means "max" (no limit).
import type { LinuxPids } from '../../../spec/types.js';
import type { CgroupStats } from '../manager.js';
import { readOptional, parseUint, writeField } from '../files.js';

export function pidsWanted(pids: LinuxPids | undefined): boolean {
  return !!pids && pids.limit !== 0;
}

export function applyPids(dir: string, pids: LinuxPids | undefined): void {
  if (!pids || pids.limit === 0) return;
  writeField(dir, 'pids.max', pids.limit > 0 ? String(pids.limit) : 'max', 'linux.resources.pids.limit');
}

export function pidsStats(dir: string, out: CgroupStats): void {
  const current = readOptional(dir, 'pids.current');
  if (current === undefined) return;
  const max = (readOptional(dir, 'pids.max') ?? 'max').trim();
  // runc reports "max" as 0, "no limit".
  out.pids = { current: parseUint(current), limit: max === 'max' ? 0 : parseUint(max) };
}
