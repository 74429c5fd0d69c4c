// linux.cgroupsPath under the systemd driver: "slice:prefix:name", as runc
// and crun read it. The container gets the transient unit "prefix-name.scope"
// in the slice (system.slice when empty), or, when name ends in ".slice", that
// slice unit itself. systemd lays a slice's cgroup out by the dashes in its
// name ("a-b.slice" is /a.slice/a-b.slice), so the cgroup path is known
// before the unit exists.
import { SpecError } from '../../../spec/errors.js';

const FIELD = 'linux.cgroupsPath';
const DEFAULT_SLICE = 'system.slice';
const DEFAULT_PREFIX = 'tsrun';

export interface SystemdUnit {
  /** The unit systemd is asked for: "prefix-name.scope", or a ".slice". */
  name: string;
  /** The slice it goes in (for a slice unit: the one it wants). */
  slice: string;
  /** Its cgroup below the hierarchy's root, e.g. /system.slice/tsrun-web1.scope. */
  path: string;
}

/** systemd's unit-name alphabet (unit_name_is_valid), at most 255 bytes. */
const UNIT_NAME = /^[A-Za-z0-9:_.\\@-]{1,255}$/;

/**
 * The cgroup path of a slice, as systemd builds it (runc's ExpandSlice):
 * "a-b-c.slice" -> "/a.slice/a-b.slice/a-b-c.slice", "-.slice" -> "/".
 */
export function expandSlice(slice: string): string {
  const bad = (why: string) => new SpecError(FIELD, `"${slice}" is not a slice name: ${why}`);
  if (!slice.endsWith('.slice') || slice === '.slice') throw bad('it must end in ".slice"');
  if (slice.includes('/')) throw bad('it must not contain "/"');
  const stem = slice.slice(0, -'.slice'.length);
  if (stem === '-') return '/';
  let path = '';
  let prefix = '';
  for (const part of stem.split('-')) {
    if (part === '') throw bad('empty part between dashes');
    path += `/${prefix}${part}.slice`;
    prefix += `${part}-`;
  }
  return path;
}

/** The unit for a container's linux.cgroupsPath (empty: system.slice:tsrun:ID). */
export function systemdUnit(cgroupsPath: string | undefined, id: string): SystemdUnit {
  const configured = cgroupsPath || `${DEFAULT_SLICE}:${DEFAULT_PREFIX}:${id}`;
  const parts = configured.split(':');
  if (parts.length !== 3) {
    throw new SpecError(FIELD, `"${configured}" is not a systemd cgroup path: --systemd-cgroup expects "slice:prefix:name"`);
  }
  const [sliceGiven, prefix, base] = parts;
  if (!base) throw new SpecError(FIELD, `"${configured}" has no name (the third part of slice:prefix:name)`);
  const slice = sliceGiven || DEFAULT_SLICE;
  const slicePath = expandSlice(slice);
  const isSlice = base.endsWith('.slice');
  const name = isSlice ? base : `${prefix ? `${prefix}-` : ''}${base}.scope`;
  if (!UNIT_NAME.test(name)) {
    throw new SpecError(FIELD, `"${configured}" makes the unit name "${name}", which systemd refuses (letters, digits and ":_.\\@-" only, at most 255)`);
  }
  // A slice sits where its own name puts it; a scope in its slice.
  const path = isSlice ? expandSlice(name) : `${slicePath === '/' ? '' : slicePath}/${name}`;
  return { name, slice, path };
}
