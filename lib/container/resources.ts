// `update`: the container's resources with the caller's changes merged in,
// as runc's update merges its flags or -r document into the config it keeps.
import type { LinuxResources } from '../spec/types.js';

type Section = Record<string, unknown>;

const isSection = (v: unknown): v is Section => !!v && typeof v === 'object' && !Array.isArray(v);

/**
 * Each section of `changes` (memory, cpu, ...) merged key by key into the
 * current one; lists and scalars replace. Memory -1 without a swap value
 * lifts swap too (runc's "set both memory and swap to unlimited"): the v1
 * memory+swap total may not stay below the memory limit.
 */
export function mergedResources(current: LinuxResources, changes: LinuxResources): LinuxResources {
  const merged: Section = { ...current };
  for (const [key, value] of Object.entries(changes)) {
    const old = (current as Section)[key];
    merged[key] = isSection(value) && isSection(old) ? { ...old, ...value } : value;
  }
  const memory = changes.memory;
  if (memory?.limit === -1 && memory.swap === undefined) merged.memory = { ...(merged.memory as Section), swap: -1 };
  return merged as LinuxResources;
}
