// The containers this process created: HCS ends a compute system whose last
// handle closes (ShouldTerminateOnLastHandleClosed), so the handles live
// here for as long as the container does, as runhcs's shim holds them.
import type { CreateOptions } from '../container/types.js';
import type { HcsDocuments } from './hcsoci/documents.js';
import type { HcsHandle } from './native.js';
import { HcsProcess } from './process.js';

export interface LiveContainer {
  documents: HcsDocuments;
  /** Open systems in creation order: for Hyper-V, the utility VM first. */
  systems: { id: string; handle: HcsHandle }[];
  init: HcsProcess;
  execs: Set<HcsProcess>;
  options: CreateOptions;
  paused: boolean;
  /** The container system stopped (shut down, terminated, crashed). */
  stopped: boolean;
}

const live = new Map<string, LiveContainer>();

export const liveContainers = {
  get: (id: string) => live.get(id),
  add: (id: string, c: LiveContainer) => live.set(id, c),
  remove: (id: string) => live.delete(id),
};

/** The system processes run in: the container (hosted in the VM for Hyper-V). */
export function containerSystem(c: LiveContainer): HcsHandle {
  return c.systems[c.systems.length - 1].handle;
}
