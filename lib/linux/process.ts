// `process`: what the init execs, with which environment, as which user.
import { lstatSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Spec } from '../spec/types.js';
import { SpecError } from '../spec/errors.js';

type Process = NonNullable<Spec['process']>;

/** Where to look for args[0]: itself when it has a "/", else each $PATH entry. */
export function execCandidates(proc: Process, env: string[]): string[] {
  const file = proc.args![0];
  if (file.includes('/')) return [file];
  const path = env.findLast((e) => e.startsWith('PATH='))?.slice(5);
  if (!path) return [];
  return path.split(':').map((dir) => `${dir || '.'}/${file}`);
}

/** The container user's home from the image's /etc/passwd, "/" when unknown. */
function homeOf(rootfs: string, uid: number): string {
  const passwd = join(rootfs, 'etc/passwd');
  try {
    // A link could point at a host file: the image's own regular file only.
    if (!lstatSync(passwd).isFile()) return '/';
    for (const line of readFileSync(passwd, 'utf8').split('\n')) {
      const f = line.split(':');
      if (f.length >= 6 && Number(f[2]) === uid && f[2] !== '') return f[5] || '/';
    }
  } catch {
    // No passwd file: the default below.
  }
  return '/';
}

/** process.env, plus HOME from the image when unset, as runc does. */
export function processEnv(proc: Process, rootfs: string): string[] {
  const env = proc.env ?? [];
  if (env.some((e) => e.startsWith('HOME='))) return env;
  return [...env, `HOME=${homeOf(rootfs, proc.user?.uid ?? 0)}`];
}

export function processUser(proc: Process): { uid: number; gid: number; groups: number[]; umask: number } {
  const user = proc.user ?? { uid: 0, gid: 0 };
  return {
    uid: user.uid ?? 0,
    gid: user.gid ?? 0,
    groups: user.additionalGids ?? [],
    // runc leaves the container with 0022 unless the config says otherwise.
    umask: user.umask ?? 0o022,
  };
}

const RLIMITS: Record<string, number> = {
  RLIMIT_CPU: 0, RLIMIT_FSIZE: 1, RLIMIT_DATA: 2, RLIMIT_STACK: 3, RLIMIT_CORE: 4, RLIMIT_RSS: 5,
  RLIMIT_NPROC: 6, RLIMIT_NOFILE: 7, RLIMIT_MEMLOCK: 8, RLIMIT_AS: 9, RLIMIT_LOCKS: 10,
  RLIMIT_SIGPENDING: 11, RLIMIT_MSGQUEUE: 12, RLIMIT_NICE: 13, RLIMIT_RTPRIO: 14, RLIMIT_RTTIME: 15,
};

export function rlimits(proc: Process): { resource: number; soft: bigint; hard: bigint }[] {
  return (proc.rlimits ?? []).map((r, i) => {
    const resource = RLIMITS[r.type];
    if (resource === undefined) throw new SpecError(`process.rlimits[${i}].type`, `unknown rlimit "${r.type}"`);
    return { resource, soft: BigInt(r.soft), hard: BigInt(r.hard) };
  });
}

export function rlimitName(resource: number): string {
  return Object.keys(RLIMITS).find((k) => RLIMITS[k] === resource) ?? String(resource);
}

const IOPRIO_CLASSES: Record<string, number> = { IOPRIO_CLASS_RT: 1, IOPRIO_CLASS_BE: 2, IOPRIO_CLASS_IDLE: 3 };

/** ioprio_set's value: class << 13 | priority. */
export function ioPriority(proc: Process): number {
  const io = proc.ioPriority;
  if (!io) return -1;
  const cls = IOPRIO_CLASSES[io.class];
  if (cls === undefined) throw new SpecError('process.ioPriority.class', `unknown class "${io.class}"`);
  const priority = io.priority ?? 0;
  if (priority < 0 || priority > 7) throw new SpecError('process.ioPriority.priority', 'must be 0 to 7');
  return (cls << 13) | priority;
}

const SCHED_POLICIES: Record<string, number> = {
  SCHED_OTHER: 0, SCHED_FIFO: 1, SCHED_RR: 2, SCHED_BATCH: 3, SCHED_ISO: 4, SCHED_IDLE: 5, SCHED_DEADLINE: 6,
};
const SCHED_FLAGS: Record<string, number> = {
  SCHED_FLAG_RESET_ON_FORK: 0x01, SCHED_FLAG_RECLAIM: 0x02, SCHED_FLAG_DL_OVERRUN: 0x04,
  SCHED_FLAG_KEEP_POLICY: 0x08, SCHED_FLAG_KEEP_PARAMS: 0x10, SCHED_FLAG_UTIL_CLAMP_MIN: 0x20,
  SCHED_FLAG_UTIL_CLAMP_MAX: 0x40,
};

/** sched_setattr's attributes, or undefined to keep the caller's. */
export function scheduler(proc: Process): object | undefined {
  const s = proc.scheduler;
  if (!s) return undefined;
  const policy = SCHED_POLICIES[s.policy];
  if (policy === undefined) throw new SpecError('process.scheduler.policy', `unknown policy "${s.policy}"`);
  let flags = 0;
  (s.flags ?? []).forEach((f, i) => {
    if (!(f in SCHED_FLAGS)) throw new SpecError(`process.scheduler.flags[${i}]`, `unknown flag "${f}"`);
    flags |= SCHED_FLAGS[f];
  });
  return {
    policy, flags, nice: s.nice ?? 0, priority: s.priority ?? 0,
    runtime: BigInt(s.runtime ?? 0), deadline: BigInt(s.deadline ?? 0), period: BigInt(s.period ?? 0),
  };
}

const PERSONALITY_DOMAINS: Record<string, number> = { LINUX: 0x0000, LINUX32: 0x0008 };

export function personality(spec: Spec): number {
  const p = spec.linux?.personality;
  if (!p) return -1;
  const domain = PERSONALITY_DOMAINS[p.domain];
  if (domain === undefined) throw new SpecError('linux.personality.domain', `unknown domain "${p.domain}"`);
  return domain;
}
