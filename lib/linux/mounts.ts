// `mounts`: options parsed as runc parses them, each mount turned into steps.
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { K } from './native.js';
import { Create, Op, type Step } from './steps.js';
import { cgroupMountSteps } from './cgroups/mount.js';
import type { Spec } from '../spec/types.js';
import { SpecError } from '../spec/errors.js';

type Mount = NonNullable<Spec['mounts']>[number];

// option -> [clear?, flag]: the table mount(8) and runc use.
const flagOptions: Record<string, [boolean, number]> = {
  async: [true, K.MS_SYNCHRONOUS],
  atime: [true, K.MS_NOATIME],
  bind: [false, K.MS_BIND],
  defaults: [false, 0],
  dev: [true, K.MS_NODEV],
  diratime: [true, K.MS_NODIRATIME],
  dirsync: [false, K.MS_DIRSYNC],
  exec: [true, K.MS_NOEXEC],
  iversion: [false, K.MS_I_VERSION],
  lazytime: [false, K.MS_LAZYTIME],
  loud: [true, K.MS_SILENT],
  mand: [false, K.MS_MANDLOCK],
  noatime: [false, K.MS_NOATIME],
  nodev: [false, K.MS_NODEV],
  nodiratime: [false, K.MS_NODIRATIME],
  noexec: [false, K.MS_NOEXEC],
  noiversion: [true, K.MS_I_VERSION],
  nolazytime: [true, K.MS_LAZYTIME],
  nomand: [true, K.MS_MANDLOCK],
  norelatime: [true, K.MS_RELATIME],
  nostrictatime: [true, K.MS_STRICTATIME],
  nosuid: [false, K.MS_NOSUID],
  nosymfollow: [false, K.MS_NOSYMFOLLOW],
  rbind: [false, K.MS_BIND | K.MS_REC],
  relatime: [false, K.MS_RELATIME],
  remount: [false, K.MS_REMOUNT],
  ro: [false, K.MS_RDONLY],
  rw: [true, K.MS_RDONLY],
  silent: [false, K.MS_SILENT],
  strictatime: [false, K.MS_STRICTATIME],
  suid: [true, K.MS_NOSUID],
  symfollow: [true, K.MS_NOSYMFOLLOW],
  sync: [false, K.MS_SYNCHRONOUS],
};

// option -> [clear?, MOUNT_ATTR_*]: runc's recursive attributes, applied to
// the whole tree with mount_setattr(AT_RECURSIVE).
const recursiveOptions: Record<string, [boolean, number]> = {
  rro: [false, K.MOUNT_ATTR_RDONLY],
  rrw: [true, K.MOUNT_ATTR_RDONLY],
  rnosuid: [false, K.MOUNT_ATTR_NOSUID],
  rsuid: [true, K.MOUNT_ATTR_NOSUID],
  rnodev: [false, K.MOUNT_ATTR_NODEV],
  rdev: [true, K.MOUNT_ATTR_NODEV],
  rnoexec: [false, K.MOUNT_ATTR_NOEXEC],
  rexec: [true, K.MOUNT_ATTR_NOEXEC],
  rnodiratime: [false, K.MOUNT_ATTR_NODIRATIME],
  rdiratime: [true, K.MOUNT_ATTR_NODIRATIME],
  rrelatime: [false, K.MOUNT_ATTR_RELATIME],
  rnorelatime: [true, K.MOUNT_ATTR_RELATIME],
  rnoatime: [false, K.MOUNT_ATTR_NOATIME],
  ratime: [true, K.MOUNT_ATTR_NOATIME],
  rstrictatime: [false, K.MOUNT_ATTR_STRICTATIME],
  rnostrictatime: [true, K.MOUNT_ATTR_STRICTATIME],
  rnosymfollow: [false, K.MOUNT_ATTR_NOSYMFOLLOW],
  rsymfollow: [true, K.MOUNT_ATTR_NOSYMFOLLOW],
};

/** Options tsrun itself interprets, beyond mount(2)'s flags. */
const extraOptions = ['idmap', 'ridmap', 'tmpcopyup'];

