// process.capabilities: names to bits. Names the kernel does not know are
// skipped with a warning naming them, as runc does.
import { readFileSync } from 'node:fs';
import type { Spec } from '../spec/types.js';

// In kernel order: the index is the capability number.
const NAMES = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL',
  'CAP_SETGID', 'CAP_SETUID', 'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE',
  'CAP_NET_BROADCAST', 'CAP_NET_ADMIN', 'CAP_NET_RAW', 'CAP_IPC_LOCK', 'CAP_IPC_OWNER', 'CAP_SYS_MODULE',
  'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT', 'CAP_SYS_PTRACE', 'CAP_SYS_PACCT', 'CAP_SYS_ADMIN', 'CAP_SYS_BOOT',
  'CAP_SYS_NICE', 'CAP_SYS_RESOURCE', 'CAP_SYS_TIME', 'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD', 'CAP_LEASE',
  'CAP_AUDIT_WRITE', 'CAP_AUDIT_CONTROL', 'CAP_SETFCAP', 'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG',
  'CAP_WAKE_ALARM', 'CAP_BLOCK_SUSPEND', 'CAP_AUDIT_READ', 'CAP_PERFMON', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE',
];

export interface CapabilitySets {
  bounding: number;
  effective: number;
  permitted: number;
  inheritable: number;
  ambient: number;
  /** The highest capability number this kernel has. */
  last: number;
}

let lastCap: number | undefined;

function kernelLastCap(): number {
  if (lastCap === undefined) {
    try {
      lastCap = Number(readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8'));
    } catch {
      lastCap = NAMES.length - 1;
    }
  }
  return lastCap;
}

/** The sets as bit masks (numbers: 41 bits fit a double exactly), or null to keep the caller's. */
export function capabilitySets(spec: Spec, warn: (message: string) => void): CapabilitySets | null {
  const caps = spec.process?.capabilities;
  if (!caps) return null;
  const last = kernelLastCap();
  const unknown = new Set<string>();
  const mask = (list: readonly string[] | undefined): number => {
    let m = 0;
    for (const name of list ?? []) {
      const bit = NAMES.indexOf(name);
      if (bit < 0 || bit > last) unknown.add(name);
      else m += 2 ** bit;
    }
    return m;
  };
  const sets = {
    bounding: mask(caps.bounding),
    effective: mask(caps.effective),
    permitted: mask(caps.permitted),
    inheritable: mask(caps.inheritable),
    ambient: mask(caps.ambient),
    last,
  };
  // Worded as runc does (Go prints the list in brackets).
  if (unknown.size) warn(`ignoring unknown or unavailable capabilities: [${[...unknown].join(' ')}]`);
  return sets;
}

/** Capability names the kernel knows (for `features`). */
export function knownCapabilities(): string[] {
  return NAMES.slice(0, kernelLastCap() + 1);
}
