// A container handle: the library's face of one container, whether this
// process created it or loaded it from the state directory.
import { EventEmitter } from 'node:events';
import type { Backend, HookContext, LiveInit } from './backend.js';
import { ociState, specState } from './state.js';
import type { StateStore, StateRecord } from '../state/store.js';
import { InvalidStateError } from '../errors.js';
import { parseSignal } from './signal.js';
import type { ContainerState, ContainerStats, DeleteOptions, ExecOptions, ExitStatus, KillOptions, RuntimeOptions } from './types.js';
import type { LinuxResources, Process, Spec, WindowsResources } from '../spec/types.js';
import { ExecProcess } from './exec.js';
import { writePidFile } from './pidfile.js';

export interface RuntimeContext {
  store: StateStore;
  backend(): Promise<Backend>;
  warn(message: string): void;
  debug(message: string): void;
  /** As given to the Runtime: the backend reads its own (e.g. systemdCgroup). */
  options: RuntimeOptions;
}

export class Container extends EventEmitter {
  #live: LiveInit | null;

  /** The pty master of a terminal container created with openConsole. */
  readonly console: number | null;

  constructor(
    private readonly ctx: RuntimeContext,
    private readonly record: StateRecord,
    live: LiveInit | null,
    console: number | null = null,
  ) {
    super();
    this.#live = live;
    this.console = console;
    live?.exited.then((status) => this.emit('exit', status));
    // 'oom' is watched only while someone listens.
    this.on('newListener', (event) => {
      if (event === 'oom' && this.listenerCount('oom') === 0) this.watchOom();
    });
  }

  #oomTimer: NodeJS.Timeout | undefined;

  /** Polls the cgroup's OOM-kill count (cheap: one small file) and emits 'oom' when it grows. */
  private async watchOom(): Promise<void> {
    const backend = await this.ctx.backend();
    let seen = await backend.oomKills(this.record);
    let polling = false;
    this.#oomTimer = setInterval(async () => {
      // A poll that takes longer than the interval is not overlapped.
      if (polling) return;
      polling = true;
      try {
        const now = await backend.oomKills(this.record);
        if (now > seen) this.emit('oom', now - seen);
        seen = now;
      } catch {
        // The cgroup is gone: nothing more to watch.
      }
      const stopped = await backend.status(this.record, this.stateDir).then((s) => s === 'stopped', () => true);
      if (this.listenerCount('oom') === 0 || stopped) {
        clearInterval(this.#oomTimer);
        this.#oomTimer = undefined;
      }
      polling = false;
    }, 200).unref();
  }

  get id(): string {
    return this.record.id;
  }

  /** The init's host pid. */
  get pid(): number {
    return this.record.pid;
  }

  get bundle(): string {
    return this.record.bundle;
  }

  /** The config the container was created from. */
  get spec(): Spec {
    return this.record.spec;
  }

  private get stateDir(): string {
    return this.ctx.store.dir(this.record.id);
  }

  async state(): Promise<ContainerState> {
    const backend = await this.ctx.backend();
    return ociState(this.record, await backend.status(this.record, this.stateDir), this.record.pid);
  }

  private get hooks(): HookContext {
    return { warn: this.ctx.warn, debug: this.ctx.debug, stateOf: (status, pid) => specState(this.record, status, pid) };
  }

  /** Runs the user's program in the created container. */
  async start(): Promise<void> {
    const backend = await this.ctx.backend();
    const status = await backend.status(this.record, this.stateDir);
    if (status === 'stopped') throw new InvalidStateError('cannot start a container that has stopped');
    if (status !== 'created') throw new InvalidStateError('cannot start an already running container');
    const pid = await backend.start(this.record, this.stateDir, this.hooks, this.#live ?? undefined);
    // An init created only now (Windows): its pid goes into the state for other processes to see.
    if (pid !== undefined && pid !== this.record.pid) {
      this.record.pid = pid;
      this.ctx.store.write(this.record);
    }
  }

  async kill(signal: number | string = 'SIGTERM', options: KillOptions = {}): Promise<void> {
    const sig = parseSignal(signal);
    const backend = await this.ctx.backend();
    await backend.signal(this.record, sig, options.all ?? false);
  }

  /**
   * Resolves when the init exits: its status when this process created it,
   * null when another process did (only the parent can read the status).
   */
  async wait(): Promise<ExitStatus | null> {
    if (!this.#live) this.#live = (await this.ctx.backend()).attach(this.record);
    return this.#live ? this.#live.exited : null;
  }

  /** Freezes every process of the container (state "paused"). */
  async pause(): Promise<void> {
    const backend = await this.ctx.backend();
    const status = await backend.status(this.record, this.stateDir);
    if (status !== 'running') throw new InvalidStateError(`container not running: ${status}`);
    await backend.pause(this.record);
  }

  async resume(): Promise<void> {
    const backend = await this.ctx.backend();
    const status = await backend.status(this.record, this.stateDir);
    if (status !== 'paused') throw new InvalidStateError(`container not paused: ${status}`);
    await backend.resume(this.record);
  }

  /**
   * Applies new limits to the live container, in the platform's form
   * (linux.resources, or windows.resources). Like runc update, what is given
   * is merged into the container's resources, which are kept in its state.
   */
  async update(resources: LinuxResources | WindowsResources): Promise<void> {
    const backend = await this.ctx.backend();
    if ((await backend.status(this.record, this.stateDir)) === 'stopped') throw new InvalidStateError('container not running');
    this.record.spec = await backend.update(this.record, resources);
    this.ctx.store.write(this.record);
  }

  /** Resource usage, as `runc events --stats` reports it. */
  async stats(): Promise<ContainerStats> {
    return (await this.ctx.backend()).stats(this.record);
  }

  /** Runs another process in the container (as `runc exec`). */
  async exec(process: Process, options: ExecOptions = {}): Promise<ExecProcess> {
    const backend = await this.ctx.backend();
    const started = await backend.exec(this.record, process, options, this.hooks);
    if (options.pidFile) {
      try {
        writePidFile(options.pidFile, started.live.pid);
      } catch (e) {
        // As runc: a process whose pid could not be written does not stay.
        started.live.signal(9);
        if (!options.detach) await started.live.exited;
        throw e;
      }
    }
    return new ExecProcess(started.live, started.console, this.ctx);
  }

  /** OOM kills counted in the container's cgroup so far. */
  async oomKills(): Promise<number> {
    return (await this.ctx.backend()).oomKills(this.record);
  }

  /** Host pids of the container's processes. */
  async processes(): Promise<number[]> {
    return (await this.ctx.backend()).processes(this.record);
  }

  /** Sets the window size of this.console. */
  async resizeConsole(rows: number, cols: number): Promise<void> {
    if (this.console === null) throw new InvalidStateError('this container has no console here');
    (await this.ctx.backend()).resizeConsole(this.console, rows, cols);
  }

  /** Lets Node exit while the container runs, as child_process's unref(). */
  unref(): this {
    this.#live?.ref(false);
    return this;
  }

  ref(): this {
    this.#live?.ref(true);
    return this;
  }

  async delete(options: DeleteOptions = {}): Promise<void> {
    const backend = await this.ctx.backend();
    const status = await backend.status(this.record, this.stateDir);
    if (status !== 'stopped' && status !== 'created' && !options.force) {
      throw new InvalidStateError(`cannot delete container ${this.id} that is not stopped: ${status}`);
    }
    await backend.destroy(this.record, this.hooks, this.#live ?? undefined);
    this.ctx.store.remove(this.id);
  }
}
