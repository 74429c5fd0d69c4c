// The v1 memory controller, after runc's libcontainer/cgroups/fs/memory.go:
//  - limit -> memory.limit_in_bytes; swap -> memory.memsw.limit_in_bytes,
//    which is the memory+swap TOTAL (so swap >= limit, or -1); when both are
//    given the one that keeps memsw >= memory at every step is written first
//    (memsw first when raising or going unlimited); limit -1 alone also makes
//    memsw unlimited;
//  - reservation -> memory.soft_limit_in_bytes; swappiness 0..100;
//    disableOOMKiller -> memory.oom_control; useHierarchy -> memory.use_hierarchy;
//  - kernel / kernelTCP -> memory.kmem[.tcp].limit_in_bytes (runc 1.1 ignores
//    both; kernels since 5.16 accept and ignore the kmem limit, the TCP one
//    still works);
//  - 0 means unset, -1 unlimited.
import type { LinuxMemory } from '../../../spec/types.js';
import type { CgroupStats } from '../manager.js';
import { SpecError } from '../../../spec/errors.js';
import { errno, exists, isSet, flatKeyed, read, readOptional, readUint, readUintIfExists, reason, writeField, writeRaw } from '../files.js';

const F = 'linux.resources.memory';
const LIMIT = 'memory.limit_in_bytes';
const MEMSW = 'memory.memsw.limit_in_bytes';

/** JSON's 2^64-1 (Go's uint64 -1): "unset" for swappiness, as runc reads it. */
const UNSET_U64 = 18446744073709551615;

/** Refuses values no kernel would take, before anything is created. */
export function validateMemory(mem: LinuxMemory | undefined): void {
  if (!mem) return;
  for (const key of ['limit', 'swap', 'reservation', 'kernel', 'kernelTCP'] as const) {
    const v = mem[key];
    if (v !== undefined && v < -1) {
      throw new SpecError(`${F}.${key}`, `${v} is not a size: use a positive number of bytes, or -1 for unlimited`);
    }
  }
  if (isSet(mem.limit) && isSet(mem.swap) && mem.swap !== -1 && mem.limit !== -1 && mem.swap < mem.limit) {
    throw new SpecError(`${F}.swap`, `${mem.swap} is below the memory limit ${mem.limit}: swap is the memory+swap total and must be at least the limit (or -1)`);
  }
  const sw = mem.swappiness;
  if (sw !== undefined && sw < UNSET_U64 && sw > 100) {
    throw new SpecError(`${F}.swappiness`, `invalid value ${sw}: valid memory swappiness range is 0-100`);
  }
}

export function memoryWanted(mem: LinuxMemory | undefined): boolean {
  if (!mem) return false;
  return isSet(mem.limit) || isSet(mem.swap) || isSet(mem.reservation) || isSet(mem.kernel) ||
    isSet(mem.kernelTCP) || (mem.swappiness !== undefined && mem.swappiness < UNSET_U64) ||
    mem.disableOOMKiller === true || mem.useHierarchy !== undefined;
}

function setLimit(dir: string, value: number): void {
  if (value === 0) return;
  try {
    writeRaw(dir, LIMIT, String(value));
  } catch (e) {
    if (errno(e) === 'EBUSY') {
      // The kernel could not reclaim down to the new limit.
      const usage = readUint(dir, 'memory.usage_in_bytes');
      const max = readUint(dir, 'memory.max_usage_in_bytes');
      throw new SpecError(`${F}.limit`, `unable to set memory limit to ${value} (current usage: ${usage}, peak usage: ${max})`);
    }
    const hint = errno(e) === 'EINVAL' && exists(dir, MEMSW)
      ? ' (it must not exceed memory+swap, memory.memsw.limit_in_bytes)' : '';
    throw new SpecError(`${F}.limit`, `cannot writeField "${value}" to ${dir}/${LIMIT}: ${reason(e)}${hint}`);
  }
}

function setSwap(dir: string, value: number): void {
  if (value === 0) return;
  if (!exists(dir, MEMSW)) {
    throw new SpecError(`${F}.swap`, 'the kernel does not account swap (no memory.memsw.limit_in_bytes: boot with swapaccount=1)');
  }
  writeField(dir, MEMSW, value, `${F}.swap`, (e) =>
    errno(e) === 'EINVAL' ? 'swap is the memory+swap total: it must be -1 or at least the memory limit' : undefined);
}

