// The cgroup v1 driver (runc's libcontainer/cgroups/fs): one directory per
// mounted hierarchy, the resources written per controller (one file each
// here), and on a hybrid host the cgroup2 mount joined too, as runc does.
//
//   const paths = v1Paths(spec, id)     // { memory: '/sys/fs/cgroup/memory/<id>', 'cpu,cpuacct': ..., 'name=systemd': ..., '': ... }
//   const cg = v1Manager(paths)         // or, later, from the state: v1Manager(record.paths)
//   cg.create(spec.linux?.resources)    // mkdir + limits; throws SpecError naming the field, leaves nothing
//   cg.enter(pid)
//
// Paths keys are hierarchies as mounted ("cpu,cpuacct" when co-mounted,
// "name=systemd", "" for a hybrid host's cgroup2), so a manager rebuilt from
// the state alone knows which controller lives where.
import { mkdirSync, existsSync } from 'node:fs';
import { dirname } from 'node:path';
import type { LinuxResources, Spec } from '../../../spec/types.js';
import { SpecError } from '../../../spec/errors.js';
import { TsrunError } from '../../../errors.js';
import type { CgroupManager, CgroupStats, SelfPlacement } from '../manager.js';
import { cgroupHost } from '../host.js';
import { containerCgroupPath } from '../path.js';
import { errno, reason, treePids, writeRaw } from '../files.js';
import { removeCgroup, removeUnused } from '../remove.js';
import { CONTROLLERS, hugetlb } from './controllers.js';
import { applyCpuRt } from './cpu.js';
import { cpusetInherit } from './cpuset.js';
import { memoryOomKills, validateMemory } from './memory.js';
import { applyHugetlb, hugetlbStats, hugetlbWanted, validateHugetlb } from './hugetlb.js';
import { validateDevices } from './devices.js';
import { freeze, isFrozen, thaw } from './freezer.js';
import { applyUnified, enableUnified, unifiedControllers, validateUnified } from './unified.js';

/** The controllers runc's fs driver knows (a hierarchy with one of them is joined). */
const KNOWN = new Set([
  'cpuset', 'devices', 'memory', 'cpu', 'cpuacct', 'pids', 'blkio', 'hugetlb',
  'net_cls', 'net_prio', 'perf_event', 'freezer', 'rdma', 'misc',
]);

const SIGKILL = 9;

/**
 * The container's cgroup directory in each hierarchy of this v1 or hybrid
 * host, by runc's cgroupsPath rules (relative to the runtime's own cgroup in
 * that hierarchy, or from the root when absolute). Named hierarchies other
 * than name=systemd are left alone, as runc does.
 */
export function v1Paths(spec: Spec, id: string): Record<string, string> {
  return v1PathsAt((own) => containerCgroupPath(spec, id, own));
}

/**
 * The directory in each hierarchy the v1 driver joins, for a cgroup path
 * chosen per hierarchy by `at` (given the runtime's own cgroup there).
 */
export function v1PathsAt(at: (own: string) => string): Record<string, string> {
  const host = cgroupHost();
  if (host.unified) throw new TsrunError('the cgroup v1 driver needs a v1 or hybrid host; /sys/fs/cgroup is cgroup2');
  const paths: Record<string, string> = {};
  for (const h of host.hierarchies) {
    let key: string;
    if (h.fstype === 'cgroup2') {
      key = '';
    } else {
      key = h.options.replace(/^none,/, '');
      const parts = key.split(',');
      if (!parts.some((p) => KNOWN.has(p)) && !parts.includes('name=systemd')) continue;
    }
    if (key in paths) continue; // one hierarchy mounted twice
    paths[key] = `${h.mountpoint}${at(h.path)}`;
  }
  return paths;
}

export function v1Manager(paths: Record<string, string>): CgroupManager {
  return new V1Manager(paths);
}

