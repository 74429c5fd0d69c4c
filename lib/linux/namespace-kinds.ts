// The namespace types of linux.namespaces, with the clone flag that creates
// each and its file under /proc/PID/ns: one table for namespaces.ts (create
// and join) and exec.ts (join a running container's).
import { K } from './native.js';

export type NamespaceType = 'pid' | 'network' | 'mount' | 'ipc' | 'uts' | 'user' | 'cgroup' | 'time';

export const CLONE_FLAG: Readonly<Record<NamespaceType, number>> = {
  pid: K.CLONE_NEWPID,
  network: K.CLONE_NEWNET,
  mount: K.CLONE_NEWNS,
  ipc: K.CLONE_NEWIPC,
  uts: K.CLONE_NEWUTS,
  user: K.CLONE_NEWUSER,
  cgroup: K.CLONE_NEWCGROUP,
  time: K.CLONE_NEWTIME,
};

/** /proc/PID/ns/<file> of each type. */
export const NS_FILE: Readonly<Record<NamespaceType, string>> = {
  pid: 'pid', network: 'net', mount: 'mnt', ipc: 'ipc', uts: 'uts', user: 'user', cgroup: 'cgroup', time: 'time',
};
