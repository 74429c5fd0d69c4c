// linux.resources.blockIO on cgroup v2 (runc fs2/io.go):
//   weight        -> io.bfq.weight as is (10..1000) when BFQ is there, else
//                    io.weight converted linearly 10..1000 -> 1..10000
//                    (runc's ConvertBlkIOToIOWeightValue)
//   weightDevice  -> io.bfq.weight "MAJ:MIN WEIGHT", where BFQ has per-device
//                    weights (5.4+); ignored otherwise, as runc does
//   throttle*     -> io.max "MAJ:MIN rbps=|wbps=|riops=|wiops=RATE", one line
//                    per write; a rate of 0 is skipped (unset)
//   leafWeight    -> ignored (no such thing on v2), as runc does
// Stats: io.stat rbytes/wbytes -> ioServiceBytesRecursive, rios/wios ->
// ioServicedRecursive, ops "Read"/"Write" (runc's layout from v1).
import type { LinuxResources, LinuxThrottleDevice } from '../../../spec/types.js';
import type { CgroupStats } from '../manager.js';
import type { ApplyContext, V2Controller } from './controller.js';
import { nestedKeyed, readOptional, set, writeField } from '../files.js';

const F = 'linux.resources.blockIO';

/** blkio.weight (10..1000) to io.weight (1..10000); 0 stays 0. */
export function blkioWeightToIoWeight(weight: number): number {
  if (weight === 0) return 0;
  return 1 + Math.floor((Math.max(weight, 10) - 10) * 9999 / 990);
}

const THROTTLES = [
  ['throttleReadBpsDevice', 'rbps'],
  ['throttleWriteBpsDevice', 'wbps'],
  ['throttleReadIOPSDevice', 'riops'],
  ['throttleWriteIOPSDevice', 'wiops'],
] as const;

export const io: V2Controller = {
  name: 'io',

  requested(r: LinuxResources) {
    const b = r.blockIO;
    if (!b) return undefined;
    if (set(b.weight)) return `${F}.weight`;
    if (b.weightDevice?.some((d) => set(d.weight))) return `${F}.weightDevice`;
    for (const [key] of THROTTLES) {
      if ((b[key] as LinuxThrottleDevice[] | undefined)?.some((d) => set(d.rate))) return `${F}.${key}`;
    }
    return undefined;
  },

  apply(ctx: ApplyContext, r: LinuxResources) {
    const b = r.blockIO;
    if (!b || !io.requested(r)) return;
    const { dir } = ctx;
    const bfq = readOptional(dir, 'io.bfq.weight');
    const weight = set(b.weight);
    if (weight !== undefined) {
      if (bfq !== undefined) writeField(dir, 'io.bfq.weight', String(weight), `${F}.weight`);
      else writeField(dir, 'io.weight', String(blkioWeightToIoWeight(weight)), `${F}.weight`);
    }
    // Old BFQ shows a single number: no per-device weights there.
    const perDevice = bfq !== undefined && !/^\d+$/.test(bfq);
    if (perDevice) {
      (b.weightDevice ?? []).forEach((d, i) => {
        const w = set(d.weight);
        if (w !== undefined) writeField(dir, 'io.bfq.weight', `${d.major}:${d.minor} ${w}`, `${F}.weightDevice[${i}]`);
      });
    }
    for (const [key, name] of THROTTLES) {
      ((b[key] as LinuxThrottleDevice[] | undefined) ?? []).forEach((d, i) => {
        if (set(d.rate) === undefined) return;
        writeField(dir, 'io.max', `${d.major}:${d.minor} ${name}=${d.rate}`, `${F}.${key}[${i}]`);
      });
    }
  },

  stats(dir: string, out: CgroupStats) {
    const text = readOptional(dir, 'io.stat');
    if (text === undefined) return;
    type Entry = { major: number; minor: number; op: string; value: number };
    const bytes: Entry[] = [];
    const ios: Entry[] = [];
    for (const [device, values] of nestedKeyed(text)) {
      const [major, minor] = device.split(':').map(Number);
      if (!Number.isInteger(major) || !Number.isInteger(minor)) continue;
      for (const [k, value] of values) {
        if (k === 'rbytes') bytes.push({ major, minor, op: 'Read', value });
        else if (k === 'wbytes') bytes.push({ major, minor, op: 'Write', value });
        else if (k === 'rios') ios.push({ major, minor, op: 'Read', value });
        else if (k === 'wios') ios.push({ major, minor, op: 'Write', value });
      }
    }
    out.blkio = {};
    if (bytes.length) out.blkio.ioServiceBytesRecursive = bytes;
    if (ios.length) out.blkio.ioServicedRecursive = ios;
  },
};
