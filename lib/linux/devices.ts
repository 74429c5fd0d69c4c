// /dev: the default nodes every runtime creates, linux.devices, /dev/ptmx and
// the /proc/self/fd links, as runc makes them.
import { existsSync } from 'node:fs';
import { K } from './native.js';
import { Create, Op, type Step } from './steps.js';
import type { Spec } from '../spec/types.js';

interface Device {
  path: string;
  type: string;
  major?: number;
  minor?: number;
  fileMode?: number;
  uid?: number;
  gid?: number;
}

const defaultDevices: Device[] = [
  { path: '/dev/null', type: 'c', major: 1, minor: 3 },
  { path: '/dev/zero', type: 'c', major: 1, minor: 5 },
  { path: '/dev/full', type: 'c', major: 1, minor: 7 },
  { path: '/dev/tty', type: 'c', major: 5, minor: 0 },
  { path: '/dev/urandom', type: 'c', major: 1, minor: 9 },
  { path: '/dev/random', type: 'c', major: 1, minor: 8 },
];

const typeBits: Record<string, number> = { c: K.S_IFCHR, u: K.S_IFCHR, b: K.S_IFBLK, p: K.S_IFIFO };

function nodeStep(d: Device, what: string, bindFromHost: boolean): Step {
  if (bindFromHost) {
    // In a user namespace mknod is not allowed: bind the host's node instead.
    return { op: Op.mount, source: d.path, target: d.path, flags: K.MS_BIND, create: Create.file, what };
  }
  return {
    op: Op.mknod, target: d.path, mode: typeBits[d.type] | (d.fileMode ?? 0o666),
    major: d.major ?? 0, minor: d.minor ?? 0, uid: d.uid ?? 0, gid: d.gid ?? 0, what,
  };
}

export function deviceSteps(spec: Spec, bindFromHost: boolean): Step[] {
  const configured = spec.linux?.devices ?? [];
  const paths = new Set(configured.map((d) => d.path));
  const steps: Step[] = [];
  for (const d of defaultDevices) {
    if (!paths.has(d.path)) steps.push(nodeStep(d, `create device ${d.path}`, bindFromHost));
  }
  configured.forEach((d, i) => steps.push(nodeStep(d, `linux.devices[${i}]: create ${d.path}`, bindFromHost)));
  steps.push({ op: Op.symlink, source: 'pts/ptmx', target: '/dev/ptmx', what: 'symlink /dev/ptmx' });
  const links: [string, string][] = [
    ['/proc/self/fd', '/dev/fd'],
    ['/proc/self/fd/0', '/dev/stdin'],
    ['/proc/self/fd/1', '/dev/stdout'],
    ['/proc/self/fd/2', '/dev/stderr'],
  ];
  if (existsSync('/proc/kcore')) links.push(['/proc/kcore', '/dev/core']);
  for (const [source, target] of links) steps.push({ op: Op.symlink, source, target, what: `symlink ${target}` });
  return steps;
}
