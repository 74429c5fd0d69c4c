// The cgroup v2 driver: one directory in the unified hierarchy per container,
// as runc's libcontainer/cgroups/fs2 manages it (and youki's libcgroups v2).
// Each controller's part of linux.resources is in its own file (cpu.ts,
// memory.ts, ...); this file creates and removes the directory, enables the
// controllers in the ancestors, moves processes in, freezes, kills, and
// gathers the stats.
import { mkdirSync, readFileSync } from 'node:fs';
import { posix } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { TsrunError } from '../../../errors.js';
import { SpecError } from '../../../spec/errors.js';
import type { LinuxResources, Spec } from '../../../spec/types.js';
import type { CgroupManager, CgroupStats, SelfPlacement } from '../manager.js';
import { containerCgroupPath } from '../path.js';
import type { ApplyContext, V2Controller } from './controller.js';
import { cpu } from './cpu.js';
import { cpuset } from './cpuset.js';
import { devices } from './devices.js';
import { controllerList, errno, exists, readOptional, reason, treePids, writeRaw } from '../files.js';
import { isFrozen, setFrozen } from './freezer.js';
import { hugetlb } from './hugetlb.js';
import { io } from './io.js';
import { memory, oomKillCount } from './memory.js';
import { pids } from './pids.js';
import { rdma } from './rdma.js';
import { removeCgroup, removeUnused } from '../remove.js';
import { unified } from './unified.js';

export const DEFAULT_MOUNTPOINT = '/sys/fs/cgroup';

/** In the order runc's fs2 Set applies them; unified last, so it overrides. */
const CONTROLLERS: V2Controller[] = [pids, memory, io, cpu, devices, cpuset, hugetlb, rdma, unified];

/** Controllers that make a cgroup a domain (not threaded) one (runc's containsDomainController). */
const DOMAIN = new Set(['memory', 'io', 'cpu', 'hugetlb']);

/** This process's cgroup in the unified hierarchy ("0::" in /proc/self/cgroup). */
function ownCgroup(): string {
  const m = /^0::(.*)$/m.exec(readFileSync('/proc/self/cgroup', 'utf8'));
  return m ? m[1] : '/';
}

/**
 * The container's cgroup directory, by runc's fs2 rules: an absolute
 * linux.cgroupsPath is taken from the hierarchy's root; a relative one (and
 * the id when unset) goes under the *parent* of the runtime's own cgroup,
 * which, unlike the runtime's own, has no processes of its own and so can
 * enable controllers for children.
 */
export function v2Path(spec: Spec, id: string, mountpoint = DEFAULT_MOUNTPOINT): string {
  return posix.join(mountpoint, containerCgroupPath(spec, id, posix.dirname(ownCgroup())));
}

function validate(r: LinuxResources): void {
  for (const c of CONTROLLERS) c.validate?.(r);
}

/** [controller, field] for every controller the resources ask for. */
function needs(r: LinuxResources): [string, string][] {
  const out: [string, string][] = [];
  for (const c of CONTROLLERS) {
    if (!c.name) continue;
    const field = c.requested(r);
    if (field) out.push([c.name, field]);
  }
  return [...out, ...unified.needs(r)];
}

function checkAvailable(dir: string, r: LinuxResources, available: ReadonlySet<string>): void {
  for (const [controller, field] of needs(r)) {
    if (available.has(controller)) continue;
    const list = [...available].join(' ') || 'none';
    throw new SpecError(field, `the ${controller} controller is not available for ${dir} (its cgroup.controllers has: ${list})`);
  }
}

function applyAll(ctx: ApplyContext, r: LinuxResources): void {
  for (const c of CONTROLLERS) c.apply(ctx, r);
}

class V2Manager implements CgroupManager {
  readonly version = 'v2' as const;
  readonly paths: Record<string, string>;
  /** Directories create() made, outermost first (removed innermost first). */
  private created: string[] = [];

  constructor(
    readonly path: string,
    readonly root: string,
  ) {
    this.paths = { '': path };
  }

  selfPlacement(): SelfPlacement {
    return { cloneInto: this.path, tasks: [] };
  }

  /** The directories this manager created (for a caller that wants to keep them). */
  get createdDirs(): readonly string[] {
    return this.created;
  }

  create(resources: LinuxResources | undefined): void {
    const r = resources ?? {};
    validate(r);
    const created: string[] = [];
    try {
      this.makePath(r, created);
      const available = new Set(controllerList(this.path));
      checkAvailable(this.path, r, available);
      applyAll({ dir: this.path, available, update: false }, r);
    } catch (e) {
      removeUnused(created);
      throw e;
    }
    this.created = created;
  }

  /**
   * mkdir -p from the mount root, enabling in every ancestor the controllers
   * it has (runc's CreateCgroupPath: "+cpu +io +memory +pids ..." at once,
   * else one by one, ignoring refusals: what is missing is reported when a
   * resource needs it).
   */
  private makePath(r: LinuxResources, created: string[]): void {
    const parts = this.path.slice(this.root.length).split('/').filter(Boolean);
    const domain = needs(r).some(([c]) => DOMAIN.has(c));
    let current = this.root;
    for (let i = 0; i <= parts.length; i++) {
      if (i > 0) {
        current = posix.join(current, parts[i - 1]);
        try {
          mkdirSync(current, 0o755);
          created.push(current);
        } catch (e) {
          if (errno(e) !== 'EEXIST') throw new SpecError('linux.cgroupsPath', `creating cgroup ${current}: ${reason(e)}`);
        }
        this.checkType(current, domain);
      }
      if (i < parts.length) enableControllers(current);
    }
  }

