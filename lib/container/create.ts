// create: claim the id, set the container up, record its state. Any failure
// leaves nothing behind: no state directory, no process.
import { readFileSync } from 'node:fs';
import { writePidFile } from './pidfile.js';
import { join, resolve } from 'node:path';
import { parseSpec, type PlatformRules } from '../spec/validate.js';
import { SPEC_VERSION } from '../spec/version.js';
import type { Spec } from '../spec/types.js';
import { checkId, type StateRecord } from '../state/store.js';
import { TsrunError } from '../errors.js';
import { Container, type RuntimeContext } from './container.js';
import type { ContainerStatus, CreateOptions } from './types.js';
import { specState } from './state.js';

/** Reads <bundle>/config.json and validates it by the shared rules and the platform's. */
export function loadBundleSpec(bundle: string, rules: PlatformRules): Spec {
  const path = join(bundle, 'config.json');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file or directory' : (e as Error).message;
    throw new TsrunError(`bundle ${bundle}: cannot read config.json: ${why}`);
  }
  return parseSpec(text, rules);
}


export async function createContainer(
  ctx: RuntimeContext,
  id: string,
  bundle: string,
  options: CreateOptions = {},
): Promise<Container> {
  checkId(id);
  const bundleDir = resolve(bundle);
  const backend = await ctx.backend();
  const spec = loadBundleSpec(bundleDir, backend.validate);
  const stateDir = ctx.store.reserve(id);
  const created = new Date().toISOString();
  const base = { id, bundle: bundleDir, rootfs: '', created, annotations: spec.annotations };
  const stateOf = (status: ContainerStatus, pid: number) => specState(base, status, pid);
  try {
    const init = await backend.create({
      id, spec, bundle: bundleDir, stateDir, options, warn: ctx.warn, debug: ctx.debug, stateOf, runtime: ctx.options,
    });
    base.rootfs = init.rootfs;
    const record: StateRecord = {
      ...init.state,
      ociVersion: SPEC_VERSION,
      id,
      pid: init.live.pid,
      bundle: bundleDir,
      rootfs: init.rootfs,
      created,
      annotations: spec.annotations,
      spec,
    };
    try {
      ctx.store.write(record);
      if (options.pidFile) writePidFile(resolve(options.pidFile), init.live.pid);
    } catch (e) {
      await backend.destroy(record, { warn: ctx.warn, debug: ctx.debug, stateOf }, init.live);
      throw e;
    }
    return new Container(ctx, record, init.live, init.console);
  } catch (e) {
    ctx.store.remove(id);
    throw e;
  }
}
