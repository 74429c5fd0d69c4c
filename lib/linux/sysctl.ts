// linux.sysctl: only keys the container's own namespaces scope (as runc's
// validator allows: new, or joined by path but not the host's), written
// through its /proc/sys after pivot_root.
import { Op, type Step } from './steps.js';
import type { NamespacePlan } from './namespaces.js';
import type { Spec } from '../spec/types.js';
import { SpecError } from '../spec/errors.js';

type SysctlNamespace = 'ipc' | 'network' | 'uts';

const IPC_KEYS = new Set([
  'kernel.msgmax', 'kernel.msgmnb', 'kernel.msgmni', 'kernel.sem', 'kernel.shmall', 'kernel.shmmax',
  'kernel.shmmni', 'kernel.shm_rmid_forced',
]);

/** Which namespace a key belongs to, or null when it is the host's. */
function namespaceOf(key: string): SysctlNamespace | null {
  if (IPC_KEYS.has(key) || key.startsWith('fs.mqueue.')) return 'ipc';
  if (key.startsWith('net.')) return 'network';
  if (key === 'kernel.hostname' || key === 'kernel.domainname') return 'uts';
  return null;
}

export function sysctlSteps(spec: Spec, ns: NamespacePlan): Step[] {
  return Object.entries(spec.linux?.sysctl ?? {}).map(([rawKey, value]) => {
    const key = rawKey.replace(/\//g, '.');
    const field = `linux.sysctl.${rawKey}`;
    const owner = namespaceOf(key);
    if (!owner) throw new SpecError(field, 'not namespaced: a container may not change it for the whole host');
    // ns.types holds the namespaces created or joined by path, never the
    // runtime's own (podman's /run/netns/netns-… is the container's).
    if (!ns.types.has(owner)) {
      throw new SpecError(field, `the container shares the host's ${owner} namespace: it would change the host's`);
    }
    return {
      op: Op.writeFile, target: `/proc/sys/${key.replace(/\./g, '/')}`, source: value,
      what: `${field}: write /proc/sys/${key.replace(/\./g, '/')}`,
    };
  });
}
