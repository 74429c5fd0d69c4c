// config.json validation: the generated schema validator, then the rules the
// spec states in prose, each failure turned into a one-line SpecError that
// names the offending field.

import validateSchema, { type ValidatorError } from './config-validator.generated.js';
import { SpecError } from './errors.js';
import { PATTERN_DESCRIPTIONS } from './patterns.js';
import type { Linux, Spec } from './types.js';

/** A platform's rules beyond the shared ones (a backend's validate): throws SpecError. */
export type PlatformRules = (spec: Spec) => void;

/** Parses and validates the text of a config.json (by default for Linux, as runc reads it). */
export function parseSpec(text: string, rules: PlatformRules = checkLinuxSpec): Spec {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    // V8 quotes a snippet of the input, which may span lines.
    throw new SpecError('', `invalid JSON: ${(err as Error).message.replace(/\s*\n\s*/g, ' ')}`);
  }
  return validateSpec(value, rules);
}

/**
 * Checks that `value` is a config.json tsrun can run on the platform whose
 * rules are given (by default Linux's); throws SpecError if not.
 */
export function validateSpec(value: unknown, rules: PlatformRules = checkLinuxSpec): Spec {
  // ajv always sets errors when it returns false.
  if (!validateSchema(value)) throw schemaError(value, validateSchema.errors!);
  // The schema leaves it optional; the spec's prose requires it for `start`,
  // which every container tsrun creates will get.
  if (!value.process) fail('process', 'is required');
  rules(value);
  return value;
}

function fail(field: string, problem: string): never {
  throw new SpecError(field, problem);
}

// ---- schema errors ----------------------------------------------------------

const TYPE_NAMES: Readonly<Record<string, string>> = {
  object: 'an object',
  array: 'an array',
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'a boolean',
};

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

function schemaError(root: unknown, errors: ValidatorError[]): SpecError {
  // ajv stops at the first failure but reports every failed branch of an
  // anyOf/oneOf too: the deepest error names the most specific field.
  const err = errors.reduce((best, e) => (depth(e) > depth(best) ? e : best));
  const segments = pointerSegments(err.instancePath);
  if (err.keyword === 'required') segments.push(String(err.params.missingProperty));

  let field = '';
  let value = root;
  for (const segment of segments) {
    field = child(field, Array.isArray(value) ? Number(segment) : segment);
    value = (value as Record<string, unknown> | undefined)?.[segment];
  }
  return new SpecError(field, describe(err, value));
}

/** The dotted path of `key` under `field`: `a.b`, `a[0]`, `a["io.k8s/x"]`. */
function child(field: string, key: string | number): string {
  if (typeof key === 'number') return `${field}[${key}]`;
  if (IDENTIFIER.test(key)) return field ? `${field}.${key}` : key;
  return `${field}[${JSON.stringify(key)}]`;
}

function depth(err: ValidatorError): number {
  return err.instancePath.split('/').length + (err.keyword === 'required' ? 1 : 0);
}

