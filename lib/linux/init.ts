// Spawning the container's init and the handshake with it: "go" once the
// parent has done its part, then a report: ready, failed, or (after joining a
// pid namespace) the pid of the real init.
import { constants } from 'node:fs';
import { K, native, type InitReport } from './native.js';
import { whenReadable } from './reactor.js';
import { FdSet } from './fds.js';
import type { PreparedInit } from './plan.js';
import type { CgroupManager } from './cgroups/manager.js';
import { describeInitHookFailure, runHooks } from './hooks.js';
import { rlimitName } from './process.js';
import { writeIdMappings } from './userns.js';
import { TsrunError } from '../errors.js';
import type { HookContext } from '../container/backend.js';

/** The OCI state hooks and the seccomp agent receive, for a status and pid. */
export type StateOf = HookContext['stateOf'];

export interface InitProcess {
  pid: number;
  pidfd: number;
  /** The init's report socket: EOF there means it has exec'd. */
  syncFd: number;
}

/** Go's wording of errno texts ("no such file or directory"), as runc prints them. */
export function errnoText(errno: number): string {
  const s = native.strerror(errno);
  return s.charAt(0).toLowerCase() + s.slice(1);
}

/**
 * How long to wait for the init's next report on the JS thread before
 * yielding to the event loop: its steps take well under this, and a blocking
 * wait saves the reactor's round trip on each of them (create is mostly
 * synchronous work anyway). Hooks and slow hosts fall through to async.
 */
const REPORT_SPIN_MS = 5;

export async function nextReport(fd: number): Promise<InitReport | false> {
  const first = native.readReport(fd, REPORT_SPIN_MS);
  if (first !== null) return first;
  for (;;) {
    await whenReadable(fd);
    const r = native.readReport(fd);
    if (r !== null) return r;
  }
}

export function describeFailure(prepared: PreparedInit, r: InitReport): string {
  const { plan, namespaces, spec } = prepared;
  const err = errnoText(r.errno);
  switch (r.phase) {
    case K.PHASE_HOOK_CREATE:
      return describeInitHookFailure(spec, 'createContainer', r.index, r.pid, r.errno);
    case K.PHASE_HOOK_START:
      return describeInitHookFailure(spec, 'startContainer', r.index, r.pid, r.errno);
    case K.PHASE_RLIMIT:
      return `process.rlimits: setrlimit ${rlimitName(plan.rlimits[r.index].resource)}: ${err}`;
    case K.PHASE_PERSONALITY:
      return `linux.personality: ${err}`;
    case K.PHASE_IOPRIO:
      return `process.ioPriority: ioprio_set: ${err}`;
    case K.PHASE_SCHEDULER:
      return `process.scheduler: sched_setattr: ${err}`;
    case K.PHASE_NNP:
      return `process.noNewPrivileges: ${err}`;
    case K.PHASE_CAPS:
      return `process.capabilities: ${['drop bounding set', 'keep capabilities', 'capset', 'raise ambient'][r.index]}: ${err}`;
    case K.PHASE_SECCOMP:
      return `linux.seccomp: ${r.index === 0 ? 'load filter' : 'send the notify fd to listenerPath'}: ${err}`;
    case K.PHASE_TERMINAL:
      return `process.terminal: ${['create pty', 'mount /dev/console', 'send pty to console socket', 'make pty the stdio'][r.index]}: ${err}`;
    case K.PHASE_STEP:
      return `${plan.steps[r.index].what}: ${err}`;
    case K.PHASE_SETNS: {
      const j = namespaces.joins[r.index];
      return `${j.field}: join ${j.path}: ${err}`;
    }
    case K.PHASE_EXEC_LOOKUP: {
      const file = plan.args[0];
      return file.includes('/')
        ? `exec: "${file}": stat ${file}: ${err}`
        : `exec: "${file}": executable file not found in $PATH`;
    }
    case K.PHASE_USER:
      return `process.user: ${['setgroups', 'setgid', 'setuid'][r.index]}: ${err}`;
    case K.PHASE_UNSHARE:
      return `unshare namespaces: ${err}`;
    case K.PHASE_KEYRING:
      return `join session keyring: ${err}`;
    case K.PHASE_FIFO:
      return `wait for start: ${err}`;
    case K.PHASE_EXEC:
      return `exec ${plan.args[0]}: ${err}`;
    case K.PHASE_IDMAP: {
      const stage = ['create the id-mapping user namespace', 'open_tree', 'mount_setattr(MOUNT_ATTR_IDMAP)'][r.pid];
      return `${plan.steps[r.index].what}: id-mapped: ${stage}: ${err}`;
    }
    case K.PHASE_CGROUP:
      return `cgroup: join ${prepared.cgroupTasks?.[r.index] ?? 'a v1 hierarchy'}: ${err}`;
    case K.PHASE_FORK:
      return `${r.index === 1 ? 'clone the container init' : 'fork into the joined pid namespace'}: ${err}`;
    default:
      return `container init failed: ${err}`;
  }
}

