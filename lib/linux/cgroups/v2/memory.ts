// linux.resources.memory on cgroup v2 (runc fs2/memory.go):
//   limit        -> memory.max (-1: "max")
//   swap         -> memory.swap.max = swap - limit: the spec's swap is memory
//                   plus swap (cgroup v1), v2 limits swap alone
//                   (runc's ConvertMemorySwapToCgroupV2Value); swap == limit
//                   writes 0 (no swap); -1 "max"; limit -1 with no swap: both
//                   unlimited. Written before memory.max, as runc does.
//   reservation  -> memory.low
//   checkBeforeUpdate: refuse a limit at or below the current usage
//   kernel, kernelTCP, swappiness, disableOOMKiller, useHierarchy: ignored,
//   as runc does on v2 (no such knobs; the hierarchy is always used)
// Stats as runc's statMemory: memory.stat as raw, cache = file, usage from
// memory.current/max/peak, swap as memory+swap (v1's meaning).
import type { LinuxResources } from '../../../spec/types.js';
import { SpecError } from '../../../spec/errors.js';
import type { CgroupStats } from '../manager.js';
import type { ApplyContext, V2Controller } from './controller.js';
import { errno, flatKeyed, MAX_U64, readOptional, readUintIfExists, set, writeField, writeRaw } from '../files.js';

const F = 'linux.resources.memory';

/** "" for 0 (unset), "max" for -1, else the number (runc's numToStr). */
function numToStr(v: number): string {
  if (v === 0) return '';
  if (v === -1) return 'max';
  return String(v);
}

/**
 * The memory.swap.max value for the spec's memory+swap `swap` and `limit`
 * (runc's ConvertMemorySwapToCgroupV2Value); throws SpecError on nonsense.
 */
export function swapToV2(swap: number, limit: number): number {
  if (limit === -1 && swap === 0) return -1;
  if (swap === -1 || swap === 0) return swap;
  if (limit === -1) return swap;
  if (limit === 0) throw new SpecError(`${F}.swap`, 'a swap limit needs a memory limit (linux.resources.memory.limit)');
  if (limit < 0) throw new SpecError(`${F}.limit`, `invalid memory limit ${limit}`);
  if (swap < limit) throw new SpecError(`${F}.swap`, `memory+swap limit (${swap}) must be at least the memory limit (${limit})`);
  return swap - limit;
}

export const memory: V2Controller = {
  name: 'memory',

  requested(r: LinuxResources) {
    const m = r.memory;
    if (!m) return undefined;
    if (set(m.limit)) return `${F}.limit`;
    if (set(m.reservation)) return `${F}.reservation`;
    if (set(m.swap)) return `${F}.swap`;
    return undefined;
  },

  validate(r: LinuxResources) {
    const m = r.memory;
    if (!m || !memory.requested(r)) return;
    for (const k of ['limit', 'reservation', 'swap'] as const) {
      const v = m[k];
      if (v !== undefined && v < -1) throw new SpecError(`${F}.${k}`, `${v} is neither a number of bytes nor -1 (unlimited)`);
    }
    swapToV2(m.swap ?? 0, m.limit ?? 0);
  },

  apply(ctx: ApplyContext, r: LinuxResources) {
    const m = r.memory;
    if (!m || !memory.requested(r)) return;
    const { dir } = ctx;
    const limit = m.limit ?? 0;
    const swapTotal = m.swap ?? 0;

    if (m.checkBeforeUpdate && (limit > 0 || swapTotal > 0)) {
      // Best effort, as runc: skip the check when the usage cannot be read.
      const usage = readUintIfExists(dir, 'memory.current');
      if (usage !== undefined) {
        if (swapTotal > 0 && swapTotal <= usage) {
          throw new SpecError(`${F}.swap`, `rejecting memory+swap limit ${swapTotal} <= usage ${usage}`);
        }
        if (limit > 0 && limit <= usage) throw new SpecError(`${F}.limit`, `rejecting memory limit ${limit} <= usage ${usage}`);
      }
    }

    const swap = swapToV2(swapTotal, limit);
    let swapStr = numToStr(swap);
    if (swapStr === '' && swap === 0 && swapTotal > 0) swapStr = '0'; // swap == limit: no swap
    if (swapStr !== '') {
      try {
        writeRaw(dir, 'memory.swap.max', swapStr);
      } catch (e) {
        // Without swap accounting there is no memory.swap.max: "max" and "0"
        // then ask for nothing that is not already so (runc ignores them).
        if (!(errno(e) === 'ENOENT' && (swapStr === 'max' || swapStr === '0'))) {
          writeField(dir, 'memory.swap.max', swapStr, `${F}.swap`);
        }
      }
    }
    const max = numToStr(limit);
    if (max !== '') writeField(dir, 'memory.max', max, `${F}.limit`);
    const low = numToStr(m.reservation ?? 0);
    if (low !== '') writeField(dir, 'memory.low', low, `${F}.reservation`);
  },

  stats(dir: string, out: CgroupStats) {
    const statText = readOptional(dir, 'memory.stat');
    if (statText === undefined) return;
    const raw = Object.fromEntries(flatKeyed(statText));
    const usage = readUintIfExists(dir, 'memory.current');
    if (usage === undefined) {
      // The root cgroup has no memory.current: runc estimates from memory.stat.
      out.memory = { cache: raw.file ?? 0, raw, usage: { usage: (raw.anon ?? 0) + (raw.file ?? 0), limit: MAX_U64, failcnt: 0 } };
      return;
    }
    const limit = readUintIfExists(dir, 'memory.max') ?? MAX_U64;
    const peak = readUintIfExists(dir, 'memory.peak') ?? 0; // since 5.19
    const swapUsage = readUintIfExists(dir, 'memory.swap.current') ?? 0;
    const swapLimit = readOptional(dir, 'memory.swap.current') === undefined ? 0 : (readUintIfExists(dir, 'memory.swap.max') ?? MAX_U64);
    out.memory = {
      cache: raw.file ?? 0,
      usage: { usage, limit, max: peak, failcnt: 0 },
      // v1 reported swap as memory+swap; runc keeps that meaning on v2.
      swap_usage: {
        usage: swapUsage + usage,
        limit: swapLimit === MAX_U64 ? MAX_U64 : swapLimit + limit,
        max: 0,
        failcnt: 0,
      },
      raw,
    };
  },
};

/** memory.events oom_kill (0 when there is no memory controller). */
export function oomKillCount(dir: string): number {
  return flatKeyed(readOptional(dir, 'memory.events')).get('oom_kill') ?? 0;
}
