// The v1 cpuacct controller: nothing to set, CPU usage for stats (runc's
// libcontainer/cgroups/fs/cpuacct.go): cpuacct.usage and usage_percpu in ns,
// cpuacct.usage_all for the per-CPU user/system split, cpuacct.stat (in clock
// ticks) for the totals.
import type { CgroupStats } from '../manager.js';
import { readOptional, parseUint } from '../files.js';

/** USER_HZ: what cpuacct.stat counts in. 100 on every Linux architecture runc knows. */
const CLOCK_TICKS = 100;
const NS_PER_SEC = 1_000_000_000;

export function cpuacctStats(dir: string, out: CgroupStats): void {
  const total = readOptional(dir, 'cpuacct.usage');
  if (total === undefined) return;
  const cpu = (out.cpu ??= { usage: { total: 0, kernel: 0, user: 0 } });
  const usage = cpu.usage;
  usage.total = parseUint(total);

  const percpu = readOptional(dir, 'cpuacct.usage_percpu');
  if (percpu !== undefined) usage.percpu = percpu.trim().split(/\s+/).filter(Boolean).map(parseUint);

  // "cpu user system\n0 123 456\n1 ...": per-CPU ns in each mode.
  const all = readOptional(dir, 'cpuacct.usage_all');
  if (all !== undefined) {
    const kernel: number[] = [];
    const user: number[] = [];
    for (const line of all.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 3) continue;
      user.push(parseUint(f[1]));
      kernel.push(parseUint(f[2]));
    }
    usage.percpu_kernel = kernel;
    usage.percpu_user = user;
  }

  const stat = readOptional(dir, 'cpuacct.stat');
  if (stat !== undefined) {
    const f = stat.trim().split(/\s+/);
    // "user N\nsystem N" in ticks, reported in ns.
    if (f[0] === 'user' && f[2] === 'system') {
      usage.user = Math.floor((parseUint(f[1]) * NS_PER_SEC) / CLOCK_TICKS);
      usage.kernel = Math.floor((parseUint(f[3]) * NS_PER_SEC) / CLOCK_TICKS);
    }
  }
}
