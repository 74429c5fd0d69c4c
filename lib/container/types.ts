// The platform-neutral shape of the library: what a Container handle and the
// Runtime offer, and the OCI state every consumer (CLI, engines) sees.

/** OCI runtime state, as `runc state` prints it. */
export interface ContainerState {
  ociVersion: string;
  id: string;
  pid: number;
  status: ContainerStatus;
  bundle: string;
  rootfs: string;
  created: string;
  owner: string;
  annotations?: Record<string, string>;
}

/** Resource usage, as the "data" of `runc events --stats` (cpu, memory, pids, blkio, hugetlb). */
export type ContainerStats = Record<string, unknown>;

export type ContainerStatus = 'creating' | 'created' | 'running' | 'paused' | 'stopped';

/** How the container's init ended: a code, or the signal that killed it. */
export interface ExitStatus {
  /** The exit code as a shell reports it: code, or 128 + signal number. */
  status: number;
  code: number | null;
  signal: number | null;
}

/**
 * Options only a Unix backend has (fd passing, pty over a socket): Linux
 * reads them, Windows refuses them.
 */
export interface UnixProcessOptions {
  /** Unix socket that receives the pty master when process.terminal is set. */
  consoleSocket?: string;
  /** Pass fds 3 .. 3+N-1 of the caller to the process. */
  preserveFds?: number;
}

/** Options of the Linux backend's create (runc's flags); other backends ignore them. */
export interface LinuxCreateFlags {
  /** Use MS_MOVE + chroot instead of pivot_root. */
  noPivot?: boolean;
  /** Do not create a new session keyring. */
  noNewKeyring?: boolean;
}

export interface CreateOptions extends UnixProcessOptions, LinuxCreateFlags {
  /** Write the init's host pid here (as `runc create --pid-file`). */
  pidFile?: string;
  /** The container's stdin, stdout and stderr: fds of this process (default 0, 1, 2). */
  stdio?: [number, number, number];
  /**
   * With process.terminal and no consoleSocket: receive the console in this
   * process, as `container.console` (what `tsrun run` does in the foreground).
   */
  openConsole?: boolean;
  /**
   * The caller will exit and leave the init to its supervisor (a subreaper,
   * as `runc create` does): it is not reaped here, so its status goes there.
   */
  detach?: boolean;
}

/** How `exec` runs its process (the process itself is a config.json `process`). */
export interface ExecOptions extends UnixProcessOptions {
  /** Write the process's host pid here. */
  pidFile?: string;
  /** With process.terminal and no consoleSocket: receive the console here. */
  openConsole?: boolean;
  /** Leave the process to the caller's supervisor: not reaped here (exec --detach). */
  detach?: boolean;
  /** The process's stdin, stdout and stderr: fds of this process (default 0, 1, 2). */
  stdio?: [number, number, number];
  /**
   * Existing sub-cgroups of the container's to run the process in (`runc
   * exec --cgroup`, Linux): controller -> path below the container's cgroup,
   * or "" -> one path below it in every hierarchy.
   */
  subCgroupPaths?: Record<string, string>;
}

export interface DeleteOptions {
  /** Kill a running container first (SIGKILL), as `runc delete --force`. */
  force?: boolean;
}

export interface KillOptions {
  /** Signal every process of the container, not only init. */
  all?: boolean;
}

export interface RuntimeOptions {
  /** State directory (default /run/tsrun; $XDG_RUNTIME_DIR/tsrun when not root). */
  root?: string;
  /** Where warnings go (unknown capabilities, failed poststart hooks...); default process.emitWarning. */
  onWarning?: (message: string) => void;
  /** Where debug messages go (what the runtime did, as `--debug` shows); default: dropped. */
  onDebug?: (message: string) => void;
  /** Linux: manage cgroups through systemd (`--systemd-cgroup`); the container layer only passes it on. */
  systemdCgroup?: boolean;
}
