// The drivers' stats (CgroupStats) in the JSON `runc events` prints
// (runc's types/events.go): camelCase names and Go's omitempty.
import type { CgroupStats } from './manager.js';

type Entry = { limit?: number; usage?: number; max?: number; failcnt?: number };

/** Go's omitempty: zero numbers, empty strings, arrays and objects are dropped. */
function omitEmpty(o: Record<string, unknown>, keep: string[] = []): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    if (v === undefined) continue;
    if (!keep.includes(k) && (v === 0 || v === '' || (Array.isArray(v) && !v.length)
      || (typeof v === 'object' && v !== null && !Array.isArray(v) && !Object.keys(v).length))) continue;
    out[k] = v;
  }
  return out;
}

const entry = (e: Entry | undefined) => omitEmpty({ limit: e?.limit ?? 0, usage: e?.usage, max: e?.max, failcnt: e?.failcnt ?? 0 }, ['limit', 'failcnt']);

const BLKIO_NAMES: Record<string, string> = {
  io_service_bytes_recursive: 'ioServiceBytesRecursive',
  io_serviced_recursive: 'ioServicedRecursive',
  io_queued_recursive: 'ioQueueRecursive',
  io_service_time_recursive: 'ioServiceTimeRecursive',
  io_wait_time_recursive: 'ioWaitTimeRecursive',
  io_merged_recursive: 'ioMergedRecursive',
  io_time_recursive: 'ioTimeRecursive',
  sectors_recursive: 'sectorsRecursive',
};

export function runcEventStats(s: CgroupStats): Record<string, unknown> {
  const cpu = s.cpu;
  const mem = s.memory;
  return {
    cpu: omitEmpty({
      usage: omitEmpty({
        total: cpu?.usage.total, percpu: cpu?.usage.percpu, percpu_kernel: cpu?.usage.percpu_kernel,
        percpu_user: cpu?.usage.percpu_user, kernel: cpu?.usage.kernel ?? 0, user: cpu?.usage.user ?? 0,
      }, ['kernel', 'user']),
      throttling: omitEmpty({
        periods: cpu?.throttling?.periods, throttledPeriods: cpu?.throttling?.throttled_periods,
        throttledTime: cpu?.throttling?.throttled_time,
      }),
    }, ['usage']),
    memory: omitEmpty({
      cache: mem?.cache,
      usage: entry(mem?.usage),
      swap: entry(mem?.swap_usage),
      kernel: entry(mem?.kernel_usage),
      kernelTCP: entry(undefined),
      raw: mem?.raw,
    }, ['usage', 'swap', 'kernel', 'kernelTCP']),
    pids: omitEmpty({ current: s.pids?.current, limit: s.pids?.limit }),
    blkio: omitEmpty(Object.fromEntries(Object.entries(s.blkio ?? {}).map(([k, list]) =>
      [BLKIO_NAMES[k] ?? k, list.map((e) => omitEmpty({ ...e }))]))),
    hugetlb: Object.fromEntries(Object.entries(s.hugetlb ?? {}).map(([size, h]) =>
      [size, omitEmpty({ usage: h.usage, max: h.max, failcnt: h.failcnt ?? 0 }, ['failcnt'])])),
  };
}
