// The v1 blkio controller, as runc 1.1's fs/blkio.go: weights go to
// blkio.weight[_device] where CFQ provides them, else to BFQ's
// blkio.bfq.weight[_device]; leaf weights (CFQ only) to blkio.leaf_weight*;
// throttling to blkio.throttle.{read,writeField}_{bps,iops}_device as
// "major:minor value", one writeField per device. 0 weights are unset.
// Stats: the first group of files that exists (BFQ debug, BFQ, CFQ, throttle
// recursive, throttle) in runc's BlkioStatEntry form.
import type { LinuxBlockIO, LinuxThrottleDevice } from '../../../spec/types.js';
import type { CgroupStats } from '../manager.js';
import { exists, isSet, readOptional, writeField } from '../files.js';

const F = 'linux.resources.blockIO';

export function blkioWanted(b: LinuxBlockIO | undefined): boolean {
  if (!b) return false;
  return isSet(b.weight) || isSet(b.leafWeight) || !!b.weightDevice?.length ||
    !!b.throttleReadBpsDevice?.length || !!b.throttleWriteBpsDevice?.length ||
    !!b.throttleReadIOPSDevice?.length || !!b.throttleWriteIOPSDevice?.length;
}

export function applyBlkio(dir: string, b: LinuxBlockIO | undefined): void {
  if (!b) return;
  const cfq = exists(dir, 'blkio.weight');
  const weightFile = cfq ? 'blkio.weight' : 'blkio.bfq.weight';
  const weightDeviceFile = cfq ? 'blkio.weight_device' : 'blkio.bfq.weight_device';
  if (isSet(b.weight)) writeField(dir, weightFile, b.weight, `${F}.weight`);
  if (isSet(b.leafWeight)) writeField(dir, 'blkio.leaf_weight', b.leafWeight, `${F}.leafWeight`);
  (b.weightDevice ?? []).forEach((wd, i) => {
    const field = `${F}.weightDevice[${i}]`;
    if (isSet(wd.weight)) {
      writeField(dir, weightDeviceFile, `${wd.major}:${wd.minor} ${wd.weight}`, `${field}.weight`, (e) =>
        !cfq && (e as NodeJS.ErrnoException).code === 'ENOTSUP' ? `the I/O scheduler of ${wd.major}:${wd.minor} is not BFQ` : undefined);
    }
    if (isSet(wd.leafWeight)) writeField(dir, 'blkio.leaf_weight_device', `${wd.major}:${wd.minor} ${wd.leafWeight}`, `${field}.leafWeight`);
  });
  const throttle = (list: LinuxThrottleDevice[] | undefined, file: string, key: string) => {
    (list ?? []).forEach((td, i) => {
      writeField(dir, `blkio.throttle.${file}`, `${td.major}:${td.minor} ${td.rate}`, `${F}.${key}[${i}]`, () =>
        `is ${td.major}:${td.minor} a block device of this host?`);
    });
  };
  throttle(b.throttleReadBpsDevice, 'read_bps_device', 'throttleReadBpsDevice');
  throttle(b.throttleWriteBpsDevice, 'write_bps_device', 'throttleWriteBpsDevice');
  throttle(b.throttleReadIOPSDevice, 'read_iops_device', 'throttleReadIOPSDevice');
  throttle(b.throttleWriteIOPSDevice, 'write_iops_device', 'throttleWriteIOPSDevice');
}

export interface BlkioEntry { major: number; minor: number; op: string; value: number }

/**
 * "8:0 Read 1282048" / "8:0 6792" lines; the closing "Total N" is skipped.
 * undefined when the file is missing or empty (runc then tries the next group).
 */
function blkioEntries(dir: string, file: string): BlkioEntry[] | undefined {
  const text = readOptional(dir, file);
  if (text === undefined) return undefined;
  const out: BlkioEntry[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(/[ :]+/).filter(Boolean);
    if (f.length < 3) continue; // "Total N", blank
    const [major, minor] = [Number(f[0]), Number(f[1])];
    if (!Number.isFinite(major) || !Number.isFinite(minor)) continue;
    if (f.length >= 4) out.push({ major, minor, op: f[2], value: Number(f[3]) });
    else out.push({ major, minor, op: '', value: Number(f[2]) });
  }
  return out.length ? out : undefined;
}

// libcontainer's BlkioStats JSON names.
const SECTORS = 'sectors_recursive';
const SERVICE_TIME = 'io_service_time_recursive';
const WAIT_TIME = 'io_wait_time_recursive';
const MERGED = 'io_merged_recursive';
const QUEUED = 'io_queue_recursive';
const TIME = 'io_time_recursive';
const SERVICED = 'io_serviced_recursive';
const BYTES = 'io_service_bytes_recursive';

const GROUPS: [file: string, key: string][][] = [
  [ // BFQ with CONFIG_BFQ_CGROUP_DEBUG
    ['blkio.bfq.sectors_recursive', SECTORS], ['blkio.bfq.io_service_time_recursive', SERVICE_TIME],
    ['blkio.bfq.io_wait_time_recursive', WAIT_TIME], ['blkio.bfq.io_merged_recursive', MERGED],
    ['blkio.bfq.io_queued_recursive', QUEUED], ['blkio.bfq.time_recursive', TIME],
    ['blkio.bfq.io_serviced_recursive', SERVICED], ['blkio.bfq.io_service_bytes_recursive', BYTES],
  ],
  [['blkio.bfq.io_serviced_recursive', SERVICED], ['blkio.bfq.io_service_bytes_recursive', BYTES]],
  [ // CFQ
    ['blkio.sectors_recursive', SECTORS], ['blkio.io_service_time_recursive', SERVICE_TIME],
    ['blkio.io_wait_time_recursive', WAIT_TIME], ['blkio.io_merged_recursive', MERGED],
    ['blkio.io_queued_recursive', QUEUED], ['blkio.time_recursive', TIME],
    ['blkio.io_serviced_recursive', SERVICED], ['blkio.io_service_bytes_recursive', BYTES],
  ],
  [['blkio.throttle.io_serviced_recursive', SERVICED], ['blkio.throttle.io_service_bytes_recursive', BYTES]],
  [['blkio.throttle.io_serviced', SERVICED], ['blkio.throttle.io_service_bytes', BYTES]],
];

export function blkioStats(dir: string, out: CgroupStats): void {
  const blkio: Record<string, BlkioEntry[]> = {};
  out.blkio = blkio;
  for (const group of GROUPS) {
    // A group whose first file is missing or empty is skipped; once the
    // first one has data, the group is the answer (as runc's GetStats).
    const first = blkioEntries(dir, group[0][0]);
    if (!first) continue;
    blkio[group[0][1]] = first;
    for (const [file, key] of group.slice(1)) {
      const entries = blkioEntries(dir, file);
      if (!entries) break;
      blkio[key] = entries;
    }
    return;
  }
}
