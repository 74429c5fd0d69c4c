// Creating and ending the compute systems of one container, in order: for
// Hyper-V the utility VM first and last.
import type { HcsSystem } from './hcsoci/documents.js';
import { hcsError, isHresult } from './hresult.js';
import { HCS_EVENT, native, type HcsHandle } from './native.js';

/** How long a shutdown may take before the system is terminated (hcsshim waits similarly). */
const SHUTDOWN_TIMEOUT_MS = 10_000;

export interface OpenSystem {
  id: string;
  handle: HcsHandle;
}

/** Creates and starts each system; on a failure, ends those already made. */
export async function startSystems(systems: HcsSystem[], onStop: () => void): Promise<OpenSystem[]> {
  const n = native();
  const open: OpenSystem[] = [];
  try {
    for (const { id, document } of systems) {
      const handle = await n.createSystem(id, JSON.stringify(document)).catch((e) => {
        throw hcsError(e, `creating compute system ${id}: `);
      });
      open.push({ id, handle });
      n.watch(handle, (type) => {
        if (type === HCS_EVENT.SystemExited || type === HCS_EVENT.ServiceDisconnect) onStop();
      });
      // System events must not keep Node alive: the container's processes do.
      n.ref(handle, false);
      await n.operation(handle, 'start').catch((e) => {
        throw hcsError(e, `starting compute system ${id}: `);
      });
    }
    return open;
  } catch (e) {
    await endSystems(open);
    throw e;
  }
}

async function end(system: OpenSystem): Promise<void> {
  const n = native();
  const ignoreStopped = (e: unknown) => {
    const err = hcsError(e, `ending compute system ${system.id}: `);
    if (!isHresult(err, 'HCS_E_SYSTEM_ALREADY_STOPPED') && !isHresult(err, 'HCS_E_SYSTEM_NOT_FOUND')) throw err;
  };
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), SHUTDOWN_TIMEOUT_MS);
  });
  try {
    const shutdown = await Promise.race([n.operation(system.handle, 'shutdown').then(() => 'done' as const), timeout]).catch((e) => {
      ignoreStopped(e);
      return 'done' as const;
    });
    if (shutdown === 'timeout') await n.operation(system.handle, 'terminate').catch(ignoreStopped);
  } finally {
    clearTimeout(timer);
    n.close(system.handle);
  }
}

/** Shuts down (terminating after a timeout) and closes each system, the last created first. */
export async function endSystems(systems: OpenSystem[]): Promise<void> {
  for (const system of [...systems].reverse()) await end(system);
}
