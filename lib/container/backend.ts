// What an operating system must provide to run containers. lib/container
// holds the lifecycle (policy shared by every platform); lib/linux and
// lib/windows fill this interface with the mechanism, and lib/platform.ts
// picks the one for the host.
import type { Readable, Writable } from 'node:stream';
import type { Process, Spec } from '../spec/types.js';
import type { StateRecord } from '../state/store.js';
import type { ContainerStats, ContainerStatus, CreateOptions, ExecOptions, ExitStatus, RuntimeOptions } from './types.js';
import type { SpecState } from './state.js';

/** An init this process created and still holds handles to. */
export interface LiveInit {
  /** The host pid; 0 until start where the init is created at start (Windows). */
  readonly pid: number;
  /** Resolves when the init exits: its status, or null when it is not ours to read. */
  readonly exited: Promise<ExitStatus | null>;
  /** Lets Node exit while the init runs (or keeps it alive again). */
  ref(keepAlive: boolean): void;
  /** Signals the process unless it has exited (never another process that took its pid). */
  signal(signal: number): void;
}

export interface StartedProcess<Live extends LiveInit = LiveInit> {
  live: Live;
  /** The console this process holds, when options.openConsole asked for it (a pty master fd on Linux). */
  console: number | null;
}

/** What create made: the init, and what the state record keeps of it. */
export interface CreatedInit<Own extends object = object, Live extends LiveInit = LiveInit> extends StartedProcess<Live> {
  /** The container's root filesystem as `state` reports it. */
  rootfs: string;
  /** The backend's own part of the state record (stored beside the shared fields). */
  state: Own;
}

/** What operations need from the container layer: warnings, debug messages and the OCI state hooks get. */
export interface HookContext {
  warn(message: string): void;
  debug(message: string): void;
  stateOf(status: ContainerStatus, pid: number): SpecState;
}

export interface CreateRequest extends HookContext {
  id: string;
  spec: Spec;
  bundle: string;
  stateDir: string;
  options: CreateOptions;
  /** The Runtime's options, for those a backend reads (Linux: systemdCgroup). */
  runtime: RuntimeOptions;
}

/**
 * The mechanism of one platform. Own is the backend's part of the state
 * record, Live the handle of a process it runs: the container layer only
 * hands back what the same backend gave it.
 */
export interface Backend<Own extends object = object, Live extends LiveInit = LiveInit> {
  /** Checks what the spec needs on this platform (root, process fields, paths); throws SpecError. */
  validate(spec: Spec): void;
  /** Sets the container up and leaves its init blocked before exec. */
  create(req: CreateRequest): Promise<CreatedInit<Own, Live>>;
  /**
   * Lets a created init exec the user's program. Resolves with the init's pid
   * when it is known only now (Windows creates the init at start): the
   * container layer records it.
   */
  start(record: StateRecord<Own>, stateDir: string, hooks: HookContext, live?: Live): Promise<number | void>;
  status(record: StateRecord<Own>, stateDir: string): Promise<ContainerStatus>;
  signal(record: StateRecord<Own>, signal: number, all: boolean): Promise<void>;
  /** Watches an init this process did not create (null: it is gone). */
  attach(record: StateRecord<Own>): Live | null;
  pause(record: StateRecord<Own>): Promise<void>;
  resume(record: StateRecord<Own>): Promise<void>;
  /**
   * Applies new resource limits (the platform's form: linux.resources or
   * windows.resources) to a live container; resolves with the spec that has
   * them merged in, which the container layer keeps.
   */
  update(record: StateRecord<Own>, resources: object): Promise<Spec>;
  stats(record: StateRecord<Own>): Promise<ContainerStats>;
  /** Host pids of the container's processes. */
  processes(record: StateRecord<Own>): Promise<number[]>;
  oomKills(record: StateRecord<Own>): Promise<number>;
  /** Starts a process in the running container; resolves once it has exec'd. */
  exec(record: StateRecord<Own>, process: Process, options: ExecOptions, hooks: HookContext): Promise<StartedProcess<Live>>;
  /** Sets the size of a console this process holds. */
  resizeConsole(console: number, rows: number, cols: number): void;
  /** Streams over a console this process holds: output comes from the container's terminal, input goes to it. */
  consoleStreams(console: number): { output: Readable; input: Writable };
  /** Puts this process's terminal on fd in raw mode (for relaying a console); returns what restores it. */
  rawTerminal(fd: number): () => void;
  /** Kills whatever still runs and waits until it is gone. */
  destroy(record: StateRecord<Own>, hooks: HookContext, live?: Live): Promise<void>;
  /** What the runtime supports here, as `runc features` prints it. */
  features(): object;
}
