// AppArmor and SELinux: the exec label/profile is written for the kernel to
// apply at execve. Asked for on a host without the module: a clear error.
import { existsSync, readFileSync } from 'node:fs';
import { Op, ROOT_HOST, type Step } from './steps.js';
import type { Spec } from '../spec/types.js';
import { SpecError } from '../spec/errors.js';

export function apparmorEnabled(): boolean {
  try {
    return readFileSync('/sys/module/apparmor/parameters/enabled', 'utf8').trim() === 'Y';
  } catch {
    return false;
  }
}

export function selinuxEnabled(): boolean {
  return existsSync('/sys/fs/selinux/enforce');
}

/** Steps for the init (after pivot_root, so /proc is the container's). */
export function lsmSteps(spec: Spec): Step[] {
  const steps: Step[] = [];
  const profile = spec.process?.apparmorProfile;
  if (profile) {
    if (!apparmorEnabled()) throw new SpecError('process.apparmorProfile', 'AppArmor is not enabled on this host');
    const attr = existsSync('/proc/self/attr/apparmor/exec') ? '/proc/self/attr/apparmor/exec' : '/proc/self/attr/exec';
    steps.push({ op: Op.writeFile, root: ROOT_HOST, target: attr.replace('/self/', '/thread-self/'), source: `exec ${profile}`, what: `process.apparmorProfile: apply ${profile}` });
  }
  const label = spec.process?.selinuxLabel;
  if (label) {
    if (!selinuxEnabled()) throw new SpecError('process.selinuxLabel', 'SELinux is not enabled on this host');
    steps.push({ op: Op.writeFile, root: ROOT_HOST, target: '/proc/thread-self/attr/exec', source: label, what: `process.selinuxLabel: set ${label}` });
  }
  return steps;
}
