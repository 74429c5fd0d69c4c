// The v1 controllers the manager drives, in the order runc's fs driver
// applies them (its subsystem list): what part of linux.resources asks for
// each, how it is written, and what it adds to the stats. The files per
// controller (cpu.ts, memory.ts, ...) do the work; v2 has its own table
// (../v2/manager.ts).
import type { LinuxResources } from '../../../spec/types.js';
import type { CgroupStats } from '../manager.js';
import { applyBlkio, blkioStats, blkioWanted } from './blkio.js';
import { applyCpu, cpuStats, cpuWanted } from './cpu.js';
import { cpuacctStats } from './cpuacct.js';
import { applyCpuset, cpusetWanted } from './cpuset.js';
import { applyDevices } from './devices.js';
import { applyHugetlb, hugetlbStats, hugetlbWanted } from './hugetlb.js';
import { applyMemory, memoryStats, memoryWanted } from './memory.js';
import { applyNetCls, applyNetPrio, netClsWanted, netPrioWanted } from './net.js';
import { applyPids, pidsStats, pidsWanted } from './pids.js';
import { applyRdma, rdmaWanted } from './rdma.js';

export interface V1Controller {
  /** The controller's name in a hierarchy's mount options ("cpu", "net_cls"). */
  readonly name: string;
  /** The config.json field that asks for this controller, or undefined when nothing does. */
  requested?(r: LinuxResources): string | undefined;
  /**
   * Writes its part of the resources to its directory; `devices` says
   * whether the device rules are to be written (create, or an update that has them).
   */
  apply?(dir: string, r: LinuxResources | undefined, devices: boolean): void;
  stats?(dir: string, out: CgroupStats): void;
}

const field = (wanted: boolean, name: string): string | undefined => (wanted ? name : undefined);

/** A controller driven by one key of linux.resources (`linux.resources.${key}`, or `at` when given). */
function byKey<K extends keyof LinuxResources>(
  name: string,
  key: K,
  wanted: (v: LinuxResources[K]) => boolean,
  apply: (dir: string, v: LinuxResources[K]) => void,
  stats?: (dir: string, out: CgroupStats) => void,
  at = `linux.resources.${key}`,
): V1Controller {
  return { name, requested: (r) => field(wanted(r[key]), at), apply: (dir, r) => apply(dir, r?.[key]), stats };
}

/** Also applied on a hybrid host's cgroup2 mount when only that has the controller (the manager's case). */
export const hugetlb = byKey('hugetlb', 'hugepageLimits', hugetlbWanted, applyHugetlb, hugetlbStats);

export const CONTROLLERS: readonly V1Controller[] = [
  {
    name: 'cpuset',
    requested: (r) => field(cpusetWanted(r.cpu), r.cpu?.cpus ? 'linux.resources.cpu.cpus' : 'linux.resources.cpu.mems'),
    apply: (dir, r) => { if (r?.cpu) applyCpuset(dir, r.cpu); },
  },
  { name: 'devices', apply: (dir, r, devices) => { if (devices) applyDevices(dir, r); } },
  byKey('memory', 'memory', memoryWanted, applyMemory, memoryStats),
  byKey('cpu', 'cpu', cpuWanted, applyCpu, cpuStats),
  { name: 'cpuacct', stats: cpuacctStats },
  byKey('pids', 'pids', pidsWanted, applyPids, pidsStats),
  byKey('blkio', 'blockIO', blkioWanted, applyBlkio, blkioStats),
  hugetlb,
  byKey('net_cls', 'network', netClsWanted, applyNetCls, undefined, 'linux.resources.network.classID'),
  byKey('net_prio', 'network', netPrioWanted, applyNetPrio, undefined, 'linux.resources.network.priorities'),
  byKey('rdma', 'rdma', rdmaWanted, applyRdma),
];
