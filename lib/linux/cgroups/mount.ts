// A `type: cgroup` mount: cgroup2 on a unified host; on v1 and hybrid hosts
// a tmpfs holding one mount per hierarchy, as runc lays it out.
import { K } from '../native.js';
import { Create, Op, type Step } from '../steps.js';
import { cgroupHost } from './host.js';

export function cgroupMountSteps(
  dest: string,
  flags: number,
  cgroupNamespace: boolean,
  cgroupPaths: Record<string, string>,
  field: string,
): Step[] {
  const host = cgroupHost();
  const what = `${field}: mount cgroup on ${dest}`;
  if (host.unified) {
    return [{ op: Op.mount, source: 'cgroup', target: dest, fstype: 'cgroup2', flags, create: Create.dir, what }];
  }
  const steps: Step[] = [
    {
      op: Op.mount, source: 'tmpfs', target: dest, fstype: 'tmpfs', flags: flags & ~K.MS_RDONLY,
      data: 'mode=755', create: Create.dir, what,
    },
  ];
  // Like runc on a v1 host: the v1 hierarchies only, not a hybrid host's cgroup2.
  for (const h of host.hierarchies.filter((x) => x.fstype === 'cgroup')) {
    const name = h.mountpoint.slice(h.mountpoint.lastIndexOf('/') + 1);
    const target = `${dest}/${name}`;
    const sub = `${field}: mount cgroup ${name} on ${target}`;
    if (cgroupNamespace) {
      // In its own cgroup namespace a fresh mount shows the container's subtree.
      steps.push({
        op: Op.mount, source: 'cgroup', target, fstype: h.fstype, flags, data: h.options || undefined,
        create: Create.dir, what: sub,
      });
    } else {
      // Without one, show only the container's own cgroup, never the host's tree.
      const own = Object.values(cgroupPaths).find((p) => p === h.mountpoint || p.startsWith(`${h.mountpoint}/`));
      steps.push({
        op: Op.mount, source: own ?? `${h.mountpoint}${h.path}`, target, flags: K.MS_BIND | K.MS_REC,
        create: Create.dir, what: sub,
      });
      const rest = flags & ~(K.MS_BIND | K.MS_REC);
      if (rest) steps.push({ op: Op.remount, target, flags: rest | K.MS_BIND, what: sub });
    }
  }
  for (const l of host.links) {
    steps.push({ op: Op.symlink, source: l.target, target: `${dest}/${l.name}`, what: `${field}: symlink ${dest}/${l.name}` });
  }
  return steps;
}