/**
 * "go", with what the init hands on: the state for createContainer and
 * startContainer hooks, and for the seccomp agent (NUL-separated).
 */
function goMessage(prepared: PreparedInit, stateOf: StateOf, pid: number): string {
  const { plan } = prepared;
  const texts = ['', '', ''];
  if (plan.createContainerHooks.length) texts[0] = JSON.stringify(stateOf('creating', pid));
  if (plan.startContainerHooks.length) texts[1] = JSON.stringify(stateOf('created', pid));
  if (plan.seccomp && plan.seccomp.listenerFd >= 0) {
    const state = stateOf('creating', pid);
    texts[2] = JSON.stringify({
      ociVersion: state.ociVersion, fds: ['seccompFd'], pid, metadata: prepared.listenerMetadata ?? '', state,
    });
  }
  const message = texts.join('\0');
  if (Buffer.byteLength(message) >= plan.messageSize) throw new TsrunError('container state too large for the init');
  return message;
}

/** Kills an init that will not be used and reaps it. */
export async function killInit(pidfd: number): Promise<void> {
  try {
    native.pidfdSignal(pidfd, 9);
  } catch {
    // Already gone.
  }
  while (native.reap(pidfd) === null) await whenReadable(pidfd);
  native.close(pidfd);
}

/**
 * Clones the init into its namespaces and waits until it is set up and
 * blocked before exec (in exec.fifo of the plan's state directory, if any).
 */
async function spawnInit(
  prepared: PreparedInit,
  stateOf: StateOf,
  /** The parent's part before the init may go on: its cgroup, unless it was born in it. */
  beforeGo: (pid: number, inCgroup: boolean) => void | Promise<void>,
): Promise<InitProcess> {
  const { plan, namespaces, spec } = prepared;
  const child = native.spawn(plan);
  let pid = child.pid;
  let pidfd = native.pidfdOpen(pid);
  const next = async (): Promise<InitReport> => {
    const r = await nextReport(child.syncFd);
    if (r === false) throw new TsrunError('container init exited during setup');
    if (r.kind === K.REPORT_ERROR) throw new TsrunError(describeFailure(prepared, r));
    return r;
  };
  /** The process we hold forked the next one (r.pid) and exits: follow it. */
  const follow = (r: InitReport) => {
    native.waitPid(pid);
    native.close(pidfd);
    pid = r.pid;
    pidfd = native.pidfdOpen(pid);
  };
  try {
    // tsrun-init clones the init, says where it is, and exits.
    const launched = await next();
    follow(launched);
    await beforeGo(pid, launched.index === 1);
    if (namespaces.created.has('user')) writeIdMappings(pid, spec);
    native.send(child.syncFd, goMessage(prepared, stateOf, pid));
    for (;;) {
      const r = await next();
      if (r.kind === K.REPORT_PID) {
        // The init joined a pid namespace, forked the real init, and exits;
        // the real init waits for the state texts again, with its own pid.
        follow(r);
        native.send(child.syncFd, goMessage(prepared, stateOf, pid));
      } else if (r.kind === K.REPORT_HOOKS) {
        // The namespaces exist: prestart and createRuntime hooks may use them.
        await runHooks(spec, 'prestart', stateOf('creating', pid));
        await runHooks(spec, 'createRuntime', stateOf('creating', pid));
        native.send(child.syncFd, 'g');
      } else {
        return { pid, pidfd, syncFd: child.syncFd };
      }
    }
  } catch (e) {
    await killInit(pidfd);
    native.close(child.syncFd);
    throw e;
  }
}

