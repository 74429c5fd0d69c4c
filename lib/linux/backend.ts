// The Linux backend: clone-based init, exec.fifo start, pidfd signals and waits.
import { chmodSync, closeSync, constants, existsSync, openSync, readSync, readdirSync, readlinkSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { ReadStream, WriteStream } from 'node:tty';
import type { Backend, CreateRequest, CreatedInit, HookContext, LiveInit, StartedProcess } from '../container/backend.js';
import { prepareExec, subCgroups } from './exec.js';
import { runHooksWarning } from './hooks.js';
import type { ContainerStats, ContainerStatus, ExecOptions, ExitStatus } from '../container/types.js';
import type { LinuxResources, Process, Spec } from '../spec/types.js';
import type { CgroupManager } from './cgroups/manager.js';
import { cgroupManagerFor, loadCgroupManager } from './cgroups/index.js';
import { runcEventStats } from './cgroups/stats.js';
import type { LinuxRecord, LinuxState } from './state.js';
import { InvalidStateError, TsrunError } from '../errors.js';
import { SpecError } from '../spec/errors.js';
import { checkLinuxSpec } from '../spec/validate.js';
import { features } from './features.js';
import { mergedResources } from './resources.js';
import { native, type InitReport } from './native.js';
import { forget, setRefs, whenReadable } from './reactor.js';
import { prepareInit } from './plan.js';
import { describeFailure, launch, nextReport, type Launched } from './init.js';
import { isAlive, procStat } from './proc.js';

const FIFO = 'exec.fifo';

function exitStatus(s: { code: number | null; signal: number | null }): ExitStatus {
  return { status: s.code ?? 128 + (s.signal ?? 0), code: s.code, signal: s.signal };
}

/** An init reachable through a pidfd; `child` when this process may reap it. */
class LinuxInit implements LiveInit {
  readonly exited: Promise<ExitStatus | null>;
  /** Set while the init has not exec'd: EOF on it means exec happened. */
  syncFd: number | null;
  /** Closed (null) once the process has exited: the number may then name another file. */
  #pidfd: number | null;

  constructor(
    readonly pid: number,
    pidfd: number,
    syncFd: number | null,
    /** Words a failure the init reports after start (exec). */
    readonly describe: (r: InitReport) => string = () => 'container init failed',
    /**
     * Reap it when it exits. Not for a process handed to a supervisor (CLI
     * create, exec --detach): once we exit, the zombie and its status are its.
     */
    reap = true,
  ) {
    this.#pidfd = pidfd;
    this.syncFd = syncFd;
    this.exited = reap ? this.watch(pidfd) : this.watchOnly(pidfd);
    if (!reap) this.ref(false);
  }

  private async watchOnly(pidfd: number): Promise<null> {
    await whenReadable(pidfd, false);
    this.closePidfd();
    return null;
  }

  private async watch(pidfd: number): Promise<ExitStatus | null> {
    for (;;) {
      const s = native.reap(pidfd);
      if (s === undefined) {
        // Not our child: it has exited when the pidfd is readable.
        await whenReadable(pidfd);
        this.closePidfd();
        return null;
      }
      if (s !== null) {
        this.closePidfd();
        return exitStatus(s);
      }
      await whenReadable(pidfd);
    }
  }

  private closePidfd(): void {
    if (this.#pidfd === null) return;
    forget(this.#pidfd);
    native.close(this.#pidfd);
    this.#pidfd = null;
  }

  /** Signals the process, if it has not exited yet. */
  signal(signal: number): void {
    if (this.#pidfd === null) return;
    try {
      native.pidfdSignal(this.#pidfd, signal);
    } catch {
      // Exited meanwhile.
    }
  }

  /** Closes the sync socket, once start has read its end or will never come. */
  releaseSync(): void {
    if (this.syncFd === null) return;
    forget(this.syncFd);
    native.close(this.syncFd);
    this.syncFd = null;
  }

  ref(keepAlive: boolean): void {
    if (this.#pidfd !== null) setRefs(this.#pidfd, keepAlive);
    if (this.syncFd !== null) setRefs(this.syncFd, keepAlive);
  }
}

function openPidfd(record: LinuxRecord): number | null {
  let pidfd: number;
  try {
    pidfd = native.pidfdOpen(record.pid);
  } catch {
    return null;
  }
  // Checked after opening: from here on the pidfd cannot name another process.
  if (!isAlive(record.pid, record.pidStartTime)) {
    native.close(pidfd);
    return null;
  }
  return pidfd;
}

/** Processes in the pid namespace of pid (all of the container's, when it owns one). */
function pidNamespaceMembers(pid: number): number[] {
  const ns = readlinkSync(`/proc/${pid}/ns/pid`);
  const members: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readlinkSync(`/proc/${name}/ns/pid`) === ns) members.push(Number(name));
    } catch {
      // Exited meanwhile.
    }
  }
  return members;
}

/** After start: EOF on the sync socket means exec happened; a report, that it failed. */
async function waitForExec(init: LinuxInit): Promise<void> {
  if (init.syncFd === null) return;
  try {
    const r = await nextReport(init.syncFd);
    if (r !== false) throw new TsrunError(init.describe(r));
  } finally {
    init.releaseSync();
  }
}

export const linuxBackend: Backend<LinuxState, LinuxInit> = {
  validate(spec: Spec): void {
    checkLinuxSpec(spec);
  },

  async create(req: CreateRequest): Promise<CreatedInit<LinuxState, LinuxInit>> {
    const cgroup = cgroupManagerFor(req.spec, req.id, req.runtime.systemdCgroup ?? false);
    if (cgroup) checkExistingCgroup(cgroup, req.warn);
    let launched: Launched;
    try {
      launched = await launch({
        prepare: (fds, consoleSocketFd) =>
          prepareInit(req.spec, req.bundle, req.id, { ...req.options, consoleSocketFd }, req.warn, fds, cgroup?.paths),
        keepConsole: Boolean(req.spec.process?.terminal && req.options.openConsole && !req.options.consoleSocket),
        async beforeSpawn() {
          // Writable by any user: the init opens it after switching to the container's.
          native.mkfifo(join(req.stateDir, FIFO), 0o622);
          chmodSync(join(req.stateDir, FIFO), 0o622);
          await cgroup?.create(req.spec.linux?.resources);
        },
        stateDir: req.stateDir,
        stateOf: req.stateOf,
        cgroup,
        debug: req.debug,
      });
    } catch (e) {
      await cgroup?.destroy();
      throw e;
    }
    const { prepared, init, console } = launched;
    const st = procStat(init.pid);
    const live = new LinuxInit(init.pid, init.pidfd, init.syncFd, (r) => describeFailure(prepared, r), !req.options.detach);
    return {
      live,
      console,
      rootfs: prepared.plan.rootfs,
      state: {
        cgroup: cgroup && { version: cgroup.version, paths: cgroup.paths, unit: cgroup.unit },
        pidStartTime: st?.startTime ?? 0,
        ownPidNamespace: prepared.namespaces.created.has('pid'),
      },
    };
  },

  async start(record: LinuxRecord, stateDir: string, hooks: HookContext, live?: LinuxInit): Promise<void> {
    const fifoPath = join(stateDir, FIFO);
    const own = live ?? null;
    // The init's death, as a promise: ours we watch already; another's through
    // a pidfd, taken before the FIFO releases it (it may run and exit at once).
    const pidfd = own ? null : openPidfd(record);
    if (!own && pidfd === null) throw new InvalidStateError('cannot start a container that has stopped');
    let fifo: number;
    try {
      fifo = openSync(fifoPath, constants.O_RDONLY | constants.O_NONBLOCK);
    } catch {
      if (pidfd !== null) native.close(pidfd);
      throw new InvalidStateError('cannot start a container that is not in created state');
    }
    const died = own ? own.exited : whenReadable(pidfd!, false);
    try {
      const byte = Buffer.alloc(1);
      const readByte = (): boolean => {
        try {
          return readSync(fifo, byte, 0, 1, null) === 1;
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === 'EAGAIN') return false;
          throw e;
        }
      };
      while (!readByte()) {
        if (!isAlive(record.pid, record.pidStartTime)) {
          // The init writes its byte and execs at once: it may have run and
          // exited already, so read once more before deciding it never started.
          if (readByte()) break;
          // An init of ours that failed on its way to exec says why.
          if (own) await waitForExec(own);
          throw new InvalidStateError('cannot start a container that has stopped');
        }
        // Whichever comes first: the init's byte, or its death.
        await Promise.race([whenReadable(fifo), died]);
      }
    } finally {
      forget(fifo);
      closeSync(fifo);
      if (pidfd !== null) {
        forget(pidfd);
        native.close(pidfd);
      }
    }
    unlinkSync(fifoPath);
    if (own) await waitForExec(own);
    await runHooksWarning(record.spec, 'poststart', hooks.stateOf('running', record.pid), hooks.warn);
  },

  async status(record: LinuxRecord, stateDir: string): Promise<ContainerStatus> {
    if (!isAlive(record.pid, record.pidStartTime)) return 'stopped';
    if (existsSync(join(stateDir, FIFO))) return 'created';
    return cgroupOf(record)?.frozen() ? 'paused' : 'running';
  },

  async signal(record: LinuxRecord, signal: number, all: boolean): Promise<void> {
    const pidfd = openPidfd(record);
    if (pidfd === null && !all) throw new InvalidStateError('container not running');
    try {
      // --all reaches what is left in the container once its init has exited
      // too (containerd's shim sends it to stopped containers), as runc does.
      if (all) await signalAll(record, signal, pidfd !== null);
      if (pidfd !== null) native.pidfdSignal(pidfd, signal);
    } finally {
      if (pidfd !== null) native.close(pidfd);
    }
  },

  pause(record: LinuxRecord): Promise<void> {
    return requireCgroup(record, 'pause').freeze();
  },

  resume(record: LinuxRecord): Promise<void> {
    return requireCgroup(record, 'resume').thaw();
  },

  async update(record: LinuxRecord, changes: LinuxResources): Promise<Spec> {
    const resources = mergedResources(record.spec.linux?.resources ?? {}, changes);
    try {
      await requireCgroup(record, 'update').update(resources);
    } catch (e) {
      // The cgroup drivers name the linux.resources field; the values come from the caller, not config.json.
      if (e instanceof SpecError) throw new TsrunError(`unable to update resources: ${e.message.replace(/^config\.json: /, '')}`);
      throw e;
    }
    return { ...record.spec, linux: { ...record.spec.linux, resources } };
  },

  async stats(record: LinuxRecord): Promise<ContainerStats> {
    return runcEventStats(requireCgroup(record, 'stats').stats());
  },

  async processes(record: LinuxRecord): Promise<number[]> {
    const cgroup = cgroupOf(record);
    if (cgroup) return cgroup.pids();
    if (!isAlive(record.pid, record.pidStartTime)) return [];
    return record.ownPidNamespace ? pidNamespaceMembers(record.pid) : [record.pid];
  },

  async exec(record: LinuxRecord, proc: Process, options: ExecOptions, hooks: HookContext): Promise<StartedProcess<LinuxInit>> {
    if (!isAlive(record.pid, record.pidStartTime)) throw new InvalidStateError('cannot exec in a stopped container');
    const { prepared, init, console } = await launch({
      prepare: (fds, consoleSocketFd) => prepareExec(record, proc, { ...options, consoleSocketFd }, hooks.warn, fds),
      keepConsole: Boolean(proc.terminal && options.openConsole && !options.consoleSocket),
      stateDir: null,
      // The seccomp agent gets the running container's state, as with runc.
      stateOf: () => hooks.stateOf('running', record.pid),
      cgroup: options.subCgroupPaths ? subCgroups(record, options.subCgroupPaths) : cgroupOf(record),
      debug: hooks.debug,
    });
    const live = new LinuxInit(init.pid, init.pidfd, init.syncFd, (r) => describeFailure(prepared, r), !options.detach);
    await waitForExec(live);
    return { live, console };
  },

  async oomKills(record: LinuxRecord): Promise<number> {
    return cgroupOf(record)?.oomKills() ?? 0;
  },

  resizeConsole(console: number, rows: number, cols: number): void {
    native.setWinsize(console, rows, cols);
  },

  consoleStreams(console: number) {
    return { output: new ReadStream(console), input: new WriteStream(console) };
  },

  rawTerminal(fd: number): () => void {
    const saved = native.makeRaw(fd);
    return () => native.restoreTerminal(fd, saved);
  },

  features,

  attach(record: LinuxRecord): LinuxInit | null {
    const pidfd = openPidfd(record);
    return pidfd === null ? null : new LinuxInit(record.pid, pidfd, null);
  },

  async destroy(record: LinuxRecord, hooks: HookContext, live?: LinuxInit): Promise<void> {
    const init = live ?? linuxBackend.attach(record);
    const cgroup = cgroupOf(record);
    // Through the cgroup first: it reaches every process, and thaws a paused one.
    if (cgroup && init) await cgroup.kill(9);
    if (init) {
      init.releaseSync();
      init.signal(9);
      await init.exited;
    }
    if (cgroup) {
      // Whatever else ran in the container goes with it, then the cgroup.
      await emptyCgroup(cgroup);
      await cgroup.destroy();
    }
    await runHooksWarning(record.spec, 'poststop', hooks.stateOf('stopped', 0), hooks.warn);
  },
};

/**
 * runc's checks of a cgroup that exists before the container (e.g. a
 * cgroupsPath shared with others): processes in it are only warned about; a
 * frozen one is refused, as the init would never get to report back from it.
 * Nothing of it is removed: it is not the container's.
 */
function checkExistingCgroup(cgroup: CgroupManager, warn: (message: string) => void): void {
  const pids = cgroup.pids();
  if (pids.length) warn(`container's cgroup is not empty: ${pids.length} process(es) found`);
  if (cgroup.frozen()) throw new TsrunError("container's cgroup unexpectedly frozen");
}

function cgroupOf(record: LinuxRecord): CgroupManager | null {
  return record.cgroup ? loadCgroupManager(record.cgroup) : null;
}

function requireCgroup(record: LinuxRecord, what: string): CgroupManager {
  const cgroup = cgroupOf(record);
  if (!cgroup) throw new InvalidStateError(`${what}: the container has no cgroup`);
  return cgroup;
}

/** Signals every process of the container: through its cgroup, else its pid namespace while its init lives. */
async function signalAll(record: LinuxRecord, signal: number, initAlive: boolean): Promise<void> {
  const cgroup = cgroupOf(record);
  if (cgroup) return cgroup.kill(signal);
  // Without its init the container's own pid namespace is empty.
  if (!initAlive) return;
  if (!record.ownPidNamespace) {
    throw new TsrunError('kill --all: the container has neither a cgroup nor a pid namespace of its own');
  }
  for (const pid of pidNamespaceMembers(record.pid)) {
    try {
      process.kill(pid, signal);
    } catch {
      // Exited meanwhile.
    }
  }
}

/** Kills what is left in the cgroup and waits (briefly) until it is empty. */
async function emptyCgroup(cgroup: CgroupManager): Promise<void> {
  for (let i = 0; i < 200 && cgroup.pids().length > 0; i++) {
    if (i % 20 === 0) await cgroup.kill(9);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
