// The cgroup driver for this host: v2 where /sys/fs/cgroup is unified, v1
// (with a hybrid host's cgroup2 mount) elsewhere; systemd when asked for.
// PLACEHOLDER (lead): the v1 and v2 drivers land next; until then no cgroup.
import type { Spec } from '../../spec/types.js';
import type { CgroupManager } from './manager.js';

/** What the state keeps to find the cgroup again. */
export interface CgroupRecord {
  version: 'v1' | 'v2';
  paths: Record<string, string>;
}

export function cgroupManagerFor(_spec: Spec, _id: string, _systemd: boolean): CgroupManager | null {
  return null;
}

export function loadCgroupManager(_record: CgroupRecord): CgroupManager {
  throw new Error('no cgroup driver yet');
}
