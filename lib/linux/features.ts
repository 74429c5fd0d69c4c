// `features`: what this runtime supports on this host, in the JSON form of
// `runc features` (runtime-spec's features.md).
import { existsSync } from 'node:fs';
import { SPEC_VERSION } from '../spec/version.js';
import { knownCapabilities } from './capabilities.js';
import { knownMountOptions } from './mounts.js';
import { seccompFeatures } from './seccomp.js';
import { native } from './native.js';
import { systemdRunning } from './cgroups/index.js';

export function features(): object {
  const v = native.seccompVersion;
  const namespaces = ['cgroup', 'ipc', 'mount', 'network', 'pid', 'user', 'uts'];
  if (existsSync('/proc/self/ns/time')) namespaces.push('time');
  return {
    ociVersionMin: '1.0.0',
    ociVersionMax: SPEC_VERSION,
    hooks: ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop'],
    mountOptions: knownMountOptions(),
    linux: {
      namespaces: namespaces.sort(),
      capabilities: knownCapabilities(),
      // The systemd driver where systemd runs (a user's instance is not supported).
      cgroup: { v1: true, v2: true, systemd: systemdRunning(), systemdUser: false },
      seccomp: { enabled: true, ...seccompFeatures() },
      // Applied when the host has them (an error names the field otherwise).
      apparmor: { enabled: true },
      selinux: { enabled: true },
    },
    annotations: {
      'io.github.seccomp.libseccomp.version': `${v.major}.${v.minor}.${v.micro}`,
    },
  };
}