const propagationOptions: Record<string, number> = {
  private: K.MS_PRIVATE,
  rprivate: K.MS_PRIVATE | K.MS_REC,
  shared: K.MS_SHARED,
  rshared: K.MS_SHARED | K.MS_REC,
  slave: K.MS_SLAVE,
  rslave: K.MS_SLAVE | K.MS_REC,
  unbindable: K.MS_UNBINDABLE,
  runbindable: K.MS_UNBINDABLE | K.MS_REC,
};

/** Every option this runtime understands, for `features`. */
export function knownMountOptions(): string[] {
  return [
    ...Object.keys(flagOptions), ...Object.keys(propagationOptions), ...Object.keys(recursiveOptions), ...extraOptions,
  ].sort();
}

export interface MountOptions {
  flags: number;
  propagation: number[];
  /** "idmap" / "ridmap": id-map the bind mount with the container's mappings (recursively for ridmap). */
  idmap: 'idmap' | 'ridmap' | null;
  /** "tmpcopyup" (crun's, used by podman --read-only): a tmpfs starts with what it covers. */
  copyUp: boolean;
  /** The r* options: mount_setattr's attr_set and attr_clr, for the whole tree (null: none). */
  recursive: { set: number; clear: number } | null;
  /** Options no table knows: for a filesystem, its own (mount(2)'s data); for a bind mount, errors. */
  data: string[];
}

export function parseMountOptions(options: readonly string[] = []): MountOptions {
  let flags = 0;
  const propagation: number[] = [];
  const data: string[] = [];
  let idmap: MountOptions['idmap'] = null;
  let copyUp = false;
  let set = 0;
  let clear = 0;
  let recursive = false;
  for (const o of options) {
    const f = flagOptions[o];
    const r = recursiveOptions[o];
    if (o === 'tmpcopyup') {
      copyUp = true;
    } else if (o === 'idmap' || o === 'ridmap') {
      idmap = o;
    } else if (f) {
      flags = f[0] ? flags & ~f[1] : flags | f[1];
    } else if (o in propagationOptions) {
      propagation.push(propagationOptions[o]);
    } else if (r) {
      recursive = true;
      if (r[0]) {
        clear |= r[1];
        set &= ~r[1];
      } else {
        set |= r[1];
        clear &= ~r[1];
        // mount_setattr(2): an atime mode is set only with all of MOUNT_ATTR__ATIME cleared.
        if ((r[1] & K.MOUNT_ATTR__ATIME) === r[1]) clear |= K.MOUNT_ATTR__ATIME;
      }
    } else {
      data.push(o);
    }
  }
  return { flags, propagation, idmap, copyUp, recursive: recursive ? { set, clear } : null, data };
}

/** The propagation of the container's root mount: rootfsPropagation, or rslave. */
export function rootPropagation(spec: Spec): number {
  const p = spec.linux?.rootfsPropagation;
  return p ? propagationOptions[p] : K.MS_SLAVE | K.MS_REC;
}

function isBind(m: Mount, flags: number): boolean {
  return m.type === 'bind' || (flags & K.MS_BIND) !== 0;
}

const isDev = (destination: string) => resolve('/', destination) === '/dev';

/** True when a bind mount provides /dev, so the runtime must not populate it. */
export function bindsDev(spec: Spec): boolean {
  return (spec.mounts ?? []).some((m) => isDev(m.destination) && isBind(m, parseMountOptions(m.options).flags));
}

/** cgroupPaths: the container's cgroup directories, which a cgroup mount shows without a cgroup namespace. */
type IdMapping = { containerID: number; hostID: number; size: number };
const mapLines = (list: readonly IdMapping[]) => list.map((m) => `${m.containerID} ${m.hostID} ${m.size}\n`).join('');

/**
 * An id-mapped bind mount's step fields: the mount's own
 * uidMappings/gidMappings, or with "idmap" the container's. tsrun-init makes
 * the tree (in the host's namespaces, where the kernel allows it); the init
 * moves it into place.
 */
