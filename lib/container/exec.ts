// A process exec'd into a running container: its pid, its exit, its console.
import { EventEmitter } from 'node:events';
import type { LiveInit } from './backend.js';
import type { RuntimeContext } from './container.js';
import { parseSignal } from './signal.js';
import { InvalidStateError } from '../errors.js';
import type { ExitStatus } from './types.js';

export class ExecProcess extends EventEmitter {
  constructor(
    private readonly live: LiveInit,
    /** The pty master, when exec'd with a terminal and openConsole. */
    readonly console: number | null,
    private readonly ctx: RuntimeContext,
  ) {
    super();
    live.exited.then((status) => this.emit('exit', status));
  }

  get pid(): number {
    return this.live.pid;
  }

  /** Its exit status (this process is its parent, so the status is known). */
  wait(): Promise<ExitStatus | null> {
    return this.live.exited;
  }

  kill(signal: number | string = 'SIGTERM'): void {
    this.live.signal(parseSignal(signal));
  }

  async resizeConsole(rows: number, cols: number): Promise<void> {
    if (this.console === null) throw new InvalidStateError('this process has no console here');
    (await this.ctx.backend()).resizeConsole(this.console, rows, cols);
  }

  unref(): this {
    this.live.ref(false);
    return this;
  }
}
