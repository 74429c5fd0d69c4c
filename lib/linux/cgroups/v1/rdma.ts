// The rdma controller (runc's fscommon/rdma.go), where a host mounts it:
// one "<device> hca_handle=N hca_object=N" line per device into rdma.max,
// with only the limits the config gives.
import type { LinuxRdma } from '../../../spec/types.js';
import { writeField } from '../files.js';

export function rdmaWanted(rdma: Record<string, LinuxRdma> | undefined): boolean {
  return !!rdma && Object.keys(rdma).length > 0;
}

export function applyRdma(dir: string, rdma: Record<string, LinuxRdma> | undefined): void {
  for (const [device, limits] of Object.entries(rdma ?? {})) {
    let line = device;
    if (limits.hcaHandles !== undefined) line += ` hca_handle=${limits.hcaHandles}`;
    if (limits.hcaObjects !== undefined) line += ` hca_object=${limits.hcaObjects}`;
    if (line === device) continue;
    writeField(dir, 'rdma.max', line, `linux.resources.rdma.${device}`, () => `is "${device}" an RDMA device of this host?`);
  }
}