  /** A cgroup under one with processes of its own is "domain invalid" (runc's checks). */
  private checkType(dir: string, domain: boolean): void {
    const type = readOptional(dir, 'cgroup.type');
    if (type === 'domain invalid') {
      if (domain) {
        throw new SpecError('linux.cgroupsPath', `cannot use cgroup ${dir} with domain controllers: it is in an invalid state (its parent has processes)`);
      }
      try {
        writeRaw(dir, 'cgroup.type', 'threaded');
      } catch {
        // Not entirely right either way; runc ignores this too.
      }
    } else if ((type === 'domain threaded' || type === 'threaded') && domain) {
      throw new SpecError('linux.cgroupsPath', `cannot use cgroup ${dir} with domain controllers: it is in ${type} mode`);
    }
  }

  async enter(pid: number): Promise<void> {
    // EINVAL can mean the task is still being created (TASK_NEW): retry, as runc.
    for (let tries = 0; ; tries++) {
      try {
        writeRaw(this.path, 'cgroup.procs', String(pid));
        return;
      } catch (e) {
        if (errno(e) === 'EINVAL' && tries < 5) {
          await sleep(30);
          continue;
        }
        let hint = '';
        if (errno(e) === 'EBUSY') hint = ' (the cgroup has controllers enabled for sub-cgroups, so it cannot hold processes)';
        if (errno(e) === 'EOPNOTSUPP') hint = ' (the cgroup is in an invalid or threaded state)';
        throw new TsrunError(`moving process ${pid} into cgroup ${this.path}: ${reason(e)}${hint}`);
      }
    }
  }

  update(resources: LinuxResources): void {
    validate(resources);
    if (!exists(this.path, 'cgroup.procs')) throw new TsrunError(`cgroup ${this.path} does not exist`);
    const available = new Set(controllerList(this.path));
    checkAvailable(this.path, resources, available);
    applyAll({ dir: this.path, available, update: true }, resources);
  }

  freeze(): Promise<void> {
    return setFrozen(this.path, true);
  }

  thaw(): Promise<void> {
    return setFrozen(this.path, false);
  }

  frozen(): boolean {
    return isFrozen(this.path);
  }

  stats(): CgroupStats {
    if (!exists(this.path, 'cgroup.procs')) throw new TsrunError(`cgroup ${this.path} does not exist`);
    const out: CgroupStats = {};
    for (const c of CONTROLLERS) c.stats?.(this.path, out);
    return out;
  }

  pids(): number[] {
    return treePids(this.path);
  }

  async kill(signal: number): Promise<void> {
    if (!exists(this.path, 'cgroup.procs')) return;
    if (signal === 9 && exists(this.path, 'cgroup.kill')) {
      try {
        writeRaw(this.path, 'cgroup.kill', '1');
        return;
      } catch (e) {
        if (errno(e) !== 'ENOENT') throw new TsrunError(`killing cgroup ${this.path}: ${reason(e)}`);
      }
    }
    // runc's signalAllProcesses: freeze so nothing forks meanwhile, signal
    // every process, thaw (unless it was paused before: then it stays so).
    const wasFrozen = this.frozen();
    if (!wasFrozen) {
      try {
        await this.freeze();
      } catch {
        // Signal anyway, as runc does.
      }
    }
    try {
      for (const pid of this.pids()) {
        try {
          process.kill(pid, signal);
        } catch (e) {
          if (errno(e) !== 'ESRCH') throw new TsrunError(`kill ${pid}: ${reason(e)}`);
        }
      }
    } finally {
      if (!wasFrozen) {
        try {
          await this.thaw();
        } catch {
          // The cgroup may be gone with its last process.
        }
      }
    }
  }

  oomKills(): number {
    return oomKillCount(this.path);
  }

  async destroy(): Promise<void> {
    await removeCgroup(this.path);
    // Ancestors this manager made, when nothing else uses them.
    removeUnused(this.created.filter((dir) => dir !== this.path));
    this.created = [];
  }
}

/** Writes "+c ..." for the controllers dir has but does not yet pass down. */
function enableControllers(dir: string): void {
  const enabled = new Set(controllerList(dir, 'cgroup.subtree_control'));
  const missing = controllerList(dir).filter((c) => !enabled.has(c));
  if (missing.length === 0) return;
  try {
    writeRaw(dir, 'cgroup.subtree_control', missing.map((c) => `+${c}`).join(' '));
  } catch {
    for (const c of missing) {
      try {
        writeRaw(dir, 'cgroup.subtree_control', `+${c}`);
      } catch {
        // Refused (processes in dir, or rootless): reported if a resource needs it.
      }
    }
  }
}

/**
 * The driver for the cgroup at `path` (absolute), in the unified hierarchy
 * mounted at `root` (from where controllers are enabled downwards).
 */
export function v2Manager(path: string, root: string = DEFAULT_MOUNTPOINT): CgroupManager & { readonly createdDirs: readonly string[] } {
  const p = posix.normalize(path);
  const r = posix.normalize(root).replace(/\/+$/, '') || '/';
  if (!p.startsWith(r === '/' ? '/' : `${r}/`) || p === r) {
    throw new TsrunError(`cgroup path ${path} is not below the cgroup2 mount ${root}`);
  }
  return new V2Manager(p, r);
}
