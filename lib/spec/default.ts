// The config.json `tsrun spec` writes: the same bytes as `runc spec` (runc
// 1.1.5), with or without --rootless.

import { statfsSync } from 'node:fs';
import type { LinuxCapabilities, LinuxNamespace, LinuxNamespaceType, Mount, Spec } from './types.js';
import { SPEC_VERSION } from './version.js';

export interface DefaultSpecOptions {
  /**
   * For an unprivileged caller (`runc spec --rootless`): a user namespace
   * mapping its euid/egid to root, no network namespace, no cgroup settings.
   */
  rootless?: boolean;
}

/**
 * A fresh default spec. Keys are inserted in the order runc's Go structs
 * marshal them, because formatSpec keeps insertion order.
 */
export function defaultSpec({ rootless = false }: DefaultSpecOptions = {}): Spec {
  return {
    ociVersion: SPEC_VERSION,
    process: {
      terminal: true,
      user: { uid: 0, gid: 0 },
      args: ['sh'],
      env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'TERM=xterm'],
      cwd: '/',
      capabilities: capabilities(),
      rlimits: [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }],
      noNewPrivileges: true,
    },
    root: { path: 'rootfs', readonly: true },
    hostname: 'runc',
    mounts: mounts(rootless),
    linux: {
      ...(rootless && {
        uidMappings: [{ containerID: 0, hostID: process.geteuid?.() ?? 0, size: 1 }],
        gidMappings: [{ containerID: 0, hostID: process.getegid?.() ?? 0, size: 1 }],
      }),
      // An unprivileged user cannot configure cgroups.
      ...(!rootless && { resources: { devices: [{ allow: false, access: 'rwm' }] } }),
      namespaces: namespaces(rootless),
      maskedPaths: [
        '/proc/acpi',
        '/proc/asound',
        '/proc/kcore',
        '/proc/keys',
        '/proc/latency_stats',
        '/proc/timer_list',
        '/proc/timer_stats',
        '/proc/sched_debug',
        '/sys/firmware',
        '/proc/scsi',
      ],
      readonlyPaths: ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'],
    },
  };
}

const CGROUP2_SUPER_MAGIC = 0x63677270;

function namespaces(rootless: boolean): LinuxNamespace[] {
  const types: LinuxNamespaceType[] = rootless
    ? ['pid', 'ipc', 'uts', 'mount', 'user']
    : ['pid', 'network', 'ipc', 'uts', 'mount'];
  // As runc: on a pure cgroup v2 host, a cgroup namespace too.
  if (unifiedCgroups()) types.push('cgroup');
  return types.map((type) => ({ type }));
}

function unifiedCgroups(): boolean {
  try {
    return statfsSync('/sys/fs/cgroup').type === CGROUP2_SUPER_MAGIC;
  } catch {
    return false;
  }
}

function capabilities(): LinuxCapabilities {
  const caps = () => ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'];
  return { bounding: caps(), effective: caps(), permitted: caps(), ambient: caps() };
}

function mounts(rootless: boolean): Mount[] {
  return [
    { destination: '/proc', type: 'proc', source: 'proc' },
    {
      destination: '/dev',
      type: 'tmpfs',
      source: 'tmpfs',
      options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'],
    },
    {
      destination: '/dev/pts',
      type: 'devpts',
      source: 'devpts',
      // Only root is mapped in the rootless user namespace: there is no gid 5.
      options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', ...(rootless ? [] : ['gid=5'])],
    },
    {
      destination: '/dev/shm',
      type: 'tmpfs',
      source: 'shm',
      options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'],
    },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    // sysfs cannot be mounted without owning the network namespace: bind the host's.
    rootless
      ? { destination: '/sys', type: 'none', source: '/sys', options: ['rbind', 'nosuid', 'noexec', 'nodev', 'ro'] }
      : { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
    {
      destination: '/sys/fs/cgroup',
      type: 'cgroup',
      source: 'cgroup',
      options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'],
    },
  ];
}

// Go's encoding/json escapes these even inside strings; JSON.stringify does not.
const GO_ESCAPES: Readonly<Record<string, string>> = {
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
};

/**
 * config.json text as runc writes it (Go's json.MarshalIndent with a tab, no
 * trailing newline). Keys keep the spec object's insertion order.
 */
export function formatSpec(spec: Spec): string {
  // These characters can only occur inside JSON strings, so replacing them in the whole text is safe.
  return JSON.stringify(spec, null, '\t').replace(/[<>&\u2028\u2029]/g, (c) => GO_ESCAPES[c]!);
}
