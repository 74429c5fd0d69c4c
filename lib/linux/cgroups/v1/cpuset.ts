// The v1 cpuset controller: cpuset.cpus and cpuset.mems. A new v1 cpuset
// starts with both empty and no task can join it until they are filled, so,
// as runc's cpusetEnsureParent/cpusetCopyIfNeeded do, every level from the
// hierarchy's root down to the container's cgroup gets its parent's values
// when its own are empty.
import { dirname } from 'node:path';
import type { LinuxCPU } from '../../../spec/types.js';
import { exists, read, readOptional, writeField } from '../files.js';

const F = 'linux.resources.cpu';

/** Fills empty cpuset.cpus/mems from the parent, top-down, ending at `dir`. */
export function cpusetInherit(dir: string): void {
  const chain: string[] = [];
  // Climb while the parent is still in the cpuset hierarchy (has cpuset.cpus).
  for (let d = dir; exists(dirname(d), 'cpuset.cpus') && dirname(d) !== d; d = dirname(d)) chain.unshift(d);
  for (const d of chain) {
    const parent = dirname(d);
    for (const file of ['cpuset.cpus', 'cpuset.mems']) {
      if (read(d, file).trim() !== '') continue;
      const value = read(parent, file).trim();
      if (value !== '') writeField(d, file, value, 'linux.cgroupsPath', () => `copying ${file} from ${parent}`);
    }
  }
}

export function cpusetWanted(cpu: LinuxCPU | undefined): boolean {
  return !!cpu && (!!cpu.cpus || !!cpu.mems);
}

/** What the parent offers, for the error message. */
function available(dir: string, what: 'cpus' | 'mems'): string | undefined {
  const parent = dirname(dir);
  const v = readOptional(parent, `cpuset.effective_${what}`) ?? readOptional(parent, `cpuset.${what}`);
  return v === undefined ? undefined : `the parent cgroup has ${what} "${v.trim()}"`;
}

export function applyCpuset(dir: string, cpu: LinuxCPU | undefined): void {
  if (!cpu) return;
  if (cpu.cpus) writeField(dir, 'cpuset.cpus', cpu.cpus, `${F}.cpus`, () => available(dir, 'cpus'));
  if (cpu.mems) writeField(dir, 'cpuset.mems', cpu.mems, `${F}.mems`, () => available(dir, 'mems'));
}
