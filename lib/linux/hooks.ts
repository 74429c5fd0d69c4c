// hooks: prestart, createRuntime, poststart and poststop run here, in the
// runtime's namespaces; createContainer and startContainer are run by the
// init itself, in the container's (see RunHooks in
// native/linux/init/process.cc). Each gets the container's state as JSON on
// stdin.
import { accessSync, constants, fstatSync, readSync } from 'node:fs';
import type { Spec } from '../spec/types.js';
import { SpecError } from '../spec/errors.js';
import { TsrunError } from '../errors.js';
import { native, type ReapedStatus } from './native.js';
import { whenReadable } from './reactor.js';
import { constants as osConstants } from 'node:os';

export type HookKind = 'prestart' | 'createRuntime' | 'createContainer' | 'startContainer' | 'poststart' | 'poststop';
type Hook = NonNullable<NonNullable<Spec['hooks']>['prestart']>[number];

/** The hooks of one kind, with their config field for messages. */
export function hooksOf(spec: Spec, kind: HookKind): Hook[] {
  return spec.hooks?.[kind] ?? [];
}

/** A hook that cannot run is an error at create, not when its time comes. */
export function checkHooks(spec: Spec): void {
  for (const kind of Object.keys(spec.hooks ?? {}) as HookKind[]) {
    hooksOf(spec, kind).forEach((h, i) => {
      // createContainer and startContainer paths resolve later, inside the container.
      if (kind === 'startContainer') return;
      try {
        accessSync(h.path, constants.X_OK);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        throw new SpecError(`hooks.${kind}[${i}].path`, `${h.path}: ${code === 'ENOENT' ? 'no such file or directory' : 'not executable'}`);
      }
    });
  }
}

/** The init's form of a hook: argv and env as it execs them, and where (runc's choice). */
export function initHook(h: Hook, cwd: string): { path: string; args: string[]; env: string[]; timeout: number; cwd: string } {
  return { path: h.path, args: h.args?.length ? h.args : [h.path], env: h.env ?? [], timeout: h.timeout ?? 0, cwd };
}

/** How a hook the init ran failed: its wait status, or an errno (ETIMEDOUT, ...). */
export function describeInitHookFailure(spec: Spec, kind: HookKind, index: number, status: number, errno: number): string {
  const h = hooksOf(spec, kind)[index];
  let why: string;
  if (status !== 0) why = status & 0x7f ? `killed by signal ${status & 0x7f}` : `exit status ${(status >> 8) & 0xff}`;
  else if (errno === osConstants.errno.ETIMEDOUT) why = `timed out after ${h?.timeout}s`;
  else why = native.strerror(errno);
  return `hooks.${kind}[${index}] (${h?.path}): ${why}`;
}

/** What the hook wrote on stderr (a memfd, read from its start), trimmed. */
function readStderr(fd: number): string {
  const buf = Buffer.alloc(Math.min(fstatSync(fd).size, 64 * 1024));
  return buf.subarray(0, readSync(fd, buf, 0, buf.length, 0)).toString().trim();
}

async function runHook(h: Hook, field: string, state: string, cwd: string): Promise<void> {
  const args = h.args?.length ? h.args : [h.path];
  let child: ReturnType<typeof native.spawnHook>;
  try {
    // Not child_process: it would pass the hook every fd of ours not marked close-on-exec.
    child = native.spawnHook(h.path, args, h.env ?? [], cwd, state);
  } catch (e) {
    throw new TsrunError(`${field} (${h.path}): ${(e as Error).message}`);
  }
  let timedOut = false;
  const timer = h.timeout ? setTimeout(() => { timedOut = true; native.pidfdSignal(child.pidfd, 9); }, h.timeout * 1000) : undefined;
  try {
    let status: ReapedStatus | null | undefined;
    while ((status = native.reap(child.pidfd)) === null) await whenReadable(child.pidfd);
    if (status?.code === 0) return;
    const signal = Object.entries(osConstants.signals).find(([, n]) => n === status?.signal)?.[0];
    const why = timedOut ? `timed out after ${h.timeout}s` : status?.code == null ? `killed by ${signal}` : `exit status ${status.code}`;
    const stderr = readStderr(child.stderrFd);
    throw new TsrunError(`${field} (${h.path}): ${why}${stderr ? `: ${stderr}` : ''}`);
  } finally {
    clearTimeout(timer);
    native.close(child.pidfd);
    native.close(child.stderrFd);
  }
}

/** Runs the hooks of a kind in order, in the bundle as runc does; the first failure is thrown. */
export async function runHooks(spec: Spec, kind: HookKind, state: { bundle: string }): Promise<void> {
  const text = JSON.stringify(state);
  const hooks = hooksOf(spec, kind);
  for (let i = 0; i < hooks.length; i++) await runHook(hooks[i], `hooks.${kind}[${i}]`, text, state.bundle);
}

/** poststart and poststop: a failure is a warning and the next hook still runs, as the spec says. */
export async function runHooksWarning(spec: Spec, kind: HookKind, state: { bundle: string }, warn: (m: string) => void): Promise<void> {
  const text = JSON.stringify(state);
  const hooks = hooksOf(spec, kind);
  for (let i = 0; i < hooks.length; i++) {
    try {
      await runHook(hooks[i], `hooks.${kind}[${i}]`, text, state.bundle);
    } catch (e) {
      warn((e as Error).message);
    }
  }
}
