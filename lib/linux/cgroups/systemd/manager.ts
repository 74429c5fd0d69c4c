// The systemd cgroup driver (--systemd-cgroup), as runc's
// libcontainer/cgroups/systemd and crun's cgroup-systemd.c: the container's
// cgroup belongs to a transient unit that systemd makes, a scope started with
// the init in it (PIDs) and delegated to the container (Delegate), or a slice
// when the path names one. Limits systemd has properties for are set on the
// unit, so that systemd keeps them when it rewrites its cgroups; then the fs
// driver (v2 on a unified host, v1 elsewhere) works at the unit's cgroup as
// it would at its own: the rest of the resources, the v1 hierarchies systemd
// does not manage, and freezing, killing, stats.
import { posix } from 'node:path';
import type { LinuxResources } from '../../../spec/types.js';
import { TsrunError } from '../../../errors.js';
import { SpecError } from '../../../spec/errors.js';
import { CGROUP_ROOT, cgroupHost } from '../host.js';
import type { CgroupManager, CgroupStats, SelfPlacement } from '../manager.js';
import { v1Manager, v1PathsAt } from '../v1/manager.js';
import { v2Manager } from '../v2/manager.js';
import { SystemdBus, type Property } from './bus.js';
import { resourceProperties } from './properties.js';
import type { SystemdUnit } from './unit.js';

/** A unit to start: its properties (but PIDs) and the connection to start it over. */
interface Pending {
  bus: SystemdBus;
  properties: Property[];
  resources: LinuxResources | undefined;
}

/** Says which unit a systemd error is about. */
function inUnit(unit: string, e: unknown): Error {
  if (e instanceof SpecError) return e;
  return new TsrunError(`--systemd-cgroup: unit ${unit}: ${(e as Error).message}`);
}

class SystemdManager implements CgroupManager {
  /** Set by create(), used by the first enter(). */
  private pending: Pending | undefined;

  constructor(
    readonly unit: string,
    readonly version: 'v1' | 'v2',
    readonly paths: Record<string, string>,
    private readonly fs: CgroupManager,
    /** What a new unit is made with (Description, Slice or Wants, ...). */
    private readonly unitProperties: Property[] = [],
  ) {}

  selfPlacement(): SelfPlacement | null {
    // A new unit is made around the init (PIDs): enter() does that.
    return this.pending ? null : this.fs.selfPlacement();
  }

  private isScope(): boolean {
    return this.unit.endsWith('.scope');
  }

  private async resourceProperties(bus: SystemdBus, r: LinuxResources | undefined): Promise<Property[]> {
    return resourceProperties(r, this.version === 'v2', () => bus.systemdVersion());
  }

  async create(resources: LinuxResources | undefined): Promise<void> {
    const bus = await SystemdBus.connect();
    try {
      const properties = [...this.unitProperties, ...(await this.resourceProperties(bus, resources))];
      this.pending = { bus, properties, resources };
    } catch (e) {
      bus.close();
      throw inUnit(this.unit, e);
    }
  }

  async enter(pid: number): Promise<void> {
    const p = this.pending;
    // A process joining a running container (exec): the cgroup is there.
    if (!p) return this.fs.enter(pid);
    this.pending = undefined;
    try {
      const pids: Property[] = this.isScope() ? [['PIDs', ['au', [pid]]]] : [];
      await p.bus.startTransientUnit(this.unit, [...p.properties, ...pids]);
    } catch (e) {
      throw inUnit(this.unit, e);
    } finally {
      p.bus.close();
    }
    await this.fs.create(p.resources);
    // systemd placed a scope's init in its own hierarchies; the fs driver
    // joins the others (v1), and a slice's.
    if (this.version === 'v1' || !this.isScope()) await this.fs.enter(pid);
  }

  async update(resources: LinuxResources): Promise<void> {
    const bus = await SystemdBus.connect();
    try {
      await bus.setUnitProperties(this.unit, await this.resourceProperties(bus, resources));
    } catch (e) {
      throw inUnit(this.unit, e);
    } finally {
      bus.close();
    }
    await this.fs.update(resources);
  }

  freeze(): Promise<void> {
    return this.fs.freeze();
  }

  thaw(): Promise<void> {
    return this.fs.thaw();
  }

  frozen(): boolean {
    return this.fs.frozen();
  }

  stats(): CgroupStats {
    return this.fs.stats();
  }

  pids(): number[] {
    return this.fs.pids();
  }

  kill(signal: number): Promise<void> {
    return this.fs.kill(signal);
  }

  oomKills(): number {
    return this.fs.oomKills();
  }

  /** Stops the unit (systemd removes its cgroups), then whatever the fs driver made. */
  async destroy(): Promise<void> {
    const pending = this.pending;
    this.pending = undefined;
    try {
      const bus = pending?.bus ?? (await SystemdBus.connect());
      try {
        await bus.stopUnit(this.unit);
      } finally {
        bus.close();
      }
    } catch (e) {
      throw inUnit(this.unit, e);
    } finally {
      await this.fs.destroy();
    }
  }
}

/** The fs driver of this host at a cgroup path (below each hierarchy's root). */
function fsDriver(path: string): { version: 'v1' | 'v2'; paths: Record<string, string>; fs: CgroupManager } {
  if (cgroupHost().unified) {
    const dir = posix.join(CGROUP_ROOT, path);
    return { version: 'v2', paths: { '': dir }, fs: v2Manager(dir) };
  }
  const paths = v1PathsAt(() => path);
  return { version: 'v1', paths, fs: v1Manager(paths) };
}

/** The driver for a new container's unit (nothing is made before create() and enter()). */
export function systemdManager(unit: SystemdUnit, id: string): CgroupManager {
  const { version, paths, fs } = fsDriver(unit.path);
  const scope = unit.name.endsWith('.scope');
  const accounting = version === 'v2'
    ? ['MemoryAccounting', 'CPUAccounting', 'IOAccounting', 'TasksAccounting']
    : ['MemoryAccounting', 'CPUAccounting', 'BlockIOAccounting', 'TasksAccounting'];
  const properties: Property[] = [
    ['Description', ['s', `tsrun container ${id}`]],
    // A scope goes in its slice; a slice's place is its name, it only wants its parent.
    scope ? ['Slice', ['s', unit.slice]] : ['Wants', ['as', [unit.slice]]],
    ...(scope ? [['Delegate', ['b', true]] as Property] : []),
    // As runc: the accounting the fs driver would have, and no ordering on other units.
    ...accounting.map((name): Property => [name, ['b', true]]),
    ['DefaultDependencies', ['b', false]],
  ];
  return new SystemdManager(unit.name, version, paths, fs, properties);
}

/** The driver for a container's unit, from what the state kept. */
export function loadSystemdManager(unit: string, version: 'v1' | 'v2', paths: Record<string, string>): CgroupManager {
  return new SystemdManager(unit, version, paths, version === 'v2' ? v2Manager(paths['']!) : v1Manager(paths));
}
