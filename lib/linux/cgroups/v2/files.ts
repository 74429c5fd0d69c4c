// Reading and writing cgroup v2 interface files, shared by the controllers.
// A write is one write(2) of the whole value on an fd opened O_WRONLY (never
// O_CREAT: a missing knob is reported as missing, not as EACCES), so the
// kernel's verdict on the value comes back as it gave it.
import { closeSync, existsSync, openSync, readdirSync, readFileSync, writeSync, constants } from 'node:fs';
import { join } from 'node:path';
import { SpecError } from '../../../spec/errors.js';

/** What the kernel said, readably: "invalid argument (EINVAL)". */
export function reason(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (!err || typeof err.code !== 'string') return String((err as Error)?.message ?? e);
  // Node's message: "EINVAL: invalid argument, write"; keep the description.
  const m = /^[A-Z0-9]+: ([^,]+)/.exec(err.message ?? '');
  return m ? `${m[1]} (${err.code})` : err.code;
}

export function errno(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException)?.code;
}

/** Writes `value` to dir/file in one write(2); throws the raw Node error. */
export function writeRaw(dir: string, file: string, value: string): void {
  const fd = openSync(join(dir, file), constants.O_WRONLY);
  try {
    writeSync(fd, value);
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes a value for a config.json field: a refusal becomes a SpecError that
 * names the field and gives the kernel's reason.
 */
export function writeField(dir: string, file: string, value: string, field: string): void {
  try {
    writeRaw(dir, file, value);
  } catch (e) {
    const why = errno(e) === 'ENOENT'
      ? `${file} does not exist in this cgroup (its controller is not enabled, or the kernel has no such file)`
      : `writing "${value}" to ${file}: ${reason(e)}`;
    throw new SpecError(field, why);
  }
}

/** The file's content, trimmed; undefined when it does not exist. */
export function readOptional(dir: string, file: string): string | undefined {
  try {
    return readFileSync(join(dir, file), 'utf8').trim();
  } catch (e) {
    if (errno(e) === 'ENOENT' || errno(e) === 'ENODEV') return undefined;
    throw e;
  }
}

export function exists(dir: string, file: string): boolean {
  return existsSync(join(dir, file));
}

/** The unsigned 64-bit "max" as a JS number (18446744073709551615, rounded). */
export const MAX_U64 = 2 ** 64 - 1;

/** A cgroup number: "max" is MAX_U64, as runc's GetCgroupParamUint reads it. */
export function parseValue(text: string): number {
  const t = text.trim();
  if (t === 'max') return MAX_U64;
  const n = Number(t);
  if (!Number.isFinite(n)) throw new Error(`not a number: "${t}"`);
  return n < 0 ? 0 : n; // runc reads negative values (memory.low -1) as 0
}

/** A single-value file as a number; undefined when missing. */
export function readValue(dir: string, file: string): number | undefined {
  const t = readOptional(dir, file);
  return t === undefined ? undefined : parseValue(t);
}

/** "key value" lines (cpu.stat, memory.stat, memory.events). */
export function flatKeyed(text: string | undefined): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of (text ?? '').split('\n')) {
    const [k, v] = line.trim().split(/\s+/);
    if (k && v !== undefined) out.set(k, parseValue(v));
  }
  return out;
}

/** "maj:min key=value ..." lines (io.stat): device -> key -> value. */
export function nestedKeyed(text: string | undefined): Map<string, Map<string, number>> {
  const out = new Map<string, Map<string, number>>();
  for (const line of (text ?? '').split('\n')) {
    const [device, ...pairs] = line.trim().split(/\s+/);
    if (!device || pairs.length === 0) continue;
    const values = new Map<string, number>();
    for (const p of pairs) {
      const eq = p.indexOf('=');
      if (eq > 0) values.set(p.slice(0, eq), parseValue(p.slice(eq + 1)));
    }
    out.set(device, values);
  }
  return out;
}

/** The controllers listed in a cgroup.controllers / cgroup.subtree_control file. */
export function controllerList(dir: string, file = 'cgroup.controllers'): string[] {
  return (readOptional(dir, file) ?? '').split(/\s+/).filter(Boolean);
}

/** Sub-cgroup directories (names) of dir. */
export function children(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
  } catch (e) {
    if (errno(e) === 'ENOENT') return [];
    throw e;
  }
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Blocks the thread for ms milliseconds (the manager is synchronous). */
export function sleepMs(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}
