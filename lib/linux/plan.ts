// From a validated spec to the init's plan: every decision about namespaces,
// mounts, devices and the process is made here, before the fork.
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { K } from './native.js';
import { Create, Op, ROOT_HOST, type Step } from './steps.js';
import { closeJoins, planNamespaces, type NamespacePlan } from './namespaces.js';
import { bindsDev, mountSteps, rootPropagation } from './mounts.js';
import { deviceSteps } from './devices.js';
import { execCandidates, processEnv, processUser } from './process.js';
import type { Spec } from '../spec/types.js';
import { SpecError } from '../spec/errors.js';
import type { CreateOptions } from '../container/types.js';

export interface InitPlan {
  rootfs: string;
  cloneFlags: number;
  unshareFlags: number;
  joins: { fd: number; nstype: number }[];
  joinPid: boolean;
  steps: Step[];
  execCandidates: string[];
  args: string[];
  env: string[];
  uid: number;
  gid: number;
  groups: number[];
  setGroups: boolean;
  umask: number;
  stdio: [number, number, number];
  preserveFds: number;
  stateDirFd: number;
  keyring: string | null;
}

export interface PreparedInit {
  plan: InitPlan;
  namespaces: NamespacePlan;
}

/** The absolute rootfs of a bundle, which must exist. */
export function rootfsPath(spec: Spec, bundle: string): string {
  const path = spec.root?.path;
  if (!path) throw new SpecError('root.path', 'required on Linux');
  const rootfs = isAbsolute(path) ? path : resolve(bundle, path);
  if (!existsSync(rootfs)) throw new SpecError('root.path', `${rootfs} does not exist`);
  return rootfs;
}

function timeOffsetSteps(spec: Spec): Step[] {
  const offsets = spec.linux?.timeOffsets;
  if (!offsets) return [];
  const lines = Object.entries(offsets).map(([clock, o]) => `${clock} ${o.secs ?? 0} ${o.nanosecs ?? 0}\n`);
  return [{
    op: Op.writeFile, root: ROOT_HOST, target: '/proc/self/timens_offsets', source: lines.join(''),
    what: 'linux.timeOffsets: write /proc/self/timens_offsets',
  }];
}

function rootfsSteps(spec: Spec, bundle: string, rootfs: string, ns: NamespacePlan, noPivot: boolean): Step[] {
  const linux = spec.linux ?? {};
  const steps: Step[] = [
    { op: Op.propagation, root: ROOT_HOST, target: '/', flags: rootPropagation(spec), what: 'make / a slave mount' },
    { op: Op.privateParent, root: ROOT_HOST, target: rootfs, what: `make the mount holding ${rootfs} private` },
    // A bind mount of the rootfs on itself makes it a mount point pivot_root accepts.
    { op: Op.mount, root: ROOT_HOST, source: rootfs, target: rootfs, flags: K.MS_BIND | K.MS_REC, what: `bind mount ${rootfs}` },
    ...mountSteps(spec, bundle, ns.types.has('cgroup')),
  ];
  if (!bindsDev(spec)) steps.push(...deviceSteps(spec, ns.types.has('user')));
  steps.push({ op: Op.pivot, root: ROOT_HOST, target: rootfs, flags: noPivot ? 1 : 0, what: noPivot ? `move ${rootfs} to /` : `pivot_root to ${rootfs}` });
  (linux.readonlyPaths ?? []).forEach((p, i) =>
    steps.push({ op: Op.readonly, target: p, optional: true, what: `linux.readonlyPaths[${i}]: make ${p} read-only` }));
  (linux.maskedPaths ?? []).forEach((p, i) =>
    steps.push({ op: Op.mask, target: p, optional: true, what: `linux.maskedPaths[${i}]: mask ${p}` }));
  if (spec.root?.readonly) {
    steps.push({ op: Op.remount, target: '/', flags: K.MS_BIND | K.MS_RDONLY, what: 'root.readonly: remount / read-only' });
  }
  return steps;
}

export function prepareInit(spec: Spec, bundle: string, id: string, options: CreateOptions): PreparedInit {
  const rootfs = rootfsPath(spec, bundle);
  const proc = spec.process;
  if (!proc?.args?.length) throw new SpecError('process.args', 'must name the program to run');
  if (proc.cwd !== undefined && !proc.cwd.startsWith('/')) {
    throw new SpecError('process.cwd', `must be an absolute path (got "${proc.cwd}")`);
  }
  if ((spec.hostname || spec.domainname) && !(spec.linux?.namespaces ?? []).some((n) => n.type === 'uts')) {
    throw new SpecError('hostname', 'setting it needs a uts namespace');
  }
  const ns = planNamespaces(spec);
  try {
    const steps: Step[] = [];
    if (spec.hostname) steps.push({ op: Op.hostname, source: spec.hostname, what: `hostname: set ${spec.hostname}` });
    if (spec.domainname) steps.push({ op: Op.domainname, source: spec.domainname, what: `domainname: set ${spec.domainname}` });
    steps.push(...timeOffsetSteps(spec));
    steps.push(...rootfsSteps(spec, bundle, rootfs, ns, options.noPivot ?? false));
    const cwd = proc.cwd ?? '/';
    steps.push({ op: Op.chdir, target: cwd, create: Create.dir, what: `process.cwd: chdir to ${cwd}` });

    const env = processEnv(proc, rootfs);
    const user = processUser(proc);
    const plan: InitPlan = {
      rootfs,
      cloneFlags: ns.cloneFlags,
      unshareFlags: ns.unshareFlags,
      joins: ns.joins.map(({ fd, nstype }) => ({ fd, nstype })),
      joinPid: ns.joinPid,
      steps,
      execCandidates: execCandidates(proc, env),
      args: proc.args,
      env,
      ...user,
      setGroups: true,
      stdio: options.stdio ?? [0, 1, 2],
      preserveFds: options.preserveFds ?? 0,
      stateDirFd: -1,
      keyring: options.noNewKeyring ? null : id,
    };
    return { plan, namespaces: ns };
  } catch (e) {
    closeJoins(ns);
    throw e;
  }
}
