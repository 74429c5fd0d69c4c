// `update`: a container's resources with the caller's changes merged in, as
// runc's update merges its flags or -r document into the config it keeps.
// The same for linux.resources and windows.resources; a platform adds its own rules.

type Section = Record<string, unknown>;

const isSection = (v: unknown): v is Section => !!v && typeof v === 'object' && !Array.isArray(v);

/** Each section of `changes` (memory, cpu, ...) merged key by key into the current one; lists and scalars replace. */
export function mergedSections<T extends object>(current: T, changes: T): T {
  const merged: Section = { ...(current as Section) };
  for (const [key, value] of Object.entries(changes)) {
    const old = (current as Section)[key];
    merged[key] = isSection(value) && isSection(old) ? { ...old, ...value } : value;
  }
  return merged as T;
}
