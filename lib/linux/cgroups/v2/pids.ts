// linux.resources.pids on cgroup v2 (runc fs2/pids.go): pids.max, "max" for a
// negative limit, 0 unset. Stats: pids.current and pids.max ("max" -> 0, as
// runc reports no limit), or a count of cgroup.procs without the controller.
import type { LinuxResources } from '../../../spec/types.js';
import type { CgroupStats } from '../manager.js';
import type { ApplyContext, V2Controller } from './controller.js';
import { MAX_U64, readOptional, readUintIfExists, set, writeField } from '../files.js';

export const pids: V2Controller = {
  name: 'pids',

  requested(r: LinuxResources) {
    return set(r.pids?.limit) !== undefined ? 'linux.resources.pids.limit' : undefined;
  },

  apply(ctx: ApplyContext, r: LinuxResources) {
    const limit = set(r.pids?.limit);
    if (limit === undefined) return;
    writeField(ctx.dir, 'pids.max', limit > 0 ? String(limit) : 'max', 'linux.resources.pids.limit');
  },

  stats(dir: string, out: CgroupStats) {
    const current = readUintIfExists(dir, 'pids.current');
    if (current === undefined) {
      const procs = readOptional(dir, 'cgroup.procs');
      if (procs !== undefined) out.pids = { current: procs.split('\n').filter(Boolean).length, limit: 0 };
      return;
    }
    const max = readUintIfExists(dir, 'pids.max') ?? MAX_U64;
    out.pids = { current, limit: max === MAX_U64 ? 0 : max };
  },
};
