// linux.sysctl: only keys the container's own namespaces scope (as runc's
// validator allows), written through its /proc/sys after pivot_root.
import { fstatSync, statSync } from 'node:fs';
import { Op, type Step } from './steps.js';
import { K } from './native.js';
import type { NamespacePlan } from './namespaces.js';
import type { Spec } from '../spec/types.js';
import { SpecError } from '../spec/errors.js';

type SysctlNamespace = 'ipc' | 'network' | 'uts';

const IPC_KEYS = new Set([
  'kernel.msgmax', 'kernel.msgmnb', 'kernel.msgmni', 'kernel.sem', 'kernel.shmall', 'kernel.shmmax',
  'kernel.shmmni', 'kernel.shm_rmid_forced',
]);

/** Per namespace type: its clone flag (how a join names it) and its /proc/self/ns entry. */
const NAMESPACE: Record<SysctlNamespace, { flag: number; proc: string }> = {
  ipc: { flag: K.CLONE_NEWIPC, proc: 'ipc' },
  network: { flag: K.CLONE_NEWNET, proc: 'net' },
  uts: { flag: K.CLONE_NEWUTS, proc: 'uts' },
};

/** Which namespace a key belongs to, or null when it is the host's. */
function namespaceOf(key: string): SysctlNamespace | null {
  if (IPC_KEYS.has(key) || key.startsWith('fs.mqueue.')) return 'ipc';
  if (key.startsWith('net.')) return 'network';
  if (key === 'kernel.hostname' || key === 'kernel.domainname') return 'uts';
  return null;
}

/**
 * Why the container's `type` namespace is the host's (runtime's), or null
 * when it is its own: created, or joined by a path to another namespace
 * (e.g. podman's /run/netns/netns-…: the same inode as ours means ours).
 */
function hostNamespaceReason(type: SysctlNamespace, ns: NamespacePlan): string | null {
  if (ns.created.has(type)) return null;
  const join = ns.joins.find((j) => j.nstype === NAMESPACE[type].flag);
  if (!join) return `needs a new ${type} namespace: it would change the host's`;
  const joined = fstatSync(join.fd);
  const host = statSync(`/proc/self/ns/${NAMESPACE[type].proc}`);
  if (joined.dev === host.dev && joined.ino === host.ino) {
    return `${join.field} (${join.path}) is the host's ${type} namespace: it would change the host's`;
  }
  return null;
}

export function sysctlSteps(spec: Spec, ns: NamespacePlan): Step[] {
  return Object.entries(spec.linux?.sysctl ?? {}).map(([rawKey, value]) => {
    const key = rawKey.replace(/\//g, '.');
    const field = `linux.sysctl.${rawKey}`;
    const owner = namespaceOf(key);
    if (!owner) throw new SpecError(field, 'not namespaced: a container may not change it for the whole host');
    const hostReason = hostNamespaceReason(owner, ns);
    if (hostReason) throw new SpecError(field, hostReason);
    return {
      op: Op.writeFile, target: `/proc/sys/${key.replace(/\./g, '/')}`, source: value,
      what: `${field}: write /proc/sys/${key.replace(/\./g, '/')}`,
    };
  });
}
