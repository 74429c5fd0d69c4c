// The Windows backend: containers as HCS compute systems (process isolation,
// or a container hosted in a utility VM for Hyper-V isolation), their
// processes as HCS processes. What to create comes from hcsoci (pure);
// native/windows makes the calls.
import type { Backend, CreateRequest, CreatedInit, StartedProcess } from '../container/backend.js';
import type { ContainerStatus, ExecOptions, UnixProcessOptions } from '../container/types.js';
import { InvalidArgumentError, InvalidStateError } from '../errors.js';
import type { Process, Spec } from '../spec/types.js';
import { checkWindowsSpec } from '../spec/validate.js';
import type { StateRecord } from '../state/store.js';
import { containerSystem, liveContainers, type LiveContainer } from './containers.js';
import { hcsDocuments, utilityVMId } from './hcsoci/documents.js';
import type { WindowsResources } from './hcsoci/oci.js';
import { mergedSections } from '../spec/resources.js';
import { baseName } from './hcsoci/paths.js';
import { processParameters } from './hcsoci/process.js';
import { memoryInMB, processor } from './hcsoci/resources.js';
import { hcsError } from './hresult.js';
import { native, type HcsHandle } from './native.js';
import { HcsProcess } from './process.js';
import { hcsSignal } from './signals.js';
import { connectStdio } from './stdio.js';
import { features } from './features.js';
import { endSystems, startSystems } from './systems.js';

function refuseUnixOptions(options: UnixProcessOptions): void {
  if (options.consoleSocket) throw new InvalidArgumentError('--console-socket is not supported on Windows (an emulated console shares the stdout pipe)');
  if (options.preserveFds) throw new InvalidArgumentError('--preserve-fds is not supported on Windows');
}

function live(record: StateRecord): LiveContainer {
  const c = liveContainers.get(record.id);
  // HCS ends a system when its creator's handles close; another process cannot take it over.
  if (!c) throw new InvalidStateError(`container ${record.id} is held by the process that created it; this process can only read its state or delete it`);
  return c;
}

/** Opens the container's system for one synchronous query (a container of another process). */
function withSystem<T>(id: string, use: (system: HcsHandle) => T): T | undefined {
  const n = native();
  let system: HcsHandle;
  try {
    system = n.openSystem(id);
  } catch {
    return undefined;
  }
  try {
    return use(system);
  } finally {
    n.close(system);
  }
}

function properties(record: StateRecord, types: string[]): Record<string, unknown> {
  const query = JSON.stringify({ PropertyTypes: types });
  const c = liveContainers.get(record.id);
  const read = (system: HcsHandle) => JSON.parse(native().operationNow(system, 'properties', query) || '{}') as Record<string, unknown>;
  try {
    const result = c ? read(containerSystem(c)) : withSystem(record.id, read);
    if (!result) throw new InvalidStateError('container not running');
    return result;
  } catch (e) {
    throw hcsError(e, `container ${record.id}: `);
  }
}

function foreignStatus(record: StateRecord): ContainerStatus {
  return withSystem(record.id, (system) => {
    const n = native();
    const state = (JSON.parse(n.operationNow(system, 'properties') || '{}') as { State?: string }).State;
    if (state === 'Paused') return 'paused';
    if (state !== 'Running') return state === 'Created' ? 'created' : 'stopped';
    if (!record.pid) return 'created';
    const init = n.openProcess(system, record.pid);
    try {
      return (JSON.parse(n.operationNow(init, 'properties') || '{}') as { Exited?: boolean }).Exited ? 'stopped' : 'running';
    } finally {
      n.close(init);
    }
  }) ?? 'stopped';
}

async function runProcess(c: LiveContainer, params: object, stdio: [number, number, number] | undefined, p: HcsProcess): Promise<void> {
  const created = await native().createProcess(containerSystem(c), JSON.stringify(params)).catch((e) => {
    throw hcsError(e);
  });
  connectStdio(created, stdio);
  p.attach(created);
}

function systemNow(c: LiveContainer, kind: 'pause' | 'resume' | 'terminate', document?: string): void {
  try {
    native().operationNow(containerSystem(c), kind, document);
  } catch (e) {
    throw hcsError(e);
  }
}

/** Windows keeps nothing beyond the shared fields: HCS finds a system by the container's id. */
type WindowsState = Record<never, never>;