class V1Manager implements CgroupManager {
  readonly version = 'v1' as const;
  readonly paths: Record<string, string>;
  /** controller -> directory ("cpu" and "cpuacct" may share one). */
  private readonly dirs = new Map<string, string>();
  /** The hybrid host's cgroup2 directory, if any. */
  private readonly unified: string | undefined;
  /** Every distinct directory, in a stable order. */
  private readonly all: string[];
  /** Directories create() made, parents first: exactly what to remove. */
  private created: string[] = [];

  constructor(paths: Record<string, string>) {
    this.paths = { ...paths };
    for (const [key, dir] of Object.entries(paths)) {
      if (key === '') this.unified = dir;
      else for (const c of key.split(',')) this.dirs.set(c, dir);
    }
    this.all = [...new Set(Object.keys(paths).sort().map((k) => paths[k]))];
  }

  /** hugetlb is applied on the cgroup2 mount when only it has the controller. */
  private hugetlbOnUnified(): boolean {
    return !this.dirs.has('hugetlb') && this.unified !== undefined && unifiedControllers(this.unified).includes('hugetlb');
  }

  /** Refuses what cannot be applied, before anything is created. */
  private validate(r: LinuxResources | undefined, devices: boolean): void {
    if (devices) {
      validateDevices(r);
      if (!this.dirs.has('devices')) {
        throw new SpecError('linux.resources.devices', 'the devices cgroup controller is not mounted: refusing to run a container without device isolation');
      }
    }
    if (!r) return;
    validateMemory(r.memory);
    if (hugetlbWanted(r.hugepageLimits)) validateHugetlb(r.hugepageLimits);
    for (const c of CONTROLLERS) {
      const field = c.requested?.(r);
      if (!field || this.dirs.has(c.name) || (c === hugetlb && this.hugetlbOnUnified())) continue;
      throw new SpecError(field, `cannot set ${c.name} limit: the ${c.name} cgroup controller is not mounted on this host`);
    }
    validateUnified(r.unified, this.unified);
  }

  /** Writes the resources, controller by controller in runc's order. */
  private apply(r: LinuxResources | undefined, devices: boolean): void {
    for (const c of CONTROLLERS) {
      const dir = this.dirs.get(c.name);
      if (dir) c.apply?.(dir, r, devices);
      else if (c === hugetlb && this.unified && hugetlbWanted(r?.hugepageLimits)) {
        enableUnified(this.unified, ['hugetlb'], 'linux.resources.hugepageLimits');
        applyHugetlb(this.unified, r?.hugepageLimits, true);
      }
    }
    if (this.unified) applyUnified(this.unified, r?.unified);
  }

  private mkdirs(dir: string): void {
    const missing: string[] = [];
    for (let d = dir; !existsSync(d); d = dirname(d)) missing.unshift(d);
    for (const d of missing) {
      try {
        mkdirSync(d, 0o755);
      } catch (e) {
        if (errno(e) === 'EEXIST') continue; // made by someone else meanwhile: theirs
        throw new SpecError('linux.cgroupsPath', `cannot create cgroup ${d}: ${reason(e)}`);
      }
      this.created.push(d);
    }
  }

  /** Removes what create() made, deepest first; errors are left to the caller's error. */
  private removeCreated(): void {
    removeUnused(this.created);
    this.created = [];
  }

  create(resources: LinuxResources | undefined): void {
    this.validate(resources, true);
    try {
      for (const dir of this.all) this.mkdirs(dir);
      const cpuset = this.dirs.get('cpuset');
      if (cpuset) cpusetInherit(cpuset);
      // The realtime budget first, as runc does before any task joins.
      const cpu = this.dirs.get('cpu');
      if (cpu) applyCpuRt(cpu, resources?.cpu);
      this.apply(resources, true);
    } catch (e) {
      this.removeCreated();
      if (e instanceof SpecError) throw e;
      throw new SpecError('linux.resources', `cannot set up the container's cgroups: ${reason(e)}`);
    }
  }

