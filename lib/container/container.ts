// A container handle: the library's face of one container, whether this
// process created it or loaded it from the state directory.
import { EventEmitter } from 'node:events';
import type { Backend, LiveInit } from './backend.js';
import type { StateStore, StateRecord } from '../state/store.js';
import { InvalidStateError } from '../errors.js';
import { parseSignal } from './signal.js';
import type { ContainerState, DeleteOptions, ExitStatus, KillOptions } from './types.js';

export interface RuntimeContext {
  store: StateStore;
  backend(): Promise<Backend>;
}

export class Container extends EventEmitter {
  #live: LiveInit | null;

  constructor(
    private readonly ctx: RuntimeContext,
    private readonly record: StateRecord,
    live: LiveInit | null,
  ) {
    super();
    this.#live = live;
    live?.exited.then((status) => this.emit('exit', status));
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

  private get stateDir(): string {
    return this.ctx.store.dir(this.record.id);
  }

  async state(): Promise<ContainerState> {
    const backend = await this.ctx.backend();
    const status = backend.status(this.record, this.stateDir);
    const { ociVersion, id, bundle, rootfs, created, annotations } = this.record;
    return {
      ociVersion,
      id,
      pid: status === 'stopped' ? 0 : this.record.pid,
      status,
      bundle,
      rootfs,
      created,
      owner: '',
      ...(annotations && Object.keys(annotations).length ? { annotations } : {}),
    };
  }

  /** Runs the user's program in the created container. */
  async start(): Promise<void> {
    const backend = await this.ctx.backend();
    const status = backend.status(this.record, this.stateDir);
    if (status === 'stopped') throw new InvalidStateError('cannot start a container that has stopped');
    if (status !== 'created') throw new InvalidStateError('cannot start an already running container');
    await backend.start(this.record, this.stateDir, this.#live ?? undefined);
  }

  async kill(signal: number | string = 'SIGTERM', options: KillOptions = {}): Promise<void> {
    const sig = parseSignal(signal);
    const backend = await this.ctx.backend();
    backend.signal(this.record, sig, options.all ?? false);
  }

  /**
   * Resolves when the init exits: its status when this process created it,
   * null when another process did (only the parent can read the status).
   */
  async wait(): Promise<ExitStatus | null> {
    if (!this.#live) this.#live = (await this.ctx.backend()).attach(this.record);
    return this.#live ? this.#live.exited : null;
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
    const status = backend.status(this.record, this.stateDir);
    if (status !== 'stopped' && status !== 'created' && !options.force) {
      throw new InvalidStateError(`cannot delete container ${this.id} that is not stopped: ${status}`);
    }
    await backend.destroy(this.record, this.#live ?? undefined);
    this.ctx.store.remove(this.id);
  }
}