export const windowsBackend: Backend<WindowsState, HcsProcess> = {
  validate(spec: Spec): void {
    checkWindowsSpec(spec);
  },

  async create(req: CreateRequest): Promise<CreatedInit<WindowsState, HcsProcess>> {
    refuseUnixOptions(req.options);
    const n = native();
    n.available();
    const documents = hcsDocuments(req.spec, { id: req.id, bundle: req.bundle, layerId: (folder) => n.nameToGuid(baseName(folder)) });
    const init = new HcsProcess();
    const c: LiveContainer = { documents, systems: [], init, execs: new Set(), options: req.options, paused: false, stopped: false };
    c.systems = await startSystems(documents.systems, () => {
      c.stopped = true;
      if (!init.started) init.end(null);
    });
    liveContainers.add(req.id, c);
    req.debug(`created ${documents.isolation === 'hyperv' ? `utility VM ${utilityVMId(req.id)} and hosted ` : ''}container ${req.id}`);
    return { live: init, console: null, rootfs: '', state: {} };
  },

  async start(record: StateRecord): Promise<number> {
    const c = live(record);
    await runProcess(c, c.documents.process, c.options.stdio, c.init);
    // Windows creates the init at start: the pid is known only now (the container layer records it).
    return c.init.pid;
  },

  async status(record: StateRecord): Promise<ContainerStatus> {
    const c = liveContainers.get(record.id);
    if (!c) return foreignStatus(record);
    if (c.stopped || c.init.hasExited) return 'stopped';
    if (c.paused) return 'paused';
    return c.init.started ? 'running' : 'created';
  },

  async signal(record: StateRecord, signal: number, all: boolean): Promise<void> {
    const c = live(record);
    if (c.stopped || c.init.hasExited) throw new InvalidStateError('container not running');
    const action = hcsSignal(signal);
    // A created container has no process yet: any signal ends it, as runc's kill of a created init does.
    if (!c.init.started || (action.terminate && all)) {
      systemNow(c, 'terminate');
      return;
    }
    if (all) for (const p of c.execs) p.signal(signal);
    c.init.signal(signal);
  },

  attach(record: StateRecord) {
    return liveContainers.get(record.id)?.init ?? null;
  },

  async pause(record: StateRecord): Promise<void> {
    const c = live(record);
    systemNow(c, 'pause');
    c.paused = true;
  },

  async resume(record: StateRecord): Promise<void> {
    const c = live(record);
    systemNow(c, 'resume');
    c.paused = false;
  },

  // changes are the Windows form (windows.resources: memory.limit, cpu.count/maximum/shares).
  async update(record: StateRecord, changes: WindowsResources): Promise<Spec> {
    const c = live(record);
    const windows = (record.spec.windows ?? {}) as { resources?: WindowsResources };
    const r = changes;
    const requests: object[] = [];
    const memory = memoryInMB(r);
    if (memory) requests.push({ ResourcePath: 'Container/Memory/SizeInMB', RequestType: 'Update', Settings: memory });
    const cpu = processor(r);
    if (cpu) requests.push({ ResourcePath: 'Container/Processor', RequestType: 'Update', Settings: cpu });
    for (const request of requests) {
      await native().operation(containerSystem(c), 'modify', JSON.stringify(request)).catch((e) => {
        throw hcsError(e, `updating container ${record.id}: `);
      });
    }
    return { ...record.spec, windows: { ...windows, resources: mergedSections(windows.resources ?? {}, changes) } };
  },

  async stats(record: StateRecord) {
    return { windows: properties(record, ['Statistics']).Statistics ?? {} };
  },

  async processes(record: StateRecord): Promise<number[]> {
    const list = (properties(record, ['ProcessList']).ProcessList ?? []) as { ProcessId: number }[];
    return list.map((p) => p.ProcessId);
  },

  async oomKills(): Promise<number> {
    return 0; // HCS reports no OOM kill count for containers.
  },

  async exec(record: StateRecord, process: Process, options: ExecOptions): Promise<StartedProcess<HcsProcess>> {
    refuseUnixOptions(options);
    const c = live(record);
    if (!c.init.started || c.init.hasExited || c.stopped) throw new InvalidStateError('cannot exec in a container that is not running');
    const p = new HcsProcess();
    await runProcess(c, processParameters(process), options.stdio, p);
    c.execs.add(p);
    p.exited.then(() => c.execs.delete(p));
    return { live: p, console: null };
  },

  resizeConsole(): void {
    throw new InvalidArgumentError('a Windows container has no console file descriptor to resize');
  },

  consoleStreams(): never {
    throw new InvalidArgumentError('a Windows container has no console file descriptor to relay');
  },

  rawTerminal(): () => void {
    // Containers get no console to relay here (see resizeConsole): nothing to make raw.
    return () => {};
  },

  features,

  async destroy(record: StateRecord): Promise<void> {
    const c = liveContainers.get(record.id);
    if (!c) {
      // Systems of another process: end them if they are still there (the utility VM after its container).
      const n = native();
      for (const id of [record.id, utilityVMId(record.id)]) {
        withSystem(id, (system) => {
          try {
            n.operationNow(system, 'terminate');
          } catch {
            // already stopped
          }
        });
      }
      return;
    }
    for (const p of c.execs) p.end(null);
    await endSystems(c.systems);
    c.init.end(null);
    liveContainers.remove(record.id);
  },
};
