// tsrun update ID: new resource limits for a running container, from flags
// (runc's) or from a linux.resources JSON file (`-r FILE`, `-r -` for stdin).
import { readFileSync } from 'node:fs';
import { Runtime } from '../../container/runtime.js';
import type { LinuxResources } from '../../spec/types.js';
import { InvalidArgumentError } from '../../errors.js';
import { command, validateId, type Flags, type Values } from '../args.js';

const flags = {
  resources: { type: 'string', short: 'r', desc: "path to the file containing the resources to update or '-' to read from the standard input" },
  'blkio-weight': { type: 'string', desc: 'Specifies per cgroup weight, range is from 10 to 1000' },
  'cpu-period': { type: 'string', desc: 'CPU CFS period to be used for hardcapping (in usecs). 0 to use system default' },
  'cpu-quota': { type: 'string', desc: 'CPU CFS hardcap limit (in usecs). Allowed cpu time in a given period' },
  'cpu-share': { type: 'string', desc: 'CPU shares (relative weight vs. other containers)' },
  'cpu-rt-period': { type: 'string', desc: 'CPU realtime period to be used for hardcapping (in usecs)' },
  'cpu-rt-runtime': { type: 'string', desc: 'CPU realtime hardcap limit (in usecs)' },
  'cpu-idle': { type: 'string', desc: 'set cgroup SCHED_IDLE or not, 0: default behavior, 1: SCHED_IDLE' },
  'cpuset-cpus': { type: 'string', desc: 'CPU(s) to use' },
  'cpuset-mems': { type: 'string', desc: 'Memory node(s) to use' },
  memory: { type: 'string', desc: 'Memory limit (in bytes)' },
  'memory-reservation': { type: 'string', desc: 'Memory reservation or soft_limit (in bytes)' },
  'memory-swap': { type: 'string', desc: 'Total memory usage (memory + swap); set \'-1\' to enable unlimited swap' },
  'kernel-memory': { type: 'string', desc: 'Kernel memory limit (in bytes)' },
  'kernel-memory-tcp': { type: 'string', desc: 'Kernel memory limit (in bytes) for tcp buffer' },
  'pids-limit': { type: 'string', desc: 'Maximum number of pids allowed in the container' },
} satisfies Flags;

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };

/** A size as runc takes it: bytes, or a number with k/m/g/t/p (binary), or -1. */
function bytes(flag: string, v: string): number {
  const m = /^(-?\d+(?:\.\d+)?)\s*([kmgtp]?)i?b?$/i.exec(v.trim());
  if (!m) throw new InvalidArgumentError(`invalid value for --${flag}: ${v}`);
  const n = Number(m[1]);
  return n === -1 ? -1 : Math.round(n * UNITS[m[2]!.toLowerCase()]!);
}

function int(flag: string, v: string): number {
  if (!/^-?\d+$/.test(v)) throw new InvalidArgumentError(`invalid value for --${flag}: ${v}`);
  return Number(v);
}

export function resourcesFromFlags(o: Values<typeof flags>): LinuxResources {
  const r: LinuxResources = {};
  const cpu: NonNullable<LinuxResources['cpu']> = {};
  const memory: NonNullable<LinuxResources['memory']> = {};
  if (o['cpu-period'] !== undefined) cpu.period = int('cpu-period', o['cpu-period']);
  if (o['cpu-quota'] !== undefined) cpu.quota = int('cpu-quota', o['cpu-quota']);
  if (o['cpu-share'] !== undefined) cpu.shares = int('cpu-share', o['cpu-share']);
  if (o['cpu-rt-period'] !== undefined) cpu.realtimePeriod = int('cpu-rt-period', o['cpu-rt-period']);
  if (o['cpu-rt-runtime'] !== undefined) cpu.realtimeRuntime = int('cpu-rt-runtime', o['cpu-rt-runtime']);
  if (o['cpu-idle'] !== undefined) cpu.idle = int('cpu-idle', o['cpu-idle']);
  if (o['cpuset-cpus'] !== undefined) cpu.cpus = o['cpuset-cpus'];
  if (o['cpuset-mems'] !== undefined) cpu.mems = o['cpuset-mems'];
  if (o.memory !== undefined) memory.limit = bytes('memory', o.memory);
  if (o['memory-reservation'] !== undefined) memory.reservation = bytes('memory-reservation', o['memory-reservation']);
  if (o['memory-swap'] !== undefined) memory.swap = bytes('memory-swap', o['memory-swap']);
  if (o['kernel-memory'] !== undefined) memory.kernel = bytes('kernel-memory', o['kernel-memory']);
  if (o['kernel-memory-tcp'] !== undefined) memory.kernelTCP = bytes('kernel-memory-tcp', o['kernel-memory-tcp']);
  if (Object.keys(cpu).length) r.cpu = cpu;
  if (Object.keys(memory).length) r.memory = memory;
  if (o['pids-limit'] !== undefined) r.pids = { limit: int('pids-limit', o['pids-limit']) };
  if (o['blkio-weight'] !== undefined) r.blockIO = { weight: int('blkio-weight', o['blkio-weight']) };
  return r;
}

function resourcesFromFile(path: string): LinuxResources {
  const text = readFileSync(path === '-' ? 0 : path, 'utf8');
  try {
    return JSON.parse(text) as LinuxResources;
  } catch (e) {
    throw new InvalidArgumentError(`unable to parse resources: ${(e as Error).message}`);
  }
}

export default command({
  args: '<container-id>',
  flags,
  async run(o, [id], g) {
    const c = await new Runtime(g.runtime).load(validateId(id!));
    await c.update(o.resources !== undefined ? resourcesFromFile(o.resources) : resourcesFromFlags(o));
  },
});