function pointerSegments(pointer: string): string[] {
  return pointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function describe(err: ValidatorError, value: unknown): string {
  const { params } = err;
  switch (err.keyword) {
    case 'type':
      return `must be ${TYPE_NAMES[String(params.type)] ?? String(params.type)}`;
    case 'required':
      return 'is required';
    case 'enum':
      return `must be one of ${(params.allowedValues as unknown[]).join(', ')} (got ${show(value)})`;
    case 'pattern': {
      const pattern = String(params.pattern);
      return `${PATTERN_DESCRIPTIONS[pattern] ?? `must match /${pattern}/`} (got ${show(value)})`;
    }
    case 'minimum':
    case 'maximum':
      return `must be ${String(params.comparison)} ${String(params.limit)} (got ${show(value)})`;
    case 'minItems':
      return params.limit === 1 ? 'must not be empty' : `must have at least ${String(params.limit)} items`;
    default:
      return `is invalid (${err.keyword})`;
  }
}

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

// ---- rules beyond the schema ------------------------------------------------

/** Linux's rules (config.md, config-linux.md): root and args required, paths absolute from "/". */
export function checkLinuxSpec(spec: Spec): void {
  if (!spec.root) fail('root', 'is required');
  if (spec.root.path === '') fail('root.path', 'must not be empty');
  checkArgs(spec, false);
  checkPaths(spec, (path) => path.startsWith('/'));
  if (spec.linux) checkLinux(spec.linux);
}

/**
 * Windows's rules (config.md, config-windows.md): root is required for
 * process isolation (a Hyper-V container boots from its utility VM instead;
 * hcsshim ignores a root given there, so tsrun does too); args or
 * commandLine; paths absolute with a drive letter or as UNC paths.
 */
export function checkWindowsSpec(spec: Spec): void {
  const hyperv = (spec.windows as { hyperv?: unknown } | undefined)?.hyperv !== undefined;
  if (!spec.root && !hyperv) fail('root', 'is required for process isolation');
  checkArgs(spec, true);
  checkPaths(spec, (path) => /^([A-Za-z]:[\\/]|\\\\)/.test(path));
}

function checkArgs(spec: Spec, commandLine: boolean): void {
  const { args } = spec.process!;
  // Windows runs commandLine as given when set (args are then ignored, as hcsshim does).
  if (commandLine && spec.process!.commandLine) return;
  if (!args) fail('process.args', commandLine ? 'is required (or process.commandLine)' : 'is required');
  if (args.length === 0) fail('process.args', 'must not be empty');
  if (args[0] === '') fail('process.args[0]', 'must not be empty');
}

/** process.cwd and the mount destinations: absolute as the platform defines it. */
function checkPaths(spec: Spec, absolute: (path: string) => boolean): void {
  const cwd = spec.process!.cwd;
  if (!absolute(cwd)) fail('process.cwd', `must be an absolute path (got ${show(cwd)})`);
  spec.mounts?.forEach((m, i) => {
    if (!absolute(m.destination)) fail(`mounts[${i}].destination`, `must be an absolute path (got ${show(m.destination)})`);
  });
}

function checkLinux(linux: Linux): void {
  const namespaces = new Map<string, number>();
  linux.namespaces?.forEach((ns, i) => {
    const first = namespaces.get(ns.type);
    if (first !== undefined) {
      fail(`linux.namespaces[${i}].type`, `duplicate namespace "${ns.type}" (also linux.namespaces[${first}])`);
    }
    namespaces.set(ns.type, i);
  });

  for (const key of ['uidMappings', 'gidMappings'] as const) {
    if (linux[key]?.length && !namespaces.has('user')) {
      fail(`linux.${key}`, 'needs a "user" namespace in linux.namespaces');
    }
  }

  if (linux.timeOffsets && Object.keys(linux.timeOffsets).length > 0) {
    const time = namespaces.get('time');
    if (time === undefined) fail('linux.timeOffsets', 'needs a "time" namespace in linux.namespaces');
    // Offsets can only be written before the first process enters a time namespace.
    if (linux.namespaces?.[time]?.path !== undefined) {
      fail('linux.timeOffsets', `cannot be set when joining an existing time namespace (linux.namespaces[${time}].path)`);
    }
  }

  linux.devices?.forEach((dev, i) => {
    if (dev.type === 'p') return;
    if (dev.major === undefined) fail(`linux.devices[${i}].major`, `is required for type "${dev.type}"`);
    if (dev.minor === undefined) fail(`linux.devices[${i}].minor`, `is required for type "${dev.type}"`);
  });

  linux.resources?.blockIO?.weightDevice?.forEach((dev, i) => {
    if (dev.weight === undefined && dev.leafWeight === undefined) {
      fail(`linux.resources.blockIO.weightDevice[${i}]`, 'must set weight or leafWeight');
    }
  });

  for (const [name, limit] of Object.entries(linux.resources?.rdma ?? {})) {
    if (limit.hcaHandles === undefined && limit.hcaObjects === undefined) {
      fail(child('linux.resources.rdma', name), 'must set hcaHandles or hcaObjects');
    }
  }

  const { seccomp } = linux;
  if (seccomp) {
    if (seccomp.listenerMetadata !== undefined && seccomp.listenerPath === undefined) {
      fail('linux.seccomp.listenerMetadata', 'needs linux.seccomp.listenerPath');
    }
    if (seccomp.defaultErrnoRet !== undefined && !takesErrno(seccomp.defaultAction)) {
      fail('linux.seccomp.defaultErrnoRet', `is not valid with defaultAction ${seccomp.defaultAction}`);
    }
    seccomp.syscalls?.forEach((rule, i) => {
      if (rule.errnoRet !== undefined && !takesErrno(rule.action)) {
        fail(`linux.seccomp.syscalls[${i}].errnoRet`, `is not valid with action ${rule.action}`);
      }
    });
  }
}

function takesErrno(action: string): boolean {
  return action === 'SCMP_ACT_ERRNO' || action === 'SCMP_ACT_TRACE';
}
