// The v1 cpu controller: CFS shares, quota and period (and burst), the
// realtime budget, and cpu.idle where the kernel has it. Write order and
// zero-means-unset follow runc's libcontainer/cgroups/fs/cpu.go.
import type { LinuxCPU } from '../../../spec/types.js';
import type { CgroupStats } from '../manager.js';
import { SpecError } from '../../../spec/errors.js';
import { errno, exists, isSet, flatKeyed, readOptional, readUint, writeField, writeRaw, reason } from '../files.js';

const F = 'linux.resources.cpu';

/** True when the cpu hierarchy has something to do. */
export function cpuWanted(cpu: LinuxCPU | undefined): boolean {
  if (!cpu) return false;
  return isSet(cpu.shares) || isSet(cpu.quota) || isSet(cpu.period) || isSet(cpu.realtimeRuntime) ||
    isSet(cpu.realtimePeriod) || cpu.burst !== undefined || isSet(cpu.idle);
}

/**
 * The realtime budget. runc writes it before any process joins (a SCHED_RR
 * or SCHED_FIFO task cannot enter a group without RT runtime), and again
 * with the rest.
 */
export function applyCpuRt(dir: string, cpu: LinuxCPU | undefined): void {
  if (!cpu) return;
  if (isSet(cpu.realtimePeriod)) writeField(dir, 'cpu.rt_period_us', cpu.realtimePeriod, `${F}.realtimePeriod`);
  if (isSet(cpu.realtimeRuntime)) {
    writeField(dir, 'cpu.rt_runtime_us', cpu.realtimeRuntime, `${F}.realtimeRuntime`, () =>
      'the parent cgroup must have at least this much realtime runtime left (cpu.rt_runtime_us)');
  }
}

export function applyCpu(dir: string, cpu: LinuxCPU | undefined): void {
  if (!cpu) return;
  if (isSet(cpu.shares)) {
    writeField(dir, 'cpu.shares', cpu.shares, `${F}.shares`);
    // The kernel clamps shares to [2, 262144]: read back and say so, as runc does.
    const got = readUint(dir, 'cpu.shares');
    if (cpu.shares > got) throw new SpecError(`${F}.shares`, `the maximum allowed cpu-shares is ${got}`);
    if (cpu.shares < got) throw new SpecError(`${F}.shares`, `the minimum allowed cpu-shares is ${got}`);
  }
  // A period smaller than the current one can be refused (EINVAL) while the
  // old quota/new period exceeds the parent's bandwidth: retry it after the
  // quota, as runc does.
  let pendingPeriod: number | undefined;
  if (isSet(cpu.period)) {
    try {
      writeRaw(dir, 'cpu.cfs_period_us', String(cpu.period));
    } catch (e) {
      if (errno(e) !== 'EINVAL' || !isSet(cpu.quota)) {
        throw new SpecError(`${F}.period`, `cannot writeField "${cpu.period}" to ${dir}/cpu.cfs_period_us: ${reason(e)}`);
      }
      pendingPeriod = cpu.period;
    }
  }
  if (isSet(cpu.quota)) {
    writeField(dir, 'cpu.cfs_quota_us', cpu.quota, `${F}.quota`, () =>
      'quota must be -1 or at least 1000 microseconds, and within the parent cgroup\'s quota');
    if (pendingPeriod !== undefined) writeField(dir, 'cpu.cfs_period_us', pendingPeriod, `${F}.period`);
  }
  if (cpu.burst !== undefined) {
    // runc 1.2 writes cpu.cfs_burst_us (kernel 5.14+); 0 needs no file.
    if (exists(dir, 'cpu.cfs_burst_us')) writeField(dir, 'cpu.cfs_burst_us', cpu.burst, `${F}.burst`);
    else if (cpu.burst !== 0) throw new SpecError(`${F}.burst`, 'the kernel has no cpu.cfs_burst_us (needs Linux 5.14)');
  }
  applyCpuRt(dir, cpu);
  if (cpu.idle !== undefined && cpu.idle !== null) {
    // cpu.idle exists with SCHED_IDLE group support (Linux 5.15+).
    if (exists(dir, 'cpu.idle')) writeField(dir, 'cpu.idle', cpu.idle, `${F}.idle`);
    else if (cpu.idle !== 0) throw new SpecError(`${F}.idle`, 'the kernel has no cpu.idle (needs Linux 5.15)');
  }
}

/** Throttling from cpu.stat (nr_periods, nr_throttled, throttled_time in ns). */
export function cpuStats(dir: string, out: CgroupStats): void {
  const text = readOptional(dir, 'cpu.stat');
  if (text === undefined) return;
  const kv = flatKeyed(text);
  const cpu = (out.cpu ??= { usage: { total: 0, kernel: 0, user: 0 } });
  cpu.throttling = {
    periods: kv.get('nr_periods') ?? 0,
    throttled_periods: kv.get('nr_throttled') ?? 0,
    throttled_time: kv.get('throttled_time') ?? 0,
  };
}
