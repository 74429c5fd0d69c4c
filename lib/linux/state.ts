// Linux's part of a container's state record, stored beside the shared
// fields in state.json (the layout tsrun has always written).
import type { StateRecord } from '../state/store.js';
import type { CgroupRecord } from './cgroups/index.js';

export interface LinuxState {
  /** With pid, identifies the init process (pids are reused). */
  pidStartTime: number;
  /** The init has a pid namespace of its own, so killing it ends all. */
  ownPidNamespace: boolean;
  /** The container's cgroup: driver version, directories and systemd unit (if any); null when it has none. */
  cgroup: CgroupRecord | null;
}

export type LinuxRecord = StateRecord<LinuxState>;
