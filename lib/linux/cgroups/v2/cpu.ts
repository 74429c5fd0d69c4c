// linux.resources.cpu on cgroup v2 (runc fs2/cpu.go, youki v2/cpu.rs):
//   shares         -> cpu.weight, converted as runc >= 1.3.2 and crun >= 1.23
//                     do (2 -> 1, 1024 -> 100, 262144 -> 10000)
//   quota, period  -> cpu.max "QUOTA PERIOD" ("max" for quota <= 0); a field
//                     left out keeps what cpu.max has (the kernel's default
//                     "max 100000" on create), as runc's update merges it
//   burst          -> cpu.max.burst (retried after cpu.max on EINVAL, as runc)
//   idle           -> cpu.idle (cpu.weight is not written while idle is 1)
//   realtime*      -> refused: cgroup v2 has no RT bandwidth control
import type { LinuxResources } from '../../../spec/types.js';
import { SpecError } from '../../../spec/errors.js';
import type { CgroupStats } from '../manager.js';
import type { ApplyContext, V2Controller } from './controller.js';
import { errno, flatKeyed, readOptional, set, writeField, writeRaw } from '../files.js';

const F = 'linux.resources.cpu';

/**
 * cpu.shares (cgroup v1, 2..262144) to cpu.weight (1..10000), runc's
 * ConvertCPUSharesToCgroupV2Value since opencontainers/cgroups#20
 * (runc 1.3.2): a quadratic in log2(shares) through the minimum, the default
 * (1024 -> 100) and the maximum. 0 stays 0 (unset).
 */
export function sharesToWeight(shares: number): number {
  if (shares === 0) return 0;
  if (shares <= 2) return 1;
  if (shares >= 262144) return 10000;
  const l = Math.log2(shares);
  const exponent = (l * l + 125 * l) / 612 - 7 / 34;
  return Math.ceil(Math.pow(10, exponent));
}

/** The linear conversion of runc < 1.3.2 (and youki), for comparisons. */
export function sharesToWeightLinear(shares: number): number {
  if (shares === 0) return 0;
  return Math.min(10000, 1 + Math.floor((Math.max(shares, 2) - 2) * 9999 / 262142));
}

export const cpu: V2Controller = {
  name: 'cpu',

  requested(r: LinuxResources) {
    const c = r.cpu;
    if (!c) return undefined;
    if (set(c.shares)) return `${F}.shares`;
    if (set(c.quota)) return `${F}.quota`;
    if (set(c.period)) return `${F}.period`;
    if (c.burst !== undefined) return `${F}.burst`;
    if (c.idle !== undefined) return `${F}.idle`;
    return undefined;
  },

  validate(r: LinuxResources) {
    const c = r.cpu;
    if (!c) return;
    // runc silently drops these on v2; like youki, say so instead.
    if (set(c.realtimeRuntime)) throw new SpecError(`${F}.realtimeRuntime`, 'real-time CPU bandwidth is not supported on cgroup v2');
    if (set(c.realtimePeriod)) throw new SpecError(`${F}.realtimePeriod`, 'real-time CPU bandwidth is not supported on cgroup v2');
  },

  apply(ctx: ApplyContext, r: LinuxResources) {
    const c = r.cpu;
    if (!c || !cpu.requested(r)) return;
    const { dir } = ctx;
    if (c.idle !== undefined && c.idle !== null) writeField(dir, 'cpu.idle', String(c.idle), `${F}.idle`);
    const weight = sharesToWeight(c.shares ?? 0);
    if (weight !== 0 && !c.idle) writeField(dir, 'cpu.weight', String(weight), `${F}.shares`);

    // The burst may be refused until the new quota is in (runc: EINVAL when
    // old_quota/new_burst exceeds the parent's limit): then retry after it.
    let burstPending = false;
    if (c.burst !== undefined && c.burst !== null) {
      try {
        writeRaw(dir, 'cpu.max.burst', String(c.burst));
      } catch (e) {
        if (errno(e) !== 'EINVAL' || !set(c.quota)) writeField(dir, 'cpu.max.burst', String(c.burst), `${F}.burst`);
        else burstPending = true;
      }
    }
    const quota = set(c.quota);
    const period = set(c.period);
    if (quota !== undefined || period !== undefined) {
      const [oldQuota = 'max'] = (readOptional(dir, 'cpu.max') ?? '').split(/\s+/);
      const q = quota === undefined ? oldQuota : quota > 0 ? String(quota) : 'max';
      const value = period === undefined ? q : `${q} ${period}`;
      writeField(dir, 'cpu.max', value, quota !== undefined ? `${F}.quota` : `${F}.period`);
      if (burstPending) writeField(dir, 'cpu.max.burst', String(c.burst), `${F}.burst`);
    }
  },

  stats(dir: string, out: CgroupStats) {
    // cpu.stat is there even without the cpu controller (usage only).
    const text = readOptional(dir, 'cpu.stat');
    if (text === undefined) return;
    const s = flatKeyed(text);
    const us = (k: string) => (s.get(k) ?? 0) * 1000;
    out.cpu = {
      usage: { total: us('usage_usec'), kernel: us('system_usec'), user: us('user_usec') },
    };
    if (s.has('nr_periods')) {
      out.cpu.throttling = {
        periods: s.get('nr_periods'),
        throttled_periods: s.get('nr_throttled'),
        throttled_time: us('throttled_usec'),
      };
    }
  },
};
