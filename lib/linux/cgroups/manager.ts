// One interface for every cgroup driver (v1, v2, systemd): the lifecycle and
// the backend talk only to this. Which driver a host gets is decided in
// ./index.ts from what the host mounts and --systemd-cgroup. The systemd
// driver talks to systemd over D-Bus, so the methods it needs that for may
// return a promise. Whatever waits (for a process to settle, a freeze, a busy
// cgroup to empty) returns a promise and waits on timers, never by blocking
// the thread: an engine may run many containers in one event loop.
import type { LinuxResources } from '../../spec/types.js';

/** runc's `events --stats` data (libcontainer's types.Stats, JSON names). */
export interface CgroupStats {
  cpu?: {
    usage: { total: number; percpu?: number[]; percpu_kernel?: number[]; percpu_user?: number[]; kernel: number; user: number };
    throttling?: { periods?: number; throttled_periods?: number; throttled_time?: number };
  };
  memory?: {
    cache?: number;
    usage?: { limit?: number; usage?: number; max?: number; failcnt?: number };
    swap_usage?: { limit?: number; usage?: number; max?: number; failcnt?: number };
    kernel_usage?: { limit?: number; usage?: number; max?: number; failcnt?: number };
    raw?: Record<string, number>;
  };
  pids?: { current?: number; limit?: number };
  blkio?: Record<string, { major: number; minor: number; op: string; value: number }[]>;
  hugetlb?: Record<string, { usage?: number; max?: number; failcnt: number }>;
}

/**
 * A cgroup a new process joins by itself, before it runs anything of the
 * container's, without the runtime writing its pid to cgroup.procs (which
 * waits for an RCU grace period, ~10 ms on an idle host).
 */
export interface SelfPlacement {
  /** The cgroup2 directory to clone it straight into (clone3 CLONE_INTO_CGROUP). */
  cloneInto?: string;
  /**
   * v1 `tasks` files it writes "0" to: a single-threaded process moving
   * itself takes no global lock.
   */
  tasks: string[];
}

export interface CgroupManager {
  /** 'v1' | 'v2': what the container's cgroup is. */
  readonly version: 'v1' | 'v2';
  /** Where the container's cgroup is, per hierarchy ('' for v2's unified one); kept in the state. */
  readonly paths: Record<string, string>;
  /** The systemd unit that holds the cgroup (systemd driver); kept in the state. */
  readonly unit?: string;
  /**
   * How a new process can join the cgroup by itself, in place of enter():
   * null when it cannot (a systemd unit still to be started).
   */
  selfPlacement(): SelfPlacement | null;
  /**
   * Creates the cgroup (enabling the controllers it needs in its parents)
   * and applies the resources. Throws naming the `linux.resources` field that
   * is wrong; leaves nothing behind when it throws. (systemd: checks the
   * resources and connects; the unit is made by the first enter().)
   */
  create(resources: LinuxResources | undefined): void | Promise<void>;
  /** Moves a process into the cgroup (before it runs any of the user's code). */
  enter(pid: number): void | Promise<void>;
  /** Applies resources to a live container (`update`). */
  update(resources: LinuxResources): void | Promise<void>;
  freeze(): Promise<void>;
  thaw(): Promise<void>;
  /** True when the cgroup is frozen or freezing (state "paused"); never waits. */
  frozen(): boolean;
  stats(): CgroupStats;
  /** Host pids of every process in the cgroup. */
  pids(): number[];
  /** Signals every process in the cgroup (SIGKILL through cgroup.kill where the kernel has it). */
  kill(signal: number): Promise<void>;
  /** Number of OOM kills so far (memory.events oom_kill on v2, memory.oom_control on v1). */
  oomKills(): number;
  /** Removes the cgroup; its processes must be gone. Missing cgroups are fine. */
  destroy(): Promise<void>;
}
