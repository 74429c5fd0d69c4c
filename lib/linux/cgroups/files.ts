// Reading and writing cgroupfs files, for the v1 and v2 drivers alike. A write
// is one write(2) of the whole value on an fd opened O_WRONLY (never O_CREAT:
// a missing knob is reported as missing, not as EACCES; some files, like
// devices.allow, are write-only), as the kernel parses each write on its own,
// so its verdict on the value comes back as it gave it.
import { closeSync, existsSync, openSync, readdirSync, readFileSync, writeSync, constants } from 'node:fs';
import { join } from 'node:path';
import { SpecError } from '../../spec/errors.js';

export function errno(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException)?.code;
}

/** What the kernel said, readably: "invalid argument (EINVAL)". */
export function reason(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (!err || typeof err.code !== 'string') return String((err as Error)?.message ?? e);
  // Node's message: "EINVAL: invalid argument, write"; keep the description.
  const m = /^[A-Z0-9]+: ([^,]+)/.exec(err.message ?? '');
  return m ? `${m[1]} (${err.code})` : err.code;
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
 * names the field and gives the kernel's reason (and `hint`'s, when it has one).
 */
export function writeField(
  dir: string,
  file: string,
  value: string | number | bigint,
  field: string,
  hint?: (e: unknown) => string | undefined,
): void {
  const text = String(value);
  try {
    writeRaw(dir, file, text);
  } catch (e) {
    if (errno(e) === 'ENOENT' && existsSync(dir)) {
      throw new SpecError(field, `${file} does not exist in ${dir} (its controller is not enabled there, or the kernel has no such file)`);
    }
    const extra = hint?.(e);
    throw new SpecError(field, `writing "${text.trim()}" to ${file}: ${reason(e)}${extra ? ` (${extra})` : ''}`);
  }
}

/** The file's content, as the kernel gives it. */
export function read(dir: string, file: string): string {
  return readFileSync(join(dir, file), 'utf8');
}

/** The file's content, trimmed; undefined when it (or its cgroup) does not exist. */
export function readOptional(dir: string, file: string): string | undefined {
  try {
    return read(dir, file).trim();
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

/**
 * A cgroup counter as a number, like runc's GetCgroupParamUint: "max" is
 * MAX_U64, a negative value (memory.low -1) clamps to 0. Values above 2^53
 * lose their low bits, which for limits like 2^63 - 4096 is still exact.
 */
export function parseUint(text: string): number {
  const t = text.trim();
  if (t === 'max') return MAX_U64;
  const n = Number(t);
  if (!Number.isFinite(n)) throw new Error(`not a number: "${t}"`);
  return n < 0 ? 0 : n;
}

/** A single-value file as a number; throws when it is missing. */
export function readUint(dir: string, file: string): number {
  return parseUint(read(dir, file));
}

/** A single-value file as a number; undefined when it is missing. */
export function readUintIfExists(dir: string, file: string): number | undefined {
  const t = readOptional(dir, file);
  return t === undefined ? undefined : parseUint(t);
}

/** "key value" lines (cpu.stat, memory.stat, memory.events, memory.oom_control). */
export function flatKeyed(text: string | undefined): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of (text ?? '').split('\n')) {
    const [k, v] = line.trim().split(/\s+/);
    if (k && v !== undefined) out.set(k, parseUint(v));
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
      if (eq > 0) values.set(p.slice(0, eq), parseUint(p.slice(eq + 1)));
    }
    out.set(device, values);
  }
  return out;
}

/** The controllers listed in a cgroup.controllers / cgroup.subtree_control file. */
export function controllerList(dir: string, file = 'cgroup.controllers'): string[] {
  return (readOptional(dir, file) ?? '').split(/\s+/).filter(Boolean);
}

/** Sub-cgroup directories (names) of dir; none when dir is gone. */
export function children(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
  } catch (e) {
    if (errno(e) === 'ENOENT') return [];
    throw e;
  }
}

/** Host pids in dir/cgroup.procs. */
export function procs(dir: string): number[] {
  return (readOptional(dir, 'cgroup.procs') ?? '').split('\n').filter(Boolean).map(Number);
}

/** Host pids in dir and the cgroups below it. */
export function treePids(dir: string): number[] {
  const out = procs(dir);
  for (const name of children(dir)) out.push(...treePids(join(dir, name)));
  return out;
}

/** A resource value is "set" when present and not 0 (Docker sends 0 for unset). */
export function isSet(v: number | undefined | null): v is number {
  return v !== undefined && v !== null && v !== 0;
}

/** The value when it is set (isSet), else undefined. */
export function set<T extends number>(v: T | undefined | null): T | undefined {
  return isSet(v) ? v : undefined;
}
