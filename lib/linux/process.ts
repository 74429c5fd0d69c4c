// `process`: what the init execs, with which environment, as which user.
import { lstatSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Spec } from '../spec/types.js';

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
