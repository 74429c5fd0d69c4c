// linux.seccomp: the profile of config.json turned into a BPF program, here in
// the runtime's process, before the container's init is cloned. libseccomp
// (native/linux/seccomp.cc) builds and exports the filter; the init only
// hands the bytes to seccomp(2). How a profile becomes a filter follows runc:
// unknown syscall names are skipped, rules with the default action are
// skipped, SCMP_ACT_ERRNO/SCMP_ACT_TRACE return EPERM unless errnoRet says
// otherwise, conditions naming the same argument become separate rules, and
// syscalls newer than the profile get ENOSYS rather than the default action.
import { K, native } from './native.js';
import { SpecError } from '../spec/errors.js';
import type { LinuxSeccomp, Spec } from '../spec/types.js';
import { SECCOMP_ACTIONS, SECCOMP_ARCHES, SECCOMP_FLAGS, SECCOMP_OPERATORS } from '../spec/seccomp-names.generated.js';

export interface SeccompPlan {
  /** struct sock_filter[], host byte order: what seccomp(SECCOMP_SET_MODE_FILTER) takes. */
  program: Buffer;
  /** SECCOMP_FILTER_FLAG_* for seccomp(2). */
  flags: number;
  /** Where the notify fd goes (set when a rule is SCMP_ACT_NOTIFY). */
  listenerPath?: string;
  listenerMetadata?: string;
  /** Syscall names of the profile that libseccomp does not know (skipped, as runc does). */
  unknownSyscalls: string[];
}

/** What native.seccompCompile takes. Actions are SCMP_ACT_* values (K.SCMP_ACT_*). */
export interface SeccompFilter {
  defaultAction: number;
  /** Return code of a SCMP_ACT_ERRNO / SCMP_ACT_TRACE default action (EPERM if absent). */
  defaultErrno?: number;
  /** libseccomp architecture names ("x86_64", "x86", "x32", "aarch64", ...). */
  architectures: string[];
  rules: SeccompRule[];
  /** Put runc's -ENOSYS stub in front of the filter (default true). */
  enosysStub?: boolean;
}

export interface SeccompRule {
  syscall: string;
  action: number;
  errno?: number;
  args: { index: number; op: number; value: bigint; valueTwo: bigint }[];
}

/** OCI SCMP_ARCH_* -> libseccomp's name of it: the rest of the name, in lower case. */
function libseccompArch(name: string): string {
  return name.slice('SCMP_ARCH_'.length).toLowerCase();
}

const MAX_U64 = (1n << 64n) - 1n;

function has(names: readonly string[], key: unknown): key is string {
  return typeof key === 'string' && names.includes(key);
}

function action(name: unknown, field: string): number {
  if (!has(SECCOMP_ACTIONS, name)) throw new SpecError(field, `unknown seccomp action ${JSON.stringify(name)}`);
  const value = K[name];
  if (value === undefined) throw new SpecError(field, `${name} is not supported by this build`);
  return value;
}

function errnoRet(value: unknown, field: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 0xffff) {
    throw new SpecError(field, 'must be an integer from 0 to 65535');
  }
  return value;
}

/** A uint64 of config.json: numbers past 2^53 have lost their low bits in
 * JSON.parse, so the largest ones (2^64 - 1 reads as 2^64) are clamped. */
function u64(value: unknown, field: string): bigint {
  if (value === undefined || value === null) return 0n;
  if (typeof value === 'bigint') {
    if (value < 0n || value > MAX_U64) throw new SpecError(field, 'must be an integer from 0 to 2^64-1');
    return value;
  }
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 2 ** 64) {
    throw new SpecError(field, 'must be an integer from 0 to 2^64-1');
  }
  const n = BigInt(value);
  return n > MAX_U64 ? MAX_U64 : n;
}

/** The takesErrno actions: errnoRet only applies to them. */
function takesErrno(name: string): boolean {
  return name === 'SCMP_ACT_ERRNO' || name === 'SCMP_ACT_TRACE';
}

/**
 * The seccomp filter of `spec.linux.seccomp`, compiled, or null when there is
 * none. Throws SpecError naming the field for what cannot be compiled.
 */
/** What this build supports, for `features`. */
export function seccompFeatures(): { actions: string[]; operators: string[]; archs: string[] } {
  return { actions: [...SECCOMP_ACTIONS].sort(), operators: [...SECCOMP_OPERATORS].sort(), archs: [...SECCOMP_ARCHES].sort() };
}