  /** Each v1 hierarchy through its tasks file; a hybrid host's cgroup2 one by clone3. */
  selfPlacement(): SelfPlacement {
    return {
      cloneInto: this.unified,
      tasks: this.all.filter((dir) => dir !== this.unified).map((dir) => `${dir}/tasks`),
    };
  }

  enter(pid: number): void {
    for (const dir of this.all) {
      try {
        writeRaw(dir, 'cgroup.procs', String(pid));
      } catch (e) {
        throw new TsrunError(`cannot move process ${pid} into cgroup ${dir}: ${reason(e)}`);
      }
    }
  }

  /**
   * Applies resources to the live cgroup. Pass the container's whole
   * resources (the config merged with the changes, as runc update does):
   * what is absent is left as it is, and the device rules are rewritten
   * only when `devices` is present.
   */
  update(resources: LinuxResources): void {
    const devices = resources.devices !== undefined;
    this.validate(resources, devices);
    this.apply(resources, devices);
  }

  private freezerDir(): string {
    const dir = this.dirs.get('freezer');
    if (!dir) throw new TsrunError('cannot toggle freezer: the freezer cgroup controller is not mounted');
    return dir;
  }

  freeze(): Promise<void> {
    return freeze(this.freezerDir());
  }

  thaw(): Promise<void> {
    return thaw(this.freezerDir());
  }

  frozen(): boolean {
    const dir = this.dirs.get('freezer');
    return dir !== undefined && existsSync(dir) && isFrozen(dir);
  }

  stats(): CgroupStats {
    const out: CgroupStats = {};
    for (const c of CONTROLLERS) {
      const dir = this.dirs.get(c.name);
      if (dir && existsSync(dir)) c.stats?.(dir, out);
    }
    if (this.unified && existsSync(this.unified) && this.hugetlbOnUnified()) hugetlbStats(this.unified, out, true);
    return out;
  }

  pids(): number[] {
    // Any hierarchy holds every process (all are entered everywhere); runc
    // reads the devices one. Sub-cgroups the container made count too.
    const dir = ['pids', 'memory', 'devices', 'freezer', 'cpu'].map((c) => this.dirs.get(c)).find((x) => x) ?? this.all[0];
    return dir ? [...new Set(treePids(dir))] : [];
  }

  async kill(signal: number): Promise<void> {
    // For SIGKILL, freeze first so nothing forks between reading the pids
    // and signalling them, then thaw so the frozen tasks can die (runc's
    // signalAllProcesses).
    const fr = this.dirs.get('freezer');
    let frozeIt = false;
    let pids = this.pids();
    // An empty cgroup has no one left to fork: nothing to freeze or signal
    // (delete of a stopped container).
    if (pids.length === 0) return;
    if (signal === SIGKILL && fr !== undefined && existsSync(fr)) {
      try {
        await freeze(fr);
        frozeIt = true;
        pids = this.pids(); // as they are now that none can fork
      } catch { /* kill anyway, as runc does with a warning (freeze() thawed it back) */ }
    }
    try {
      for (const pid of pids) {
        try {
          process.kill(pid, signal);
        } catch (e) {
          if (errno(e) !== 'ESRCH') throw new TsrunError(`cannot signal process ${pid}: ${reason(e)}`);
        }
      }
    } finally {
      if (frozeIt && fr) await thaw(fr);
    }
  }

  oomKills(): number {
    const memory = this.dirs.get('memory');
    if (!memory || !existsSync(memory)) return 0;
    return memoryOomKills(memory);
  }

  async destroy(): Promise<void> {
    const failed: string[] = [];
    for (const dir of this.all) {
      try {
        await removeCgroup(dir);
      } catch (e) {
        failed.push((e as Error).message);
      }
    }
    // Parents create() made for this container (a nested cgroupsPath); a
    // shared parent still in use stays.
    const leaves = new Set(this.all);
    removeUnused(this.created.filter((d) => !leaves.has(d)));
    this.created = [];
    if (failed.length) throw new TsrunError(`cannot remove cgroups: ${failed.join('; ')}`);
  }
}
