// The cgroup driver for this host: v2 where /sys/fs/cgroup is unified, v1
// (with a hybrid host's cgroup2 mount) elsewhere. The systemd driver is asked
// for with --systemd-cgroup; it needs systemd running.
import { existsSync } from 'node:fs';
import type { Spec } from '../../spec/types.js';
import { TsrunError } from '../../errors.js';
import { cgroupHost } from './host.js';
import type { CgroupManager } from './manager.js';
import { v1Manager, v1Paths } from './v1/manager.js';
import { v2Manager, v2Path } from './v2/manager.js';

/** What the state keeps to find the cgroup again. */
export interface CgroupRecord {
  version: 'v1' | 'v2';
  paths: Record<string, string>;
}

/** The manager of a new container's cgroup (nothing is created yet). */
export function cgroupManagerFor(spec: Spec, id: string, systemd: boolean): CgroupManager | null {
  if (systemd) {
    // The systemd driver talks to systemd over D-Bus; without it there is nothing to talk to.
    const why = existsSync('/run/systemd/system') ? 'is not supported yet' : 'needs systemd, which is not running on this host';
    throw new TsrunError(`--systemd-cgroup: the systemd cgroup driver ${why}`);
  }
  // An unprivileged caller cannot make cgroups unless they were delegated to it.
  if (process.getuid?.() !== 0 && !spec.linux?.cgroupsPath) return null;
  if (cgroupHost().unified) return v2Manager(v2Path(spec, id));
  return v1Manager(v1Paths(spec, id));
}

export function loadCgroupManager(record: CgroupRecord): CgroupManager {
  return record.version === 'v2' ? v2Manager(record.paths['']!) : v1Manager(record.paths);
}