function idmapFields(spec: Spec, m: Mount, flags: number, idmap: MountOptions['idmap'], field: string): Partial<Step> {
  const uid = (m.uidMappings ?? (idmap ? spec.linux?.uidMappings : undefined)) as IdMapping[] | undefined;
  const gid = (m.gidMappings ?? (idmap ? spec.linux?.gidMappings : undefined)) as IdMapping[] | undefined;
  if (!uid && !gid) return {};
  if (!uid?.length || !gid?.length) throw new SpecError(`${field}.uidMappings`, 'an id-mapped mount needs both uid and gid mappings');
  return { uidMap: mapLines(uid), gidMap: mapLines(gid), idmapRecursive: (flags & K.MS_REC) !== 0 || idmap === 'ridmap' };
}

/**
 * The mounts' steps, and what must wait until everything under them is
 * written (device nodes, links, mount points, the working directory,
 * /dev/console): read-only remounts of filesystems tsrun writes into (tmpfs,
 * /dev, as runc) and the recursive attributes of non-bind mounts.
 */
export interface MountPlan {
  steps: Step[];
  finish: Step[];
}

export function mountSteps(
  spec: Spec,
  bundle: string,
  cgroupNamespace: boolean,
  cgroupPaths: Record<string, string>,
): MountPlan {
  const steps: Step[] = [];
  const finish: Step[] = [];
  (spec.mounts ?? []).forEach((m, i) => {
    const field = `mounts[${i}]`;
    const { flags, propagation, data, idmap, copyUp, recursive } = parseMountOptions(m.options);
    const what = `${field}: mount ${m.source ?? m.type ?? ''} on ${m.destination}`;
    const bind = isBind(m, flags);
    const setAttr: Step[] = recursive
      ? [{ op: Op.setAttr, target: m.destination, flags: recursive.set, clear: recursive.clear, what: `${what}: apply the r* options` }]
      : [];
    if (m.type === 'cgroup') {
      steps.push(...cgroupMountSteps(m.destination, flags, cgroupNamespace, cgroupPaths, field));
    } else if (bind) {
      if (data.length) {
        throw new SpecError(`${field}.options`, `${data.map((o) => `"${o}"`).join(', ')}: not an option of a bind mount`);
      }
      if (!m.source) throw new SpecError(`${field}.source`, 'a bind mount needs a source');
      const source = resolve(bundle, m.source);
      let isDir: boolean;
      try {
        isDir = statSync(source).isDirectory();
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        throw new SpecError(`${field}.source`, `${source}: ${code === 'ENOENT' ? 'no such file or directory' : (e as Error).message}`);
      }
      steps.push({
        op: Op.mount, source, target: m.destination, flags: flags & (K.MS_BIND | K.MS_REC),
        create: isDir ? Create.dir : Create.file, ...idmapFields(spec, m, flags, idmap, field), what,
      });
      // A bind mount takes other flags (ro, nosuid, ...) only on a remount.
      const rest = flags & ~(K.MS_BIND | K.MS_REC | K.MS_REMOUNT);
      if (rest) steps.push({ op: Op.remount, target: m.destination, flags: rest | K.MS_BIND, what });
    } else {
      if (m.uidMappings || m.gidMappings || idmap) throw new SpecError(`${field}.uidMappings`, 'only bind mounts can be id-mapped');
      // Written into later (chmod, copy-up, nodes, mount points): read-only at the end.
      const later = (flags & K.MS_RDONLY) !== 0 && (m.type === 'tmpfs' || isDev(m.destination));
      steps.push({
        op: Op.mount, source: m.source ?? m.type ?? 'none', target: m.destination,
        fstype: m.type, flags: later ? flags & ~K.MS_RDONLY : flags, data: data.join(',') || undefined,
        create: Create.dir, keepMode: m.type === 'tmpfs', copyUp: copyUp && m.type === 'tmpfs', what,
      });
      if (later) {
        finish.push({ op: Op.remount, target: m.destination, flags: (flags & ~K.MS_REMOUNT) | K.MS_BIND, what: `${what}: remount it read-only` });
      }
    }
    for (const p of propagation) steps.push({ op: Op.propagation, target: m.destination, flags: p, what });
    (bind ? steps : finish).push(...setAttr);
  });
  return { steps, finish };
}
