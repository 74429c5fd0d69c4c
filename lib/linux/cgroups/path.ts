// Where a container's cgroup goes, by runc's cgroupfs rules for
// linux.cgroupsPath: an absolute path is taken from the hierarchy's root; a
// relative one (and, when unset, the container id) sits under the cgroup the
// runtime itself is in.
import { posix } from 'node:path';
import type { Spec } from '../../spec/types.js';
import { SpecError } from '../../spec/errors.js';

/**
 * The container's cgroup path inside a hierarchy where the runtime sits at
 * `own` (from /proc/self/cgroup).
 */
export function containerCgroupPath(spec: Spec, id: string, own: string): string {
  const configured = spec.linux?.cgroupsPath;
  if (configured && /^[^/]*:[^/]*:[^/]*$/.test(configured)) {
    throw new SpecError('linux.cgroupsPath', `"${configured}" is a systemd path (slice:prefix:name): it needs --systemd-cgroup`);
  }
  const path = configured || id;
  const full = path.startsWith('/') ? posix.normalize(path) : posix.join(own, path);
  // normalize() cannot climb above "/", but a relative "../x" could leave own.
  if (!full.startsWith('/') || full.split('/').includes('..')) {
    throw new SpecError('linux.cgroupsPath', `"${path}" leaves the cgroup hierarchy`);
  }
  if (full === '/') throw new SpecError('linux.cgroupsPath', 'must not be the root cgroup');
  return full;
}
