// linux.uidMappings / gidMappings: written for the init by the parent once it
// has cloned into its user namespace, before it may go on. Root writes the
// maps itself; an unprivileged caller needs newuidmap/newgidmap for anything
// beyond mapping its own ids.
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Spec } from '../spec/types.js';
import { SpecError } from '../spec/errors.js';
import { TsrunError } from '../errors.js';

type Mapping = { containerID: number; hostID: number; size: number };

function checkOverlaps(list: Mapping[], field: string): void {
  for (let i = 0; i < list.length; i++) {
    for (let j = i + 1; j < list.length; j++) {
      const [a, b] = [list[i], list[j]];
      const inside = a.containerID < b.containerID + b.size && b.containerID < a.containerID + a.size;
      const outside = a.hostID < b.hostID + b.size && b.hostID < a.hostID + a.size;
      if (inside || outside) {
        throw new SpecError(field, `mappings [${i}] and [${j}] overlap (${inside ? 'container' : 'host'} ids)`);
      }
    }
  }
}

/** Checks the mappings a new user namespace needs; throws naming the field. */
export function checkIdMappings(spec: Spec): void {
  const linux = spec.linux ?? {};
  for (const key of ['uidMappings', 'gidMappings'] as const) {
    const list = (linux[key] ?? []) as Mapping[];
    if (!list.length) throw new SpecError(`linux.${key}`, 'a new user namespace needs mappings');
    list.forEach((m, i) => {
      if (m.size < 1) throw new SpecError(`linux.${key}[${i}].size`, 'must be at least 1');
    });
    checkOverlaps(list, `linux.${key}`);
  }
}

const lines = (list: Mapping[]) => list.map((m) => `${m.containerID} ${m.hostID} ${m.size}\n`).join('');

/** Only our own id, once: what an unprivileged process may map by itself. */
function selfOnly(list: Mapping[], own: number): boolean {
  return list.length === 1 && list[0].hostID === own && list[0].size === 1;
}

// child_process only when needed: the CLI's start path stays lean.
const require = createRequire(import.meta.url);

function helper(tool: string, pid: number, list: Mapping[]): void {
  const { execFileSync } = require('node:child_process') as typeof import('node:child_process');
  try {
    execFileSync(tool, [String(pid), ...list.flatMap((m) => [m.containerID, m.hostID, m.size].map(String))], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: Buffer };
    const why = err.code === 'ENOENT' ? `${tool} not found (install the uidmap package)` : String(err.stderr ?? err.message).trim();
    throw new TsrunError(`write id mappings: ${why}`);
  }
}

/**
 * Whether the container's user can call setgroups: not when an unprivileged
 * caller mapped its own gid alone (the kernel requires setgroups "deny").
 */
export function setgroupsAllowed(spec: Spec): boolean {
  const gid = (spec.linux?.gidMappings ?? []) as Mapping[];
  return process.getuid?.() === 0 || !selfOnly(gid, process.getgid?.() ?? 0);
}

export function writeIdMappings(pid: number, spec: Spec): void {
  const uid = (spec.linux?.uidMappings ?? []) as Mapping[];
  const gid = (spec.linux?.gidMappings ?? []) as Mapping[];
  if (process.getuid?.() === 0) {
    writeFileSync(`/proc/${pid}/uid_map`, lines(uid));
    writeFileSync(`/proc/${pid}/gid_map`, lines(gid));
    return;
  }
  if (selfOnly(uid, process.getuid!())) writeFileSync(`/proc/${pid}/uid_map`, lines(uid));
  else helper('newuidmap', pid, uid);
  if (selfOnly(gid, process.getgid!())) {
    writeFileSync(`/proc/${pid}/setgroups`, 'deny');
    writeFileSync(`/proc/${pid}/gid_map`, lines(gid));
  } else {
    helper('newgidmap', pid, gid);
  }
}
