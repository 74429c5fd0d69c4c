// linux.resources.cpu.cpus / .mems on cgroup v2 (runc fs2/cpuset.go):
// cpuset.cpus and cpuset.mems, written as given; empty means unset.
import type { LinuxResources } from '../../../spec/types.js';
import type { ApplyContext, V2Controller } from './controller.js';
import { writeField } from '../files.js';

const F = 'linux.resources.cpu';

export const cpuset: V2Controller = {
  name: 'cpuset',

  requested(r: LinuxResources) {
    if (r.cpu?.cpus) return `${F}.cpus`;
    if (r.cpu?.mems) return `${F}.mems`;
    return undefined;
  },

  apply(ctx: ApplyContext, r: LinuxResources) {
    if (r.cpu?.cpus) writeField(ctx.dir, 'cpuset.cpus', r.cpu.cpus, `${F}.cpus`);
    if (r.cpu?.mems) writeField(ctx.dir, 'cpuset.mems', r.cpu.mems, `${F}.mems`);
  },
};
