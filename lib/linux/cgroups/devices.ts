// The device rules a container's cgroup gets, on v1 (devices.allow/deny) and
// v2 (an eBPF program) alike: linux.resources.devices in order, then the
// rules runc always adds so the standard /dev nodes work.
import type { LinuxResources } from '../../spec/types.js';
import { SpecError } from '../../spec/errors.js';

export interface DeviceRule {
  allow: boolean;
  /** 'a' (all), 'c', 'b'. */
  type: 'a' | 'c' | 'b';
  /** -1: any. */
  major: number;
  minor: number;
  /** Some of "rwm", in that order. */
  access: string;
}

const dev = (type: 'c' | 'b', major: number, minor: number, access = 'rwm'): DeviceRule =>
  ({ allow: true, type, major, minor, access });

/** runc's AllowedDevices (1.1): mknod of anything, and the nodes every container has. */
export const DEFAULT_ALLOWED: readonly DeviceRule[] = [
  dev('c', -1, -1, 'm'),
  dev('b', -1, -1, 'm'),
  dev('c', 1, 3), // null
  dev('c', 1, 8), // random
  dev('c', 1, 7), // full
  dev('c', 5, 0), // tty
  dev('c', 1, 5), // zero
  dev('c', 1, 9), // urandom
  dev('c', 136, -1), // pts
  dev('c', 5, 2), // ptmx
  dev('c', 10, 200), // tun
];

/** The r, w and m among `letters`, in that order ("wmr" -> "rwm"); others are dropped. */
export function accessLetters(letters: Iterable<string>): string {
  const set = new Set(letters);
  return [...'rwm'].filter((c) => set.has(c)).join('');
}

export function deviceRules(resources: LinuxResources | undefined): DeviceRule[] {
  const rules = (resources?.devices ?? []).map((d, i): DeviceRule => {
    const field = `linux.resources.devices[${i}]`;
    const type = d.type ?? 'a';
    if (type !== 'a' && type !== 'c' && type !== 'b') {
      throw new SpecError(`${field}.type`, `unknown device type "${type}" (a, c or b)`);
    }
    // runc takes r, w and m from the string and ignores other letters; with
    // none of them it fails too (empty: refused; "a": its cgroup check).
    const access = accessLetters(d.access ?? 'rwm');
    if (!access) {
      throw new SpecError(`${field}.access`, d.access ? `"${d.access}" has none of r, w and m` : 'cannot be empty: use some of r, w and m');
    }
    return { allow: d.allow, type, major: d.major ?? -1, minor: d.minor ?? -1, access };
  });
  return [...rules, ...DEFAULT_ALLOWED];
}
