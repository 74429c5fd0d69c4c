// The Windows addon (native/windows), typed. It makes HCS calls and moves
// stdio bytes; lib/windows decides what to call.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** An open HCS compute system or process (closed only by close()). */
export type HcsHandle = { readonly __hcsHandle: unique symbol };
/** A stdio reader thread. */
export type PipeReader = { readonly __pipeReader: unique symbol };

export type SystemOperation = 'start' | 'shutdown' | 'terminate' | 'pause' | 'resume' | 'modify' | 'properties';
export type ProcessOperation = 'signal' | 'terminate' | 'modify' | 'properties';

export interface CreatedProcess {
  process: HcsHandle;
  pid: number;
  stdin: number | null;
  stdout: number | null;
  stderr: number | null;
}

/** HCS event types (computedefs.h HCS_EVENT_TYPE). */
export const HCS_EVENT = {
  SystemExited: 0x1,
  SystemCrashInitiated: 0x2,
  SystemCrashReport: 0x3,
  ProcessExited: 0x10000,
  ServiceDisconnect: 0x2000000,
} as const;

export interface WindowsNative {
  /** Throws "HCS is not available: ..." where computecore.dll cannot be loaded. */
  available(): void;
  createSystem(id: string, document: string): Promise<HcsHandle>;
  openSystem(id: string): HcsHandle;
  operation(handle: HcsHandle, kind: SystemOperation | ProcessOperation, document?: string): Promise<string>;
  operationNow(handle: HcsHandle, kind: SystemOperation | ProcessOperation, document?: string): string;
  createProcess(system: HcsHandle, parameters: string): Promise<CreatedProcess>;
  openProcess(system: HcsHandle, pid: number): HcsHandle;
  watch(handle: HcsHandle, onEvent: (type: number, data: string) => void): void;
  ref(handle: HcsHandle, keepAlive: boolean): void;
  close(handle: HcsHandle): void;
  nameToGuid(name: string): string;
  readerStart(pipe: number, onChunk: (chunk: Buffer | null, error?: number) => void): PipeReader;
  readerRequest(reader: PipeReader): void;
  readerClose(reader: PipeReader): void;
  write(pipe: number, data: Buffer): Promise<void>;
  closeHandle(pipe: number): void;
}

const root = fileURLToPath(new URL('../..', import.meta.url));
// The mingw cross build, the shipped prebuild, a native (MSVC) build: the first that exists.
const CANDIDATES = ['build/windows/tsrun.node', 'prebuilds/win32-x64/tsrun.node', 'build/Release/tsrun.node'];

let loaded: WindowsNative | undefined;

export function native(): WindowsNative {
  if (!loaded) {
    const path = CANDIDATES.map((p) => `${root}${p}`).find((p) => existsSync(p));
    if (!path) throw new Error(`tsrun's Windows addon is not built (looked for ${CANDIDATES.join(', ')})`);
    loaded = createRequire(import.meta.url)(path) as WindowsNative;
  }
  return loaded;
}
