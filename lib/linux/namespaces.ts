// linux.namespaces: which to create (clone flags, or unshare after "go" for
// cgroup and time) and which to join by path (fds opened before the fork).
import { existsSync, fstatSync, statSync } from 'node:fs';
import { K } from './native.js';
import type { FdSet } from './fds.js';
import { CLONE_FLAG as cloneFlag, NS_FILE as nsFile, type NamespaceType } from './namespace-kinds.js';
import type { Spec } from '../spec/types.js';
import { SpecError } from '../spec/errors.js';

export type { NamespaceType };

/** True when fd is the runtime's own namespace of that type: the host's, for the container. */
function isOwn(fd: number, type: NamespaceType): boolean {
  const joined = fstatSync(fd);
  const own = statSync(`/proc/self/ns/${nsFile[type]}`);
  return joined.dev === own.dev && joined.ino === own.ino;
}

export interface NamespaceJoin {
  fd: number;
  nstype: number;
  /** For error messages: the config field and path. */
  field: string;
  path: string;
}

export interface NamespacePlan {
  cloneFlags: number;
  unshareFlags: number;
  joins: NamespaceJoin[];
  joinPid: boolean;
  /** The namespaces the container gets, new or joined (not the runtime's own, joined by path). */
  types: Set<NamespaceType>;
  /** The namespaces the container creates. */
  created: Set<NamespaceType>;
}

/** The namespaces of spec; the files of those joined by path are opened into fds. */
export function planNamespaces(spec: Spec, fds: FdSet): NamespacePlan {
  const plan: NamespacePlan = {
    cloneFlags: 0,
    unshareFlags: 0,
    joins: [],
    joinPid: false,
    types: new Set(),
    created: new Set(),
  };
  const list = spec.linux?.namespaces ?? [];
  list.forEach((ns, i) => {
    const type = ns.type as NamespaceType;
    const field = `linux.namespaces[${i}]`;
    if (type === 'time' && !existsSync('/proc/self/ns/time')) {
      throw new SpecError(field, 'time namespaces are not supported by this kernel');
    }
    if (ns.path) {
      let fd: number;
      try {
        fd = fds.open(ns.path, 'r');
      } catch (e) {
        throw new SpecError(`${field}.path`, `cannot open ${ns.path}: ${(e as Error).message}`);
      }
      // Joining the namespace the runtime is in changes nothing: the
      // container shares the host's, as if the entry were not there.
      if (isOwn(fd, type)) {
        fds.close(fd);
        return;
      }
      plan.types.add(type);
      plan.joins.push({ fd, nstype: cloneFlag[type], field, path: ns.path });
      if (type === 'pid') plan.joinPid = true;
    } else if (type === 'cgroup' || type === 'time') {
      plan.types.add(type);
      // Both take effect for the caller only after unshare in the child:
      // cgroup roots at the cgroup it was placed in, time at execve.
      plan.unshareFlags |= cloneFlag[type];
      plan.created.add(type);
    } else {
      plan.types.add(type);
      plan.cloneFlags |= cloneFlag[type];
      plan.created.add(type);
    }
  });
  // The user namespace first: it decides what the others may do.
  plan.joins.sort((a, b) => Number(b.nstype === K.CLONE_NEWUSER) - Number(a.nstype === K.CLONE_NEWUSER));
  return plan;
}
