// Command-line plumbing shared by main and every command: flag parsing with
// runc's (urfave/cli + Go flag) conventions and messages, argument counts,
// container id checks. Kept free of library imports beyond errors.ts so that
// loading it costs nothing.
import type { RuntimeOptions } from '../container/types.js';
import { InvalidArgumentError } from '../errors.js';
import { describe } from './log.js';

import { parseArgs } from 'node:util';

/** Options given before the command (`tsrun --root DIR state ID`). */
export interface GlobalOptions {
  root: string;
  log?: string;
  logFormat: 'text' | 'json';
  debug: boolean;
  /** What the library's Runtime gets, mapped once in main. */
  runtime: RuntimeOptions;
}

/** 'uint' is a string flag parsed as a non-negative integer, like Go's flag.Uint. */
export interface Flag {
  type: 'boolean' | 'string' | 'uint';
  short?: string;
  desc: string;
  /** A string flag that may be given again and again (values kept in order). */
  multiple?: true;
}
export type Flags = Record<string, Flag>;

export type Values<F extends Flags> = {
  [K in keyof F]?: F[K]['type'] extends 'boolean' ? boolean : F[K]['type'] extends 'uint' ? number
    : F[K]['multiple'] extends true ? string[] : string;
};

export interface Command<F extends Flags = Flags> {
  /** Positional arguments as the help shows them. */
  args: string;
  /** How many positionals (default exactly 1: the container id). */
  min?: number;
  max?: number;
  /** Flags end at the first positional: the rest belongs to a command line (exec). */
  stopAtPositional?: boolean;
  flags: F;
  // Method syntax on purpose: parameters stay bivariant, so a Command<{...}>
  // fits the Command<Flags> that main's table holds.
  run(values: Values<F>, args: string[], g: GlobalOptions): Promise<number | void>;
}

/** Identity: lets a command module declare its flags once, with typed values. */
export function command<F extends Flags>(def: Command<F>): Command<F> {
  return def;
}

/** A bad command line (runc: "Incorrect Usage"). */
export class UsageError extends Error {
  override name = 'UsageError';
}

/**
 * Parses argv against flags. util.parseArgs runs non-strict and only
 * tokenises; validation happens here so messages are Go's
 * ("flag provided but not defined: -x"), and so Go forms parseArgs rejects
 * (`--force=true`, `-b=dir`) still work. With stopAtPositional (global
 * options) parsing ends at the first positional: `rest` is the command line.
 */
export function parseFlags<F extends Flags>(
  argv: string[],
  flags: F,
  stopAtPositional = false,
): { values: Values<F>; positionals: string[]; rest: string[] } {
  const options: Record<string, { type: 'boolean' | 'string'; short?: string }> = {};
  for (const [name, f] of Object.entries(flags)) {
    options[name] = { type: f.type === 'boolean' ? 'boolean' : 'string', ...(f.short ? { short: f.short } : {}) };
  }
  const args = normalise(argv, flags, stopAtPositional);
  const { tokens } = parseArgs({ args, options, strict: false, allowPositionals: true, tokens: true });
  const values: Record<string, boolean | string | number | string[]> = {};
  const positionals: string[] = [];
  const done = (from: number) => ({ values: values as Values<F>, positionals, rest: args.slice(from) });
  for (const t of tokens) {
    if (t.kind === 'option-terminator') {
      if (stopAtPositional) return done(t.index + 1);
    } else if (t.kind === 'positional') {
      if (stopAtPositional) return done(t.index);
      positionals.push(t.value);
    } else {
      // Go names a flag with one dash whatever the user typed.
      const raw = `-${t.rawName.replace(/^-+/, '')}`;
      const flag = Object.hasOwn(flags, t.name) ? flags[t.name] : undefined;
      if (!flag) throw new UsageError(`flag provided but not defined: ${raw}`);
      const value = flagValue(flag, raw, t.value);
      if (flag.multiple) values[t.name] = [...((values[t.name] as string[] | undefined) ?? []), value as string];
      else values[t.name] = value;
    }
  }
  return done(args.length);
}

