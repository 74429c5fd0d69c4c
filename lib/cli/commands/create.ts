// tsrun create: set up the container; its init waits for `tsrun start`.
import { resolve } from 'node:path';
import { Runtime } from '../../container/runtime.js';
import type { CreateOptions } from '../../container/types.js';
import { command, failed, validateId, type Flags, type Values } from '../args.js';

/** Shared with `run`, which is create + start. */
export const createFlags = {
  bundle: { type: 'string', short: 'b', desc: 'path to the root of the bundle directory, defaults to the current directory' },
  'console-socket': { type: 'string', desc: "path to an AF_UNIX socket which will receive a file descriptor referencing the master end of the console's pseudoterminal" },
  'pid-file': { type: 'string', desc: 'specify the file to write the process id to' },
  'no-pivot': { type: 'boolean', desc: 'do not use pivot root to jail process inside rootfs' },
  'no-new-keyring': { type: 'boolean', desc: 'do not create a new session keyring for the container' },
  'preserve-fds': { type: 'uint', desc: 'Pass N additional file descriptors to the container (stdio + N in total) (default: 0)' },
} satisfies Flags;

// Paths are made absolute against the caller's cwd, which is what the user meant.
export function bundleOf(o: Values<typeof createFlags>): string {
  return resolve(o.bundle ?? '.');
}

export function createOptions(o: Values<typeof createFlags>): CreateOptions {
  return {
    ...(o['pid-file'] !== undefined ? { pidFile: resolve(o['pid-file']) } : {}),
    ...(o['console-socket'] !== undefined ? { consoleSocket: resolve(o['console-socket']) } : {}),
    noPivot: o['no-pivot'] ?? false,
    noNewKeyring: o['no-new-keyring'] ?? false,
    preserveFds: o['preserve-fds'] ?? 0,
  };
}

export default command({
  args: '<container-id>',
  flags: createFlags,
  async run(o, [id], g) {
    try {
      // The init is left to our caller (a shim, conmon): it reaps it, not us.
      await new Runtime(g.runtime).create(validateId(id!), bundleOf(o), { ...createOptions(o), detach: true });
    } catch (e) {
      throw failed('create', e);
    }
  },
});