export function applyMemory(dir: string, mem: LinuxMemory | undefined): void {
  if (!mem) return;
  const limit = mem.limit ?? 0;
  let swap = mem.swap ?? 0;
  // Unlimited memory with swap unset: memory+swap unlimited too.
  if (limit === -1 && swap === 0 && exists(dir, MEMSW)) swap = -1;
  let done = false;
  if (limit !== 0 && swap !== 0) {
    const current = readUint(dir, LIMIT);
    // Raising (or lifting) the total first keeps memsw >= memory throughout.
    if (swap === -1 || current < swap) {
      setSwap(dir, swap);
      setLimit(dir, limit);
      done = true;
    }
  }
  if (!done) {
    setLimit(dir, limit);
    setSwap(dir, swap);
  }

  if (isSet(mem.kernel) && exists(dir, 'memory.kmem.limit_in_bytes')) {
    // Best effort, like runc's "ignored": deprecated, and a no-op on 5.16+.
    try { writeRaw(dir, 'memory.kmem.limit_in_bytes', String(mem.kernel)); } catch { /* ignored */ }
  }
  if (isSet(mem.kernelTCP)) writeField(dir, 'memory.kmem.tcp.limit_in_bytes', mem.kernelTCP, `${F}.kernelTCP`);
  if (isSet(mem.reservation)) writeField(dir, 'memory.soft_limit_in_bytes', mem.reservation, `${F}.reservation`);

  if (mem.disableOOMKiller === true) {
    writeField(dir, 'memory.oom_control', '1', `${F}.disableOOMKiller`);
  } else if (mem.disableOOMKiller === false && oomControl(dir).get('oom_kill_disable') === 1) {
    // runc only ever writes 1; writing 0 back lets `update` re-enable it.
    writeField(dir, 'memory.oom_control', '0', `${F}.disableOOMKiller`);
  }

  const sw = mem.swappiness;
  if (sw !== undefined && sw < UNSET_U64) writeField(dir, 'memory.swappiness', sw, `${F}.swappiness`);

  if (mem.useHierarchy !== undefined) {
    const want = mem.useHierarchy ? 1 : 0;
    if (readUint(dir, 'memory.use_hierarchy') !== want) {
      writeField(dir, 'memory.use_hierarchy', want, `${F}.useHierarchy`, () =>
        want === 0 ? 'this kernel always uses the hierarchy' : 'it can only change before the cgroup has children');
    }
  }
}

function oomControl(dir: string): Map<string, number> {
  return flatKeyed(read(dir, 'memory.oom_control'));
}

/** memory.oom_control's oom_kill (Linux 4.13+); 0 when the kernel lacks it. */
export function memoryOomKills(dir: string): number {
  return oomControl(dir).get('oom_kill') ?? 0;
}

type MemoryData = { limit?: number; usage?: number; max?: number; failcnt?: number };

/** usage/max/failcnt/limit of memory[.name]; undefined when an optional part is missing. */
function memoryData(dir: string, name: string): MemoryData | undefined {
  const prefix = name ? `memory.${name}` : 'memory';
  const usage = readUintIfExists(dir, `${prefix}.usage_in_bytes`);
  if (usage === undefined) {
    if (name) return undefined; // swap and kmem accounting are optional
    throw new Error(`${dir}/${prefix}.usage_in_bytes does not exist`);
  }
  return {
    usage,
    max: readUintIfExists(dir, `${prefix}.max_usage_in_bytes`) ?? 0,
    failcnt: readUintIfExists(dir, `${prefix}.failcnt`) ?? 0,
    limit: readUintIfExists(dir, `${prefix}.limit_in_bytes`) ?? 0,
  };
}

export function memoryStats(dir: string, out: CgroupStats): void {
  const stat = readOptional(dir, 'memory.stat');
  if (stat === undefined) return;
  const raw = Object.fromEntries(flatKeyed(stat));
  const memory: NonNullable<CgroupStats['memory']> = { cache: raw.cache ?? 0, raw };
  memory.usage = memoryData(dir, '');
  const swap = memoryData(dir, 'memsw');
  if (swap) memory.swap_usage = swap;
  const kernel = memoryData(dir, 'kmem');
  if (kernel) memory.kernel_usage = kernel;
  out.memory = memory;
}