function flagValue(flag: Flag, raw: string, value: string | undefined): boolean | string | number {
  if (flag.type === 'boolean') {
    if (value === undefined) return true;
    // strconv.ParseBool's spellings.
    if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value)) return true;
    if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(value)) return false;
    throw new UsageError(`invalid boolean value "${value}" for ${raw}: parse error`);
  }
  if (value === undefined) throw new UsageError(`flag needs an argument: ${raw}`);
  if (flag.type === 'string') return value;
  if (!/^\d+$/.test(value)) throw new UsageError(`invalid value "${value}" for flag ${raw}: parse error`);
  return Number(value);
}

/**
 * Rewrites Go spellings into ones parseArgs understands: `-root` (a known
 * long name after one dash, as urfave/cli accepts) becomes `--root`, and
 * `-b=dir` becomes `--bundle=dir`. Values of string flags are left alone,
 * so `--pid-file -root` still means a file named "-root".
 */
function normalise(argv: string[], flags: Flags, stopAtPositional: boolean): string[] {
  const shorts = new Map(Object.entries(flags).flatMap(([name, f]) => (f.short ? [[f.short, name] as const] : [])));
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--' || !a.startsWith('-') || a === '-') {
      if (a === '--' || stopAtPositional) return out.concat(argv.slice(i));
      out.push(a);
      continue;
    }
    const double = a.startsWith('--');
    const eq = a.indexOf('=');
    const name = a.slice(double ? 2 : 1, eq < 0 ? undefined : eq);
    let long: string | undefined;
    if (double || name.length > 1) {
      long = Object.hasOwn(flags, name) ? name : undefined;
      out.push(long && !double ? `-${a}` : a);
    } else {
      long = shorts.get(name);
      out.push(long && eq >= 0 ? `--${long}${a.slice(eq)}` : a);
    }
    // A string flag without "=value" takes the next argument verbatim.
    if (long && flags[long]!.type !== 'boolean' && eq < 0 && i + 1 < argv.length) out.push(argv[++i]!);
  }
  return out;
}

/** runc's checkArgs messages. */
export function checkArgs(cmd: string, args: string[], min: number, max: number): void {
  let why: string | undefined;
  if (min === max && args.length !== min) why = `exactly ${min}`;
  else if (args.length < min) why = `a minimum of ${min}`;
  else if (args.length > max) why = `a maximum of ${max}`;
  if (why) throw new UsageError(`tsrun: "${cmd}" requires ${why} argument(s)`);
}

// Go's `^[\w+-\.]+$`: the class range "+-." also admits ",". \w is ASCII in
// both languages (no u flag here).
const ID = /^[\w+,\-.]+$/;

/** Checks a container id as runc does, before anything touches the disk. */
export function validateId(id: string): string {
  if (id === '') throw new InvalidArgumentError('container id cannot be empty');
  if (!ID.test(id) || id === '.' || id === '..') throw new InvalidArgumentError('invalid container ID format');
  return id;
}

/** A command's failure with its own exit status (runc's exec: 255, apart from the process's statuses). */
export class CommandFailure extends Error {
  override name = 'CommandFailure';
  constructor(message: string, readonly exitCode: number, options?: ErrorOptions) {
    super(message, options);
  }
}

/** runc wraps create/run failures: "runc create failed: <cause>". */
export function failed(cmd: string, e: unknown): Error {
  return new Error(`tsrun ${cmd} failed: ${describe(e)}`, { cause: e });
}

export function formatHelp(usage: string, summary: string, flags: Flags): string {
  const rows = Object.entries(flags).map(([name, f]) => {
    const v = f.type === 'boolean' ? '' : ' value';
    return [`--${name}${v}${f.short ? `, -${f.short}${v}` : ''}`, f.desc] as const;
  });
  const width = Math.max(0, ...rows.map(([l]) => l.length));
  const opts = rows.map(([l, d]) => `   ${l.padEnd(width)}  ${d}\n`).join('');
  return `USAGE:\n   ${usage}\n\n${summary.trimEnd()}\n${opts ? `\nOPTIONS:\n${opts}` : ''}`;
}
