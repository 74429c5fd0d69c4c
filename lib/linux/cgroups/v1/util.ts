// Small helpers shared by the v1 controllers: cgroupfs reads and writes
// (one write(2) per value, as the kernel parses each write on its own), with
// errors that name the config.json field and carry the kernel's reason.
import { closeSync, existsSync, openSync, readFileSync, writeSync, constants } from 'node:fs';
import { SpecError } from '../../../spec/errors.js';

/** Error codes to the wording of strerror(3), for messages like runc's. */
const REASONS: Record<string, string> = {
  EINVAL: 'invalid argument',
  EBUSY: 'device or resource busy',
  EPERM: 'operation not permitted',
  EACCES: 'permission denied',
  ENOENT: 'no such file or directory',
  ENOSPC: 'no space left on device',
  ERANGE: 'numerical result out of range',
  EOPNOTSUPP: 'operation not supported',
  ENOTSUP: 'operation not supported',
  ENODEV: 'no such device',
  ESRCH: 'no such process',
  EROFS: 'read-only file system',
  ENOTEMPTY: 'directory not empty',
  EEXIST: 'file exists',
};

/** The kernel's reason for a failed syscall: "invalid argument (EINVAL)". */
export function reason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException)?.code;
  if (code && REASONS[code]) return `${REASONS[code]} (${code})`;
  if (code) return code;
  return e instanceof Error ? e.message : String(e);
}

export function errnoOf(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException)?.code;
}

/** Writes `value` to dir/file in a single write(2); throws the raw errno error. */
export function writeRaw(dir: string, file: string, value: string): void {
  // O_WRONLY without O_CREAT/O_TRUNC (libuv adds O_CLOEXEC): cgroupfs files exist or not, and some
  // are write-only (devices.allow).
  const fd = openSync(`${dir}/${file}`, constants.O_WRONLY);
  try {
    writeSync(fd, value);
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes a value for config.json `field`; on failure throws a SpecError with
 * the file, the value and the kernel's reason (plus `hint` when given).
 */
export function write(dir: string, file: string, value: string | number | bigint, field: string, hint?: (e: unknown) => string | undefined): void {
  const text = String(value);
  try {
    writeRaw(dir, file, text);
  } catch (e) {
    if (errnoOf(e) === 'ENOENT' && !existsSync(`${dir}/${file}`) && existsSync(dir)) {
      throw new SpecError(field, `${file} does not exist in ${dir}: the kernel does not support this setting`);
    }
    const extra = hint?.(e);
    throw new SpecError(field, `cannot write "${text.trim()}" to ${dir}/${file}: ${reason(e)}${extra ? ` (${extra})` : ''}`);
  }
}

export function read(dir: string, file: string): string {
  return readFileSync(`${dir}/${file}`, 'utf8');
}

/** The file's content, or undefined when it does not exist. */
export function readIfExists(dir: string, file: string): string | undefined {
  try {
    return read(dir, file);
  } catch (e) {
    if (errnoOf(e) === 'ENOENT' || errnoOf(e) === 'ENODEV') return undefined;
    throw e;
  }
}

export function exists(dir: string, file: string): boolean {
  return existsSync(`${dir}/${file}`);
}

/**
 * A cgroup counter as a number, like runc's GetCgroupParamUint: "max" is
 * 2^64-1 (as a double), a negative value clamps to 0. Values above 2^53 lose
 * their low bits, which for limits like 9223372036854771712 (2^63 - 4096) is
 * still exact.
 */
export function parseUint(text: string): number {
  const t = text.trim();
  if (t === 'max') return 18446744073709551615;
  const n = Number(t);
  if (!Number.isFinite(n)) throw new Error(`not a number: "${t}"`);
  return n < 0 ? 0 : n;
}

export function readUint(dir: string, file: string): number {
  return parseUint(read(dir, file));
}

/** readUint, or undefined when the file does not exist. */
export function readUintIfExists(dir: string, file: string): number | undefined {
  const t = readIfExists(dir, file);
  return t === undefined ? undefined : parseUint(t);
}

/** "key value" lines (memory.stat, cpu.stat, memory.oom_control) as a map. */
export function parseKeyValues(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const [k, v] = line.trim().split(/\s+/);
    if (k && v !== undefined) out[k] = parseUint(v);
  }
  return out;
}

/** Blocks the thread for `ms` milliseconds (the driver is synchronous). */
export function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** A resource value is "set" when present and not 0 (Docker sends 0 for unset). */
export function isSet(v: number | undefined | null): v is number {
  return v !== undefined && v !== null && v !== 0;
}
