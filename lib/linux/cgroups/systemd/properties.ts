// linux.resources as systemd unit properties (runc's genV1ResourcesProperties
// and genV2ResourcesProperties): what systemd itself knows how to set, so
// that it keeps those limits when it rewrites the unit's cgroup (on
// daemon-reload, say). The fs driver still writes everything afterwards,
// as runc's does; what has no property (devices, most of unified, ...) is
// written by it alone.
import type { LinuxCPU, LinuxResources } from '../../../spec/types.js';
import { SpecError } from '../../../spec/errors.js';
import { set } from '../files.js';
import { sharesToWeight } from '../v2/cpu.js';
import { swapToV2 } from '../v2/memory.js';
import type { Property } from './bus.js';

/** UINT64_MAX: systemd's "infinity" for limits. */
const INFINITY = '18446744073709551615';
/** The CFS period systemd (and the kernel) uses when none is given, in µs. */
const DEFAULT_PERIOD = 100_000;

const u64 = (name: string, v: number | string): Property => [name, ['t', v]];
/** A limit where -1 means none. */
const limit = (name: string, v: number): Property => u64(name, v === -1 ? INFINITY : v);

/**
 * A cpuset list ("0-3,8") as systemd's AllowedCPUs/AllowedMemoryNodes take
 * it: a bitmask, lowest CPU in the first byte's lowest bit (runc's RangeToBits).
 */
export function cpusetBits(list: string, field: string): number[] {
  const bytes: number[] = [];
  for (const part of list.split(',')) {
    const m = /^\s*(\d+)(?:-(\d+))?\s*$/.exec(part);
    const from = m ? Number(m[1]) : NaN;
    const to = m?.[2] !== undefined ? Number(m[2]) : from;
    if (!m || to < from || to > 65535) throw new SpecError(field, `"${list}" is not a CPU or memory node list (like "0-3,8")`);
    for (let i = from; i <= to; i++) {
      while (bytes.length <= i >> 3) bytes.push(0);
      bytes[i >> 3] |= 1 << (i & 7);
    }
  }
  return bytes.length ? bytes : [0];
}

/**
 * CPUQuotaPerSecUSec (and CPUQuotaPeriodUSec) for a CFS quota and period
 * (runc's addCpuQuota): systemd keeps the quota as a percentage of one CPU,
 * so it is rounded up to the next 10 ms per second, leaving room for the
 * exact quota the fs driver writes. The period needs systemd 242.
 */
function cpuQuota(c: LinuxCPU | undefined, version: number): Property[] {
  const quota = set(c?.quota);
  const period = set(c?.period);
  if (quota === undefined && period === undefined) return [];
  const out: Property[] = [];
  if (period !== undefined && version >= 242) out.push(u64('CPUQuotaPeriodUSec', period));
  let perSec: number | string = INFINITY;
  if (quota !== undefined && quota > 0) {
    perSec = Math.floor((quota * 1_000_000) / (period ?? DEFAULT_PERIOD));
    if (perSec % 10_000 !== 0) perSec = (Math.floor(perSec / 10_000) + 1) * 10_000;
  }
  out.push(u64('CPUQuotaPerSecUSec', perSec));
  return out;
}

/** AllowedCPUs and AllowedMemoryNodes, which systemd has since 244. */
function cpuset(c: LinuxCPU | undefined, version: number): Property[] {
  if (version < 244) return [];
  const out: Property[] = [];
  if (c?.cpus) out.push(['AllowedCPUs', ['ay', cpusetBits(c.cpus, 'linux.resources.cpu.cpus')]]);
  if (c?.mems) out.push(['AllowedMemoryNodes', ['ay', cpusetBits(c.mems, 'linux.resources.cpu.mems')]]);
  return out;
}

/** A unified value: a number, or "max" (infinity). */
function unifiedNumber(key: string, value: string): number | string {
  const v = value.trim();
  if (v === 'max') return INFINITY;
  if (!/^\d+$/.test(v)) throw new SpecError(`linux.resources.unified.${key}`, `"${value}" is neither a number nor "max"`);
  return Number(v);
}

/** The linux.resources.unified keys systemd has properties for (runc's unifiedResToSystemdProps). */
function unifiedProperties(unified: Record<string, string> | undefined, version: number): Property[] {
  const names: Record<string, string> = {
    'memory.min': 'MemoryMin', 'memory.low': 'MemoryLow', 'memory.high': 'MemoryHigh',
    'memory.max': 'MemoryMax', 'memory.swap.max': 'MemorySwapMax', 'pids.max': 'TasksMax', 'cpu.weight': 'CPUWeight',
  };
  const out: Property[] = [];
  for (const [key, value] of Object.entries(unified ?? {})) {
    if (names[key]) out.push(u64(names[key], unifiedNumber(key, value)));
    else if (key === 'cpu.max') {
      // "QUOTA [PERIOD]", QUOTA "max" for none.
      const [q, p] = value.trim().split(/\s+/);
      const quota = q === 'max' ? -1 : Number(unifiedNumber(key, q));
      const period = p === undefined ? undefined : Number(unifiedNumber(key, p));
      out.push(...cpuQuota({ quota, period }, version));
    }
  }
  return out;
}

/**
 * The resource properties of a unit on a unified (v2) or v1 host, for a
 * systemd of `version` (asked only when a property needs it).
 */
export async function resourceProperties(r: LinuxResources | undefined, unified: boolean, version: () => Promise<number>): Promise<Property[]> {
  if (!r) return [];
  const out: Property[] = [];
  const m = r.memory;
  const c = r.cpu;
  const needsVersion = set(c?.period) !== undefined || !!c?.cpus || !!c?.mems || (unified && r.unified?.['cpu.max'] !== undefined);
  const v = needsVersion ? await version() : 0;
  if (unified) {
    if (set(m?.limit) !== undefined) out.push(limit('MemoryMax', m!.limit!));
    if (set(m?.reservation) !== undefined) out.push(limit('MemoryLow', m!.reservation!));
    if (set(m?.swap) !== undefined) out.push(limit('MemorySwapMax', swapToV2(m!.swap!, m?.limit ?? 0)));
    if (set(c?.shares) !== undefined) out.push(u64('CPUWeight', sharesToWeight(c!.shares!)));
  } else {
    if (set(m?.limit) !== undefined) out.push(limit('MemoryLimit', m!.limit!));
    if (set(c?.shares) !== undefined) out.push(u64('CPUShares', c!.shares!));
    if (set(r.blockIO?.weight) !== undefined) out.push(u64('BlockIOWeight', r.blockIO!.weight!));
  }
  out.push(...cpuQuota(c, v), ...cpuset(c, v));
  const pids = set(r.pids?.limit);
  if (pids !== undefined && (pids > 0 || pids === -1)) out.push(limit('TasksMax', pids));
  if (unified) out.push(...unifiedProperties(r.unified, v));
  return out;
}