export function planSeccomp(spec: Spec, warn: (msg: string) => void): SeccompPlan | null {
  const seccomp: LinuxSeccomp | undefined = spec.linux?.seccomp;
  if (!seccomp) return null;
  const F = 'linux.seccomp';

  if (seccomp.defaultAction === 'SCMP_ACT_NOTIFY') {
    // The init must still report back to the runtime after loading the filter.
    throw new SpecError(`${F}.defaultAction`, 'SCMP_ACT_NOTIFY cannot be the default action');
  }
  const filter: SeccompFilter = {
    defaultAction: action(seccomp.defaultAction, `${F}.defaultAction`),
    architectures: [],
    rules: [],
  };
  const defaultErrno = errnoRet(seccomp.defaultErrnoRet, `${F}.defaultErrnoRet`);
  if (defaultErrno !== undefined && takesErrno(seccomp.defaultAction)) filter.defaultErrno = defaultErrno;

  const archField: string[] = [];
  (seccomp.architectures ?? []).forEach((arch, i) => {
    if (!has(SECCOMP_ARCHES, arch)) {
      throw new SpecError(`${F}.architectures[${i}]`, `unknown seccomp architecture ${JSON.stringify(arch)}`);
    }
    filter.architectures.push(libseccompArch(arch));
    archField.push(`${F}.architectures[${i}]`);
  });

  // One rule per name, as runc flattens them; remember where each came from.
  const ruleField: string[] = [];
  let notify = false;
  (seccomp.syscalls ?? []).forEach((call, i) => {
    const field = `${F}.syscalls[${i}]`;
    const act = action(call.action, `${field}.action`);
    const errno = errnoRet(call.errnoRet, `${field}.errnoRet`);
    const args = (call.args ?? []).map((arg, j) => {
      const at = `${field}.args[${j}]`;
      if (!Number.isInteger(arg.index) || arg.index < 0 || arg.index > 5) {
        throw new SpecError(`${at}.index`, 'must be 0 to 5 (a syscall has at most six arguments)');
      }
      if (!has(SECCOMP_OPERATORS, arg.op)) throw new SpecError(`${at}.op`, `unknown seccomp operator ${JSON.stringify(arg.op)}`);
      return { index: arg.index, op: K[arg.op], value: u64(arg.value, `${at}.value`), valueTwo: u64(arg.valueTwo, `${at}.valueTwo`) };
    });
    if (!Array.isArray(call.names) || call.names.length === 0) {
      throw new SpecError(`${field}.names`, 'must name at least one syscall');
    }
    call.names.forEach((name, j) => {
      if (typeof name !== 'string' || name === '') throw new SpecError(`${field}.names[${j}]`, 'is not a syscall name');
      if (call.action === 'SCMP_ACT_NOTIFY') {
        notify = true;
        // The init writes to the runtime after loading the filter: a
        // notified write would wait for an agent that has no fd yet.
        if (name === 'write') throw new SpecError(`${field}.names[${j}]`, 'SCMP_ACT_NOTIFY cannot be used for write');
      }
      const rule: SeccompRule = { syscall: name, action: act, args };
      if (errno !== undefined && takesErrno(call.action)) rule.errno = errno;
      filter.rules.push(rule);
      ruleField.push(field);
    });
  });

  let flags = 0;
  const flagNames = new Set<string>();
  (seccomp.flags ?? []).forEach((flag, i) => {
    if (!has(SECCOMP_FLAGS, flag)) throw new SpecError(`${F}.flags[${i}]`, `unknown seccomp flag ${JSON.stringify(flag)}`);
    const value = K[flag];
    if (value === undefined) throw new SpecError(`${F}.flags[${i}]`, `${flag} is not supported by this build`);
    flagNames.add(flag);
    flags |= value;
  });
  if (notify) {
    if (!seccomp.listenerPath) {
      throw new SpecError(`${F}.listenerPath`, 'is required when a rule uses SCMP_ACT_NOTIFY');
    }
    flags |= K.SECCOMP_FILTER_FLAG_NEW_LISTENER;
    // The kernel refuses TSYNC with NEW_LISTENER; the init has one thread,
    // so TSYNC changes nothing there anyway.
    if (flagNames.has('SECCOMP_FILTER_FLAG_TSYNC')) flags &= ~K.SECCOMP_FILTER_FLAG_TSYNC;
  } else if (flagNames.has('SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV')) {
    throw new SpecError(`${F}.flags`, 'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV needs a rule with SCMP_ACT_NOTIFY');
  }

  let compiled: { program: Buffer; unknownSyscalls: string[]; warnings: string[] };
  try {
    compiled = native.seccompCompile(filter);
  } catch (e) {
    const err = e as Error & { rule?: number; arch?: number };
    if (typeof err.rule === 'number' && ruleField[err.rule]) throw new SpecError(ruleField[err.rule], err.message);
    if (typeof err.arch === 'number' && archField[err.arch]) throw new SpecError(archField[err.arch], err.message);
    throw new SpecError(F, err.message);
  }
  for (const w of compiled.warnings) warn(`seccomp: ${w}`);

  const plan: SeccompPlan = { program: compiled.program, flags, unknownSyscalls: compiled.unknownSyscalls };
  if (notify) {
    plan.listenerPath = seccomp.listenerPath;
    if (seccomp.listenerMetadata !== undefined) plan.listenerMetadata = seccomp.listenerMetadata;
  }
  return plan;
}
