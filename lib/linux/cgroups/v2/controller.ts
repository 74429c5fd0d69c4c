// What each cgroup v2 controller file (cpu.ts, memory.ts, ...) provides to
// the manager. A controller turns its part of linux.resources into writes to
// its interface files, as runc's libcontainer/cgroups/fs2 and youki's
// libcgroups/src/v2 do, and reads its part of the stats back.
import type { LinuxResources } from '../../../spec/types.js';
import type { CgroupStats } from '../manager.js';

export interface ApplyContext {
  /** The container's cgroup directory. */
  dir: string;
  /** Controllers in its cgroup.controllers (usable there). */
  available: ReadonlySet<string>;
  /** True on `update` (a live container), false on create. */
  update: boolean;
}

export interface V2Controller {
  /** The kernel controller this needs ("memory"), or '' for pseudo controllers. */
  readonly name: string;
  /**
   * The config.json field that asks for this controller (the first one set,
   * e.g. "linux.resources.memory.limit"), or undefined when nothing is set.
   * Zero values count as unset, as Docker sends them.
   */
  requested(r: LinuxResources): string | undefined;
  /** Checks that need no file system; throws SpecError. */
  validate?(r: LinuxResources): void;
  apply(ctx: ApplyContext, r: LinuxResources): void;
  stats?(dir: string, out: CgroupStats): void;
}
