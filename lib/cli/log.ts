// runc's logging (logrus): one line per entry, `time="..." level=error
// msg="..."` or a JSON object. Without --log the entry goes to stderr; with
// --log it is appended to that file and the bare message goes to stderr,
// which is what runc 1.1 does and what engines show their users.

import { appendFileSync } from 'node:fs';

export interface LogConfig {
  file?: string;
  format: 'text' | 'json';
  debug: boolean;
}

let config: LogConfig = { format: 'text', debug: false };

export function configure(c: LogConfig): void {
  config = c;
}

export function error(msg: string): void {
  write('error', msg);
}

export function warn(msg: string): void {
  write('warning', msg);
}

export function debug(msg: string): void {
  if (config.debug) write('debug', msg);
}

function write(level: 'error' | 'warning' | 'debug', message: string): void {
  const msg = oneLine(message);
  const time = rfc3339(new Date());
  const line = config.format === 'json'
    ? goJSON({ level, msg, time }) // logrus marshals a map: keys sorted
    : `time=${quote(time)} level=${level} msg=${quote(msg)}`;
  if (config.file) {
    try {
      appendFileSync(config.file, `${line}\n`, { mode: 0o644 });
    } catch {
      // An unwritable log must not hide the error being reported.
      process.stderr.write(`${line}\n`);
      return;
    }
    if (level === 'error') process.stderr.write(`${msg}\n`);
  } else {
    process.stderr.write(`${line}\n`);
  }
}

/** An error as one line, in Go's words for system errors ("open /x: no such file or directory"). */
export function describe(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const { code, syscall, path } = e as NodeJS.ErrnoException;
  if (typeof code === 'string' && syscall) {
    // Node: "ENOENT: no such file or directory, open '/x'" -> the middle part.
    const text = /^[A-Z0-9_]+: ([^,]+)/.exec(e.message)?.[1] ?? e.message;
    return `${syscall}${path ? ` ${path}` : ''}: ${text}`;
  }
  return e.message;
}

const GO_ESCAPES: Record<string, string> = { '<': '\\u003c', '>': '\\u003e', '&': '\\u0026', '\u2028': '\\u2028', '\u2029': '\\u2029' };

/**
 * JSON as Go's encoding/json writes it (HTML-escaped), for log lines and for
 * state/list output. The escaped characters only occur inside strings, so
 * rewriting the whole text is safe.
 */
export function goJSON(value: unknown, indent = ''): string {
  return JSON.stringify(value, null, indent).replace(/[<>&\u2028\u2029]/g, (c) => GO_ESCAPES[c]!);
}

function oneLine(s: string): string {
  return s.trim().replace(/\s*\n\s*/g, ' ');
}

/** logrus quotes a value unless it is made only of these characters. */
const BARE = /^[\w\-./@^+]*$/;
const ESC: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\v': '\\v' };

/** Go's %q, enough for log text: escapes, \xNN for other control bytes. */
function quote(s: string): string {
  if (BARE.test(s)) return s;
  const body = s.replace(/["\\\x00-\x1f\x7f]/g, (c) => ESC[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return `"${body}"`;
}

/** Go's time.RFC3339 in local time: seconds, "Z" or "+hh:mm". */
function rfc3339(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const off = -d.getTimezoneOffset();
  const zone = off === 0 ? 'Z' : `${off > 0 ? '+' : '-'}${p(Math.trunc(Math.abs(off) / 60))}:${p(Math.abs(off) % 60)}`;
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}${zone}`;
}
