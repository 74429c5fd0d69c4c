// `update` on Linux: the container's linux.resources with the caller's changes merged in.
import { mergedSections } from '../spec/resources.js';
import type { LinuxResources } from '../spec/types.js';

/**
 * mergedSections, and memory -1 without a swap value lifts swap too (runc's
 * "set both memory and swap to unlimited"): the v1 memory+swap total may not
 * stay below the memory limit.
 */
export function mergedResources(current: LinuxResources, changes: LinuxResources): LinuxResources {
  const merged = mergedSections(current, changes);
  const memory = changes.memory;
  if (memory?.limit === -1 && memory.swap === undefined) merged.memory = { ...merged.memory, swap: -1 };
  return merged;
}