/** A container's process to start: its init (create) or another (exec). */
export interface LaunchRequest {
  /** The plan; every fd it refers to is opened into fds. consoleSocketFd: of a console this process keeps. */
  prepare(fds: FdSet, consoleSocketFd: number | undefined): PreparedInit;
  /** The init sends the pty master here, over a socketpair, rather than to a console socket. */
  keepConsole: boolean;
  /** The runtime's part between planning and the spawn (create: exec.fifo, the cgroup). */
  beforeSpawn?: () => void | Promise<void>;
  /** Holds exec.fifo, where the init waits for start; null: it goes on at once (exec). */
  stateDir: string | null;
  stateOf: StateOf;
  cgroup: Pick<CgroupManager, 'selfPlacement' | 'enter'> | null;
  debug: (message: string) => void;
}

export interface Launched {
  prepared: PreparedInit;
  init: InitProcess;
  /** The pty master, when keepConsole. */
  console: number | null;
}

/**
 * Plans, spawns and sets up a container's process: the one sequence of
 * create and exec. Every fd opened on the way is in one FdSet, closed at the
 * end whatever happens; what is returned (pidfd, sync socket, console) is the
 * caller's.
 */
export async function launch(req: LaunchRequest): Promise<Launched> {
  const fds = new FdSet();
  try {
    const receive = req.keepConsole ? native.socketpair().map((fd) => fds.add(fd)) : null;
    const prepared = req.prepare(fds, receive?.[1]);
    await req.beforeSpawn?.();
    const beforeGo = placeInit(prepared, fds, req.cgroup, req.debug);
    if (req.stateDir) prepared.plan.stateDirFd = fds.open(req.stateDir, constants.O_RDONLY | constants.O_DIRECTORY);
    const init = await spawnInit(prepared, req.stateOf, beforeGo);
    try {
      // The master was sent before the init reported ready: it is waiting.
      return { prepared, init, console: receive ? native.recvFd(receive[0]) : null };
    } catch (e) {
      await killInit(init.pidfd);
      native.close(init.syncFd);
      throw e;
    }
  } finally {
    fds.closeAll();
  }
}

/**
 * Puts a new init in its cgroup before anything of the container's runs: by
 * itself where the driver allows (cloned into the cgroup2 one, "0" written to
 * the v1 tasks files, fds in the plan), else through enter() once its pid is
 * known. Returns spawnInit's beforeGo.
 */
function placeInit(
  prepared: PreparedInit,
  fds: FdSet,
  cgroup: Pick<CgroupManager, 'selfPlacement' | 'enter'> | null,
  debug: (message: string) => void,
): (pid: number, inCgroup: boolean) => void | Promise<void> {
  const placement = cgroup?.selfPlacement() ?? null;
  if (placement?.cloneInto) {
    prepared.plan.cgroupFd = fds.open(placement.cloneInto, constants.O_RDONLY | constants.O_DIRECTORY);
  }
  if (placement?.tasks.length) {
    prepared.cgroupTasks = placement.tasks;
    for (const file of placement.tasks) prepared.plan.cgroupTaskFds.push(fds.open(file, constants.O_WRONLY));
  }
  return (pid, inCgroup) => {
    if (!cgroup) return;
    if (placement && (inCgroup || !placement.cloneInto)) {
      debug(`process ${pid} placed itself in its cgroup${placement.cloneInto ? ' (born in the cgroup2 one)' : ''}`);
      return;
    }
    // Without clone3's CLONE_INTO_CGROUP (before Linux 5.7) the init was born
    // outside: enter() moves it (into every hierarchy; joining twice is harmless).
    debug(`moving process ${pid} into its cgroup`);
    return cgroup.enter(pid);
  };
}
