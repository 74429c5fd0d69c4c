// From a validated spec to the init's plan: every decision about namespaces,
// mounts, devices and the process is made here, before the fork.
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { K, native } from './native.js';
import { Create, Op, Pivot, ROOT_HOST, type Step } from './steps.js';
import { planNamespaces, type NamespacePlan } from './namespaces.js';
import type { FdSet } from './fds.js';
import { bindsDev, mountSteps, rootPropagation } from './mounts.js';
import { deviceSteps } from './devices.js';
import { execCandidates, ioPriority, personality, processEnv, processUser, rlimits, scheduler } from './process.js';
import { capabilitySets, type CapabilitySets } from './capabilities.js';
import { sysctlSteps } from './sysctl.js';
import { lsmSteps } from './lsm.js';
import { checkHooks, hooksOf, initHook } from './hooks.js';
import { planSeccomp } from './seccomp.js';
import { checkIdMappings, setgroupsAllowed } from './userns.js';
import type { Spec } from '../spec/types.js';
import { SpecError } from '../spec/errors.js';
import { TsrunError } from '../errors.js';
import type { CreateOptions } from '../container/types.js';

export interface InitPlan {
  rootfs: string;
  cloneFlags: number;
  /** A v2 cgroup directory to clone the init into (-1: none). */
  cgroupFd: number;
  /** v1 `tasks` files the init writes "0" to, moving itself into its cgroups. */
  cgroupTaskFds: number[];
  unshareFlags: number;
  joins: { fd: number; nstype: number }[];
  joinPid: boolean;
  userns: boolean;
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
  caps: CapabilitySets | null;
  rlimits: { resource: number; soft: bigint; hard: bigint }[];
  noNewPrivileges: boolean;
  personality: number;
  ioprio: number;
  scheduler: object | undefined;
  seccomp: { program: Buffer; flags: number; listenerFd: number } | null;
  terminal: boolean;
  consoleSocketFd: number;
  consoleRows: number;
  consoleCols: number;
  createContainerHooks: ReturnType<typeof initHook>[];
  startContainerHooks: ReturnType<typeof initHook>[];
  runtimeHooks: boolean;
  /** Room for the "go" message (the state texts of hooks and listener). */
  messageSize: number;
}

export interface PreparedInit {
  plan: InitPlan;
  namespaces: NamespacePlan;
  spec: Spec;
  /** Sent to the seccomp agent at listenerPath with the notify fd. */
  listenerMetadata?: string;
  /** The files behind plan.cgroupTaskFds, for errors. */
  cgroupTasks?: string[];
}

