// Spawning the container's init and the handshake with it: "go" once the
// parent has done its part, then a report: ready, failed, or (after joining a
// pid namespace) the pid of the real init.
import { closeSync, constants, openSync } from 'node:fs';
import { K, native, type InitReport } from './native.js';
import { whenReadable } from './reactor.js';
import { closeJoins } from './namespaces.js';
import type { PreparedInit } from './plan.js';
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

/** Closes this process's copies of the fds the plan refers to (again: a no-op). */
export function releaseFds(prepared: PreparedInit): void {
  closeJoins(prepared.namespaces);
  for (const fd of prepared.fds.splice(0)) native.close(fd);
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
 * blocked before exec (in `stateDir`/exec.fifo, when stateDir is given).
 */
export async function spawnInit(
  prepared: PreparedInit,
  stateDir: string | null,
  stateOf: StateOf,
  /** The parent's part before the init may go on: its cgroup, unless it was born in it. */
  beforeGo: (pid: number, inCgroup: boolean) => void | Promise<void> = () => {},
): Promise<InitProcess> {
  const { plan, namespaces, spec } = prepared;
  const dirFd = stateDir ? openSync(stateDir, constants.O_RDONLY | constants.O_DIRECTORY) : -1;
  let child: { pid: number; syncFd: number };
  try {
    child = native.spawn({ ...plan, stateDirFd: dirFd });
  } finally {
    if (dirFd >= 0) closeSync(dirFd);
    releaseFds(prepared);
  }
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
