// linux.resources.unified on cgroup v2 (runc fs2.go setUnified): raw
// "file": "value" pairs written last, so they override what the other
// fields produced. A key names a file of the cgroup ("memory.high"); its
// controller (the part before the first dot) must be enabled there, "cgroup."
// files are always there. Multi-line values are written one line at a time.
import type { LinuxResources } from '../../../spec/types.js';
import { SpecError } from '../../../spec/errors.js';
import type { ApplyContext, V2Controller } from './controller.js';
import { writeField } from '../files.js';

const F = 'linux.resources.unified';

/** The controller a unified key belongs to ('' for "cgroup." core files). */
export function keyController(key: string): string {
  const c = key.slice(0, key.indexOf('.'));
  return c === 'cgroup' ? '' : c;
}

export const unified: V2Controller & { needs(r: LinuxResources): [string, string][] } = {
  name: '',

  requested(r: LinuxResources) {
    const first = Object.keys(r.unified ?? {})[0];
    return first === undefined ? undefined : `${F}.${first}`;
  },

  /** [controller, field] for each key that needs a controller. */
  needs(r: LinuxResources) {
    return Object.keys(r.unified ?? {})
      .map((k): [string, string] => [keyController(k), `${F}.${k}`])
      .filter(([c]) => c !== '');
  },

  validate(r: LinuxResources) {
    for (const key of Object.keys(r.unified ?? {})) {
      if (key.includes('/')) throw new SpecError(`${F}.${key}`, 'must be a file name (no slashes)');
      const dot = key.indexOf('.');
      if (dot <= 0 || dot === key.length - 1) {
        throw new SpecError(`${F}.${key}`, 'must be in the form CONTROLLER.PARAMETER');
      }
    }
  },

  apply(ctx: ApplyContext, r: LinuxResources) {
    for (const [key, value] of Object.entries(r.unified ?? {})) {
      const lines = value.split('\n').filter((l, i, all) => l !== '' || (i === 0 && all.length === 1));
      for (const line of lines) writeField(ctx.dir, key, line, `${F}.${key}`);
    }
  },
};
