// A process HCS runs for a container (its init or an exec'd one), as the
// LiveInit the container layer holds: pid, exit, ref, signal.
import type { LiveInit } from '../container/backend.js';
import type { ExitStatus } from '../container/types.js';
import { HCS_EVENT, native, type CreatedProcess, type HcsHandle } from './native.js';
import { hcsError, isHresult } from './hresult.js';
import { hcsSignal } from './signals.js';

interface ExitDocument {
  Exited?: boolean;
  ExitCode?: number;
}

/** Windows has exit codes only: no signal number. */
function exitStatus(code: number): ExitStatus {
  return { status: code, code, signal: null };
}

export class HcsProcess implements LiveInit {
  #handle: HcsHandle | null = null;
  #pid = 0;
  #resolve!: (status: ExitStatus | null) => void;
  #exitStatus: ExitStatus | null | undefined;
  readonly exited: Promise<ExitStatus | null>;

  constructor() {
    this.exited = new Promise((resolve) => {
      this.#resolve = resolve;
    });
  }

  get pid(): number {
    return this.#pid;
  }

  get started(): boolean {
    return this.#handle !== null || this.#exitStatus !== undefined;
  }

  get hasExited(): boolean {
    return this.#exitStatus !== undefined;
  }

  /** Takes over a process HCS created: watches for its exit (and catches one that came first). */
  attach(created: CreatedProcess): void {
    const n = native();
    this.#handle = created.process;
    this.#pid = created.pid;
    n.watch(created.process, (type, data) => {
      if (type === HCS_EVENT.ProcessExited) this.#exit(data);
    });
    this.#exit(n.operationNow(created.process, 'properties'));
  }

  #exit(document: string): void {
    const status = JSON.parse(document || '{}') as ExitDocument;
    if (status.Exited) this.end(exitStatus(status.ExitCode ?? 0));
  }

  /** Records the end (null: the process never ran or its status is unknown) and closes the handle. */
  end(status: ExitStatus | null): void {
    if (this.#exitStatus !== undefined) return;
    this.#exitStatus = status;
    if (this.#handle) native().close(this.#handle);
    this.#handle = null;
    this.#resolve(status);
  }

  ref(keepAlive: boolean): void {
    if (this.#handle) native().ref(this.#handle, keepAlive);
  }

  signal(signal: number): void {
    if (!this.#handle) return;
    const action = hcsSignal(signal);
    try {
      if (action.terminate) native().operationNow(this.#handle, 'terminate');
      else native().operationNow(this.#handle, 'signal', action.document);
    } catch (e) {
      // As on Linux, a process that has just exited is not an error to signal.
      const err = hcsError(e);
      if (!isHresult(err, 'HCS_E_PROCESS_ALREADY_STOPPED')) throw err;
    }
  }
}
