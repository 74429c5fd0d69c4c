// A hybrid host's cgroup2 mount (/sys/fs/cgroup/unified), which the container
// joins like runc does. Usually it has no controllers (only process tracking,
// cgroup.kill, PSI); when the kernel put some there rather than on a v1
// hierarchy (cgroup.controllers of the mount's root lists them), we use it
// simply:
//   - linux.resources.unified keys go there, but only when their controller
//     ("pids" of "pids.max"; "cgroup" is the core, always there) is on it;
//     anything else fails, like runc's "cannot use unified on cgroup v1";
//   - hugetlb limits go there with v2 file names when hugetlb is not a v1
//     hierarchy (see hugetlb.ts);
//   - a controller used is enabled (+name in cgroup.subtree_control) in every
//     ancestor, from the mount's root down to the container's parent. This
//     fails with EBUSY if an ancestor other than the root holds processes
//     (the v2 "no internal processes" rule): the kernel's reason is reported.
import { dirname } from 'node:path';
import { SpecError } from '../../../spec/errors.js';
import { controllerList, exists, read, readOptional, writeField } from '../files.js';

const F = 'linux.resources.unified';

/** The cgroup2 mount's root above `dir` (its parent has no cgroup.controllers). */
export function unifiedRoot(dir: string): string {
  let d = dir;
  while (dirname(d) !== d && exists(dirname(d), 'cgroup.controllers')) d = dirname(d);
  return d;
}

/** Controllers the cgroup2 mount offers; empty on most hybrid hosts. */
export function unifiedControllers(dir: string): string[] {
  // The container's dir may not exist yet: ask the closest existing ancestor.
  let d = dir;
  while (dirname(d) !== d && readOptional(d, 'cgroup.controllers') === undefined) d = dirname(d);
  return controllerList(d);
}

/** The controller of a v2 interface file name: "memory" for "memory.max". */
function controllerOf(key: string): string {
  return key.slice(0, key.indexOf('.'));
}

export function validateUnified(unified: Record<string, string> | undefined, dir: string | undefined): void {
  const keys = Object.keys(unified ?? {});
  if (keys.length === 0) return;
  if (dir === undefined) {
    throw new SpecError(F, `cannot use unified on cgroup v1: this host has no cgroup2 hierarchy (${keys.join(', ')})`);
  }
  const have = unifiedControllers(dir);
  for (const key of keys) {
    if (!/^[a-z_]+\.[A-Za-z0-9_.]+$/.test(key)) throw new SpecError(F, `"${key}" is not a cgroup2 interface file name`);
    const c = controllerOf(key);
    if (c !== 'cgroup' && !have.includes(c)) {
      throw new SpecError(F, `cannot use unified on cgroup v1: "${key}" needs the ${c} controller, which this hybrid host keeps on cgroup v1 (cgroup2 has ${have.length ? have.join(', ') : 'no controllers'})`);
    }
  }
}

/** Enables `controllers` for `dir`'s subtree, from the mount's root down. */
export function enableUnified(dir: string, controllers: string[], field: string): void {
  if (controllers.length === 0) return;
  const root = unifiedRoot(dir);
  const chain: string[] = [];
  for (let d = dirname(dir); d.length >= root.length; d = dirname(d)) {
    chain.unshift(d);
    if (d === root) break;
  }
  for (const d of chain) {
    const enabled = read(d, 'cgroup.subtree_control').trim().split(/\s+/);
    for (const c of controllers) {
      if (!enabled.includes(c)) writeField(d, 'cgroup.subtree_control', `+${c}`, field);
    }
  }
}

export function applyUnified(dir: string, unified: Record<string, string> | undefined): void {
  const entries = Object.entries(unified ?? {});
  if (entries.length === 0) return;
  enableUnified(dir, [...new Set(entries.map(([k]) => controllerOf(k)).filter((c) => c !== 'cgroup'))], F);
  for (const [key, value] of entries) writeField(dir, key, value, F, () => `writing unified key "${key}"`);
}
