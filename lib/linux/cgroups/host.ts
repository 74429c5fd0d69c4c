// What cgroup hierarchies this host has (v1, hybrid or unified), and where
// the calling process sits in each. Read once, only by those who need it.
import { readFileSync } from 'node:fs';

export const CGROUP_ROOT = '/sys/fs/cgroup';

export interface Hierarchy {
  /** Where the host mounts it, e.g. /sys/fs/cgroup/memory. */
  mountpoint: string;
  fstype: 'cgroup' | 'cgroup2';
  /** Mount data that recreates it: "memory", "cpu,cpuacct", "none,name=systemd"; "" for cgroup2. */
  options: string;
  /** This process's cgroup in it. */
  path: string;
}

export interface CgroupHost {
  /** True when /sys/fs/cgroup itself is cgroup2 (a pure v2 host). */
  unified: boolean;
  hierarchies: Hierarchy[];
  /** Symlinks for co-mounted controllers, e.g. cpu -> cpu,cpuacct. */
  links: { name: string; target: string }[];
}

const mountOnlyOptions = new Set(['rw', 'ro', 'xattr', 'nosuid', 'nodev', 'noexec', 'relatime', 'clone_children', 'nsdelegate', 'memory_recursiveprot', 'memory_localevents', 'favordynmods']);

let cached: CgroupHost | undefined;

export function cgroupHost(): CgroupHost {
  if (cached) return cached;
  // /proc/self/cgroup: "ID:controllers:path"; "0::path" is the v2 hierarchy.
  const own = new Map<string, string>();
  for (const line of readFileSync('/proc/self/cgroup', 'utf8').split('\n')) {
    const m = /^\d+:([^:]*):(.*)$/.exec(line);
    if (m) own.set(m[1], m[2]);
  }
  const hierarchies: Hierarchy[] = [];
  let unified = false;
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const [left, right] = line.split(' - ');
    if (!right) continue;
    const [fstype, , superOptions] = right.split(' ');
    if (fstype !== 'cgroup' && fstype !== 'cgroup2') continue;
    const mountpoint = left.split(' ')[4];
    if (mountpoint === CGROUP_ROOT) unified = fstype === 'cgroup2';
    else if (!mountpoint.startsWith(`${CGROUP_ROOT}/`)) continue;
    if (fstype === 'cgroup2') {
      hierarchies.push({ mountpoint, fstype, options: '', path: own.get('') ?? '/' });
      continue;
    }
    const opts = superOptions.split(',').filter((o) => !mountOnlyOptions.has(o));
    const key = opts.map((o) => o.replace(/^name=/, 'name=')).join(',');
    const named = opts.find((o) => o.startsWith('name='));
    hierarchies.push({
      mountpoint,
      fstype,
      options: named ? `none,${key}` : key,
      path: own.get(key) ?? '/',
    });
  }
  // Each controller of a shared hierarchy gets a link to it, as runc makes them.
  const links: { name: string; target: string }[] = [];
  for (const h of hierarchies) {
    const target = h.mountpoint.slice(CGROUP_ROOT.length + 1);
    const controllers = target.split(',');
    if (controllers.length > 1) for (const name of controllers) links.push({ name, target });
  }
  cached = { unified, hierarchies, links };
  return cached;
}
