// The cgroup driver for this host: v2 where /sys/fs/cgroup is unified, v1
// (with a hybrid host's cgroup2 mount) elsewhere; the systemd driver (over
// either) when asked for with --systemd-cgroup, where systemd runs.
import { existsSync } from 'node:fs';
import type { Spec } from '../../spec/types.js';
import { TsrunError } from '../../errors.js';
import { cgroupHost } from './host.js';
import type { CgroupManager } from './manager.js';
import { loadSystemdManager, systemdManager } from './systemd/manager.js';
import { systemdUnit } from './systemd/unit.js';
import { v1Manager, v1Paths } from './v1/manager.js';
import { v2Manager, v2Path } from './v2/manager.js';

/** What the state keeps to find the cgroup again. */
export interface CgroupRecord {
  version: 'v1' | 'v2';
  paths: Record<string, string>;
  /** The systemd unit holding it (--systemd-cgroup). */
  unit?: string;
}

/** True where systemd is the init (sd_booted()'s test). */
export function systemdRunning(): boolean {
  return existsSync('/run/systemd/system');
}

/** The manager of a new container's cgroup (nothing is created yet). */
export function cgroupManagerFor(spec: Spec, id: string, systemd: boolean): CgroupManager | null {
  if (systemd) {
    // The driver asks systemd for the cgroup: without it there is no one to ask.
    if (!systemdRunning()) {
      throw new TsrunError('--systemd-cgroup: the systemd cgroup driver needs systemd, which is not running on this host');
    }
    if (process.getuid?.() !== 0) {
      throw new TsrunError('--systemd-cgroup: the systemd cgroup driver needs root (a user\'s systemd instance is not supported)');
    }
    return systemdManager(systemdUnit(spec.linux?.cgroupsPath, id), id);
  }
  // An unprivileged caller cannot make cgroups unless they were delegated to it.
  if (process.getuid?.() !== 0 && !spec.linux?.cgroupsPath) return null;
  if (cgroupHost().unified) return v2Manager(v2Path(spec, id));
  return v1Manager(v1Paths(spec, id));
}

export function loadCgroupManager(record: CgroupRecord): CgroupManager {
  if (record.unit) return loadSystemdManager(record.unit, record.version, record.paths);
  return record.version === 'v2' ? v2Manager(record.paths['']!) : v1Manager(record.paths);
}