/** Options only the Linux backend understands. */
export interface LinuxCreateOptions extends CreateOptions {
  /** A connected socket to send the pty master over, instead of consoleSocket. */
  consoleSocketFd?: number;
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

/**
 * Without a mount namespace (or with the runtime's own, joined by path) the
 * container runs in the host's (as under runc and crun), chrooted into the
 * rootfs; but tsrun never mounts on the host, so whatever needs a mount is
 * refused here, naming the field.
 */
function refuseWithoutMountNamespace(spec: Spec, noPivot: boolean): void {
  const why = 'needs a mount namespace other than the host\'s (tsrun never mounts on the host)';
  const linux = spec.linux ?? {};
  const asked: [string, boolean][] = [
    ['mounts', (spec.mounts ?? []).length > 0],
    ['linux.maskedPaths', (linux.maskedPaths ?? []).length > 0],
    ['linux.readonlyPaths', (linux.readonlyPaths ?? []).length > 0],
    ['linux.devices', (linux.devices ?? []).length > 0],
    ['linux.rootfsPropagation', linux.rootfsPropagation !== undefined],
    ['root.readonly', spec.root?.readonly === true],
    ['process.terminal', spec.process?.terminal === true],
  ];
  for (const [field, yes] of asked) if (yes) throw new SpecError(field, why);
  if (noPivot) throw new TsrunError(`--no-pivot ${why}`);
}

function rootfsSteps(
  spec: Spec,
  bundle: string,
  rootfs: string,
  ns: NamespacePlan,
  noPivot: boolean,
  cgroupPaths: Record<string, string>,
): Step[] {
  const oom = spec.process?.oomScoreAdj;
  const linux = spec.linux ?? {};
  const steps: Step[] = oom === undefined ? [] : [{
    op: Op.writeFile, root: ROOT_HOST, target: '/proc/self/oom_score_adj', source: String(oom),
    what: 'process.oomScoreAdj: write /proc/self/oom_score_adj',
  }];
  const cwd = spec.process?.cwd ?? '/';
  // The working directory is made before anything turns read-only, as runc does.
  const makeCwd: Step = { op: Op.chdir, target: cwd, create: Create.dir, onlyCreate: true, what: `process.cwd: create ${cwd}` };
  if (!ns.types.has('mount')) {
    refuseWithoutMountNamespace(spec, noPivot);
    steps.push({ op: Op.pivot, root: ROOT_HOST, target: rootfs, pivot: Pivot.chroot, what: `chroot to ${rootfs}` });
    return [...steps, ...lsmSteps(spec), ...sysctlSteps(spec, ns), makeCwd];
  }
  const propagation = rootPropagation(spec);
  // An unbindable / would refuse the rootfs's bind mount: the host side is
  // made a slave, and / unbindable after pivot_root.
  const hostSide = propagation & K.MS_UNBINDABLE ? K.MS_SLAVE | K.MS_REC : propagation;
  const mounts = mountSteps(spec, bundle, ns.types.has('cgroup'), cgroupPaths);
  steps.push(
    { op: Op.propagation, root: ROOT_HOST, target: '/', flags: hostSide, what: 'set the propagation of /' },
    // pivot_root refuses a shared parent mount; after a recursive slave or
    // private change nothing is shared, and the rootfs keeps its master.
    ...(hostSide & K.MS_REC && !(hostSide & K.MS_SHARED) ? [] : [
      { op: Op.privateParent, root: ROOT_HOST, target: rootfs, what: `make the mount holding ${rootfs} private` },
    ]),
    // A bind mount of the rootfs on itself makes it a mount point pivot_root accepts.
    { op: Op.mount, root: ROOT_HOST, source: rootfs, target: rootfs, flags: K.MS_BIND | K.MS_REC, what: `bind mount ${rootfs}` },
    ...mounts.steps,
  );
  if (!bindsDev(spec)) steps.push(...deviceSteps(spec, ns.types.has('user')));
  steps.push({
    op: Op.pivot, root: ROOT_HOST, target: rootfs, pivot: noPivot ? Pivot.move : Pivot.root,
    what: noPivot ? `move ${rootfs} to /` : `pivot_root to ${rootfs}`,
  });
  // runc's order after pivot_root: LSM profile, sysctls, then read-only and masked paths.
  steps.push(...lsmSteps(spec), ...sysctlSteps(spec, ns), makeCwd);
  (linux.readonlyPaths ?? []).forEach((p, i) =>
    steps.push({ op: Op.readonly, target: p, optional: true, what: `linux.readonlyPaths[${i}]: make ${p} read-only` }));
  (linux.maskedPaths ?? []).forEach((p, i) =>
    steps.push({ op: Op.mask, target: p, optional: true, what: `linux.maskedPaths[${i}]: mask ${p}` }));
  // /dev/console is made here; then what was left writable for it turns read-only.
  steps.push({ op: Op.terminal, what: 'set up the terminal' }, ...mounts.finish);
  if (spec.root?.readonly) {
    steps.push({ op: Op.remount, target: '/', flags: K.MS_BIND | K.MS_RDONLY, what: 'root.readonly: remount / read-only' });
  }
  // shared and unbindable are the container's own /: set last (before, they
  // were lost to the private parent, or refused the bind mounts), as crun.
  if (propagation & (K.MS_SHARED | K.MS_UNBINDABLE)) {
    steps.push({
      op: Op.propagation, target: '/', flags: propagation,
      what: `linux.rootfsPropagation: make / ${linux.rootfsPropagation}`,
    });
  }
  return steps;
}

/** A generous size for the state texts: they are sent once the pid is known. */
export function messageSize(spec: Spec, bundle: string, id: string): number {
  return 3 * (512 + id.length + bundle.length + JSON.stringify(spec.annotations ?? {}).length
    + (spec.linux?.seccomp?.listenerMetadata?.length ?? 0));
}

function consoleSocket(spec: Spec, options: LinuxCreateOptions, fds: FdSet): number {
  if (!spec.process?.terminal) return -1;
  if (options.consoleSocketFd !== undefined) return options.consoleSocketFd;
  if (!options.consoleSocket) {
    throw new SpecError('process.terminal', 'a terminal needs a console socket to send it to (--console-socket)');
  }
  try {
    return fds.add(native.connectUnix(options.consoleSocket));
  } catch (e) {
    throw new TsrunError(`console socket ${options.consoleSocket}: ${(e as Error).message}`);
  }
}

function listenerSocket(path: string | undefined, fds: FdSet): number {
  if (!path) return -1;
  try {
    return fds.add(native.connectUnix(path));
  } catch (e) {
    throw new SpecError('linux.seccomp.listenerPath', `${path}: ${(e as Error).message}`);
  }
}

/**
 * The plan's process part: what runs, as whom, with which limits and
 * filters. The same for a container's init and for a process exec'd into it.
 */
export function processFields(
  spec: Spec,
  rootfs: string,
  options: LinuxCreateOptions,
  fds: FdSet,
  warn: (message: string) => void,
) {
  const proc = spec.process!;
  const env = processEnv(proc, rootfs);
  const seccomp = planSeccomp(spec, warn);
  return {
    execCandidates: execCandidates(proc, env),
    args: proc.args!,
    env,
    ...processUser(proc),
    stdio: options.stdio ?? [0, 1, 2] as [number, number, number],
    preserveFds: options.preserveFds ?? 0,
    caps: capabilitySets(spec, warn),
    rlimits: rlimits(proc),
    noNewPrivileges: proc.noNewPrivileges ?? false,
    ioprio: ioPriority(proc),
    scheduler: scheduler(proc),
    seccomp: seccomp && { program: seccomp.program, flags: seccomp.flags, listenerFd: listenerSocket(seccomp.listenerPath, fds) },
    terminal: proc.terminal ?? false,
    consoleSocketFd: consoleSocket(spec, options, fds),
    consoleRows: proc.consoleSize?.height ?? 0,
    consoleCols: proc.consoleSize?.width ?? 0,
  };
}

/** The init's plan; every fd it refers to is opened into fds. */
export function prepareInit(
  spec: Spec,
  bundle: string,
  id: string,
  options: LinuxCreateOptions,
  warn: (message: string) => void,
  fds: FdSet,
  cgroupPaths: Record<string, string> = {},
): PreparedInit {
  const rootfs = rootfsPath(spec, bundle);
  const proc = spec.process;
  if (!proc?.args?.length) throw new SpecError('process.args', 'must name the program to run');
  if (proc.cwd !== undefined && !proc.cwd.startsWith('/')) {
    throw new SpecError('process.cwd', `must be an absolute path (got "${proc.cwd}")`);
  }
  checkHooks(spec);
  const ns = planNamespaces(spec, fds);
  if (ns.created.has('user')) checkIdMappings(spec);
  // A uts namespace of the runtime's own (joined by path) is the host's.
  if ((spec.hostname || spec.domainname) && !ns.types.has('uts')) {
    throw new SpecError(spec.hostname ? 'hostname' : 'domainname', 'setting it needs a uts namespace');
  }
  const steps: Step[] = [];
  if (spec.hostname) steps.push({ op: Op.hostname, source: spec.hostname, what: `hostname: set ${spec.hostname}` });
  if (spec.domainname) steps.push({ op: Op.domainname, source: spec.domainname, what: `domainname: set ${spec.domainname}` });
  steps.push(...timeOffsetSteps(spec));
  // A new network namespace starts with "lo" down; runc brings it up.
  if (ns.created.has('network')) steps.push({ op: Op.loopback, what: 'bring up the loopback interface' });
  steps.push(...rootfsSteps(spec, bundle, rootfs, ns, options.noPivot ?? false, cgroupPaths));
  const cwd = proc.cwd ?? '/';
  steps.push({ op: Op.chdir, target: cwd, what: `process.cwd: chdir to ${cwd}` });

  const plan: InitPlan = {
    rootfs,
    cloneFlags: ns.cloneFlags,
    cgroupFd: -1,
    cgroupTaskFds: [],
    unshareFlags: ns.unshareFlags,
    joins: ns.joins.map(({ fd, nstype }) => ({ fd, nstype })),
    joinPid: ns.joinPid,
    userns: ns.types.has('user'),
    steps,
    setGroups: !ns.created.has('user') || setgroupsAllowed(spec),
    stateDirFd: -1,
    keyring: options.noNewKeyring ? null : id,
    personality: personality(spec),
    ...processFields(spec, rootfs, options, fds, warn),
    createContainerHooks: hooksOf(spec, 'createContainer').map((h) => initHook(h, rootfs)),
    startContainerHooks: hooksOf(spec, 'startContainer').map((h) => initHook(h, '/')),
    runtimeHooks: hooksOf(spec, 'prestart').length + hooksOf(spec, 'createRuntime').length > 0,
    messageSize: messageSize(spec, bundle, id),
  };
  return { plan, namespaces: ns, spec, listenerMetadata: spec.linux?.seccomp?.listenerMetadata };
}
