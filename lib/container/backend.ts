// What an operating system must provide to run containers. lib/container
// holds the lifecycle (policy shared by every platform); lib/linux (and later
// lib/windows) fill this interface with the mechanism.
import type { LinuxResources, Process, Spec } from '../spec/types.js';
import type { StateRecord } from '../state/store.js';
import type { ContainerStats, ContainerStatus, CreateOptions, ExecOptions, ExitStatus } from './types.js';
import type { SpecState } from './state.js';

/** An init this process created and still holds handles to. */
export interface LiveInit {
  readonly pid: number;
  /** Resolves when the init exits: its status, or null when it is not ours to read. */
  readonly exited: Promise<ExitStatus | null>;
  /** Lets Node exit while the init runs (or keeps it alive again). */
  ref(keepAlive: boolean): void;
  /** Signals the process unless it has exited (never another process that took its pid). */
  signal(signal: number): void;
}

export interface StartedProcess {
  live: LiveInit;
  /** The pty master, when options.openConsole asked for it. */
  console: number | null;
}

export interface CreatedInit {
  live: LiveInit;
  cgroup: StateRecord['cgroup'];
  /** The pty master, when options.openConsole asked for it. */
  console: number | null;
  pidStartTime: number;
  rootfs: string;
  ownPidNamespace: boolean;
}

/** What operations need from the container layer: warnings, debug messages and the OCI state hooks get. */
export interface HookContext {
  warn(message: string): void;
  debug(message: string): void;
  stateOf(status: ContainerStatus, pid: number): SpecState;
}

export interface CreateRequest extends HookContext {
  id: string;
  /** Use the systemd cgroup driver (--systemd-cgroup). */
  systemdCgroup: boolean;
  spec: Spec;
  bundle: string;
  stateDir: string;
  options: CreateOptions;
}

export interface Backend {
  /** Sets the container up and leaves its init blocked before exec. */
  create(req: CreateRequest): Promise<CreatedInit>;
  /** Lets a created init exec the user's program. */
  start(record: StateRecord, stateDir: string, hooks: HookContext, live?: LiveInit): Promise<void>;
  status(record: StateRecord, stateDir: string): ContainerStatus;
  signal(record: StateRecord, signal: number, all: boolean): void | Promise<void>;
  /** Watches an init this process did not create (null: it is gone). */
  attach(record: StateRecord): LiveInit | null;
  pause(record: StateRecord): void | Promise<void>;
  resume(record: StateRecord): void | Promise<void>;
  /** Applies new resource limits to a live container. */
  update(record: StateRecord, resources: LinuxResources): Promise<void>;
  stats(record: StateRecord): ContainerStats;
  /** Host pids of the container's processes. */
  processes(record: StateRecord): number[];
  oomKills(record: StateRecord): number;
  /** Starts a process in the running container; resolves once it has exec'd. */
  exec(record: StateRecord, process: Process, options: ExecOptions, hooks: HookContext): Promise<StartedProcess>;
  /** Sets the size of a console this process holds. */
  resizeConsole(console: number, rows: number, cols: number): void;
  /** Kills whatever still runs and waits until it is gone. */
  destroy(record: StateRecord, hooks: HookContext, live?: LiveInit): Promise<void>;
}
