// linux.resources.rdma on cgroup v2 (runc fscommon/rdma.go): one rdma.max
// line per device, "DEVICE hca_handle=N hca_object=M" with the fields given.
import type { LinuxResources } from '../../../spec/types.js';
import { SpecError } from '../../../spec/errors.js';
import type { ApplyContext, V2Controller } from './controller.js';
import { writeField } from '../files.js';

const F = 'linux.resources.rdma';

export const rdma: V2Controller = {
  name: 'rdma',

  requested(r: LinuxResources) {
    const first = Object.keys(r.rdma ?? {})[0];
    return first === undefined ? undefined : `${F}.${first}`;
  },

  validate(r: LinuxResources) {
    for (const device of Object.keys(r.rdma ?? {})) {
      if (!/^[^\s=]+$/.test(device)) throw new SpecError(`${F}.${device}`, `"${device}" is not an RDMA device name`);
    }
  },

  apply(ctx: ApplyContext, r: LinuxResources) {
    for (const [device, limits] of Object.entries(r.rdma ?? {})) {
      let line = device;
      if (limits.hcaHandles !== undefined) line += ` hca_handle=${limits.hcaHandles}`;
      if (limits.hcaObjects !== undefined) line += ` hca_object=${limits.hcaObjects}`;
      writeField(ctx.dir, 'rdma.max', line, `${F}.${device}`);
    }
  },
};
