// exec: a new process in a running container. It is cloned like an init but
// joins the container's namespaces through a pidfd of its init (setns with
// every namespace at once), enters its cgroup, and gets the process part of
// the plan: user, capabilities, rlimits, seccomp, terminal.
import { readlinkSync, writeFileSync } from 'node:fs';
import { release } from 'node:os';
import { posix } from 'node:path';
import type { Spec } from '../spec/types.js';
import type { LinuxRecord } from './state.js';
import { native } from './native.js';
import { Create, Op, Pivot, ROOT_HOST, type Step } from './steps.js';
import { messageSize, processFields, type InitPlan, type LinuxCreateOptions, type PreparedInit } from './plan.js';
import type { NamespacePlan } from './namespaces.js';
import { CLONE_FLAG as cloneFlag, NS_FILE as nsFile, type NamespaceType } from './namespace-kinds.js';
import type { FdSet } from './fds.js';
import { SpecError } from '../spec/errors.js';
import { InvalidArgumentError, InvalidStateError } from '../errors.js';
import type { CgroupManager } from './cgroups/manager.js';

/** setns(pidfd, flags) joins them all at once (Linux 5.8); before, one file each. */
function setnsByPidfd(): boolean {
  const [major, minor] = release().split('.').map(Number);
  return major > 5 || (major === 5 && minor >= 8);
}

/** The exec'd process's plan; every fd it refers to is opened into fds. */
export function prepareExec(
  record: LinuxRecord,
  proc: NonNullable<Spec['process']>,
  options: LinuxCreateOptions,
  warn: (message: string) => void,
  fds: FdSet,
): PreparedInit {
  if (!proc.args?.length) throw new SpecError('process.args', 'must name the program to run');
  const spec: Spec = { ...record.spec, process: proc };
  const types = new Set((record.spec.linux?.namespaces ?? []).map((n) => n.type as NamespaceType));
  const namespaces: NamespacePlan = { cloneFlags: 0, unshareFlags: 0, joins: [], joinPid: false, types, created: new Set() };
  if (setnsByPidfd()) {
    const flags = [...types].reduce((f, t) => f | cloneFlag[t], 0);
    const fd = fds.add(native.pidfdOpen(record.pid));
    namespaces.joins.push({ fd, nstype: flags, field: 'the container', path: `pidfd of ${record.pid}` });
  } else {
    // The user namespace first: it decides what the others may do.
    for (const t of [...types].sort((a, b) => Number(b === 'user') - Number(a === 'user'))) {
      const path = `/proc/${record.pid}/ns/${nsFile[t]}`;
      const fd = fds.open(path, 'r');
      namespaces.joins.push({ fd, nstype: cloneFlag[t], field: `the container's ${t} namespace`, path });
    }
  }
  const cwd = proc.cwd ?? '/';
  const steps: Step[] = [{ op: Op.chdir, target: cwd, create: Create.none, what: `process.cwd: chdir to ${cwd}` }];
  // setns into a mount namespace makes its root ours; in the host's (the
  // init chrooted into the rootfs) we chroot to the init's root ourselves.
  // (runc 1.1.5 does not: its exec'd process sees the host's /.)
  if (readlinkSync(`/proc/${record.pid}/ns/mnt`) === readlinkSync('/proc/self/ns/mnt')) {
    const root = `/proc/${record.pid}/root`;
    steps.unshift({ op: Op.pivot, root: ROOT_HOST, target: root, pivot: Pivot.chroot, what: `chroot to ${root}` });
  }
  const plan: InitPlan = {
    rootfs: '/',
    cloneFlags: 0,
    cgroupFd: -1,
    cgroupTaskFds: [],
    unshareFlags: 0,
    joins: namespaces.joins.map(({ fd, nstype }) => ({ fd, nstype })),
    // In the container's pid namespace only once forked after setns.
    joinPid: types.has('pid'),
    userns: types.has('user'),
    steps,
    setGroups: true,
    stateDirFd: -1,
    keyring: null,
    personality: -1,
    ...processFields(spec, record.rootfs, options, fds, warn),
    createContainerHooks: [],
    startContainerHooks: [],
    runtimeHooks: false,
    messageSize: messageSize(spec, record.bundle, record.id),
  };
  return { plan, namespaces, spec, listenerMetadata: spec.linux?.seccomp?.listenerMetadata };
}

/**
 * exec into sub-cgroups of the container's (runc's --cgroup): `sub` maps a
 * controller (a key of the state's cgroup paths) to a path below its
 * directory, or "" to one path below every hierarchy. Returns what placing
 * the new process needs, as a CgroupManager would give it.
 */
export function subCgroups(record: LinuxRecord, sub: Record<string, string>): Pick<CgroupManager, 'selfPlacement' | 'enter'> {
  if (!record.cgroup) throw new InvalidStateError('cannot exec into a sub-cgroup: the container has no cgroup');
  const dirs = { ...record.cgroup.paths };
  const below = (base: string, add: string): string => {
    const dir = posix.join(base, add);
    if (dir !== base && !dir.startsWith(`${base}/`)) throw new InvalidArgumentError(`${add} is not a sub cgroup path`);
    return dir;
  };
  if (Object.hasOwn(sub, '')) {
    for (const k of Object.keys(dirs)) dirs[k] = below(dirs[k]!, sub['']!);
  } else {
    for (const [controller, add] of Object.entries(sub)) {
      if (!Object.hasOwn(dirs, controller)) throw new InvalidArgumentError(`unknown controller ${controller} in SubCgroupPaths`);
      dirs[controller] = below(dirs[controller]!, add);
    }
  }
  const v1 = [...new Set(Object.entries(dirs).filter(([k]) => k !== '').map(([, d]) => d))];
  return {
    // As the container's own: born in the cgroup2 one, moving itself into the v1 ones.
    selfPlacement: () => ({ ...(dirs[''] !== undefined ? { cloneInto: dirs[''] } : {}), tasks: v1.map((d) => `${d}/tasks`) }),
    enter(pid: number) {
      for (const dir of new Set(Object.values(dirs))) writeFileSync(`${dir}/cgroup.procs`, String(pid), { flag: 'r+' });
    },
  };
}
