// tsrun run: create + start. In the foreground it forwards signals to the
// init, waits, exits with the container's status and deletes it (unless
// --keep), as runc does.
import type { Container } from '../../container/container.js';
import { Runtime } from '../../container/runtime.js';
import type { ExitStatus } from '../../container/types.js';
import { command, failed, validateId } from '../args.js';
import * as log from '../log.js';
import { bundleOf, createFlags, createOptions } from './create.js';
import { forwardSignals, foreground } from '../foreground.js';

const noop = () => {};

export default command({
  args: '<container-id>',
  flags: {
    ...createFlags,
    detach: { type: 'boolean', short: 'd', desc: "detach from the container's process" },
    keep: { type: 'boolean', desc: 'do not delete the container after it exits' },
    'no-subreaper': { type: 'boolean', desc: 'accepted for runc compatibility; no effect' },
  },
  async run(o, [id], g) {
    // Installed before create, so a signal that arrives meanwhile is queued, not lost.
    const signals = o.detach ? undefined : forwardSignals();
    let c: Container | undefined;
    let exited: Promise<ExitStatus | null> | undefined;
    try {
      c = await new Runtime(g.runtime).create(validateId(id!), bundleOf(o), { ...createOptions(o), openConsole: !o.detach, detach: o.detach ?? false });
      if (signals) {
        // Subscribed before start: a program that exits at once is not missed.
        exited = c.wait();
        exited.catch(noop);
      }
      await c.start();
    } catch (e) {
      signals?.stop();
      await c?.delete({ force: true }).catch(noop);
      throw failed('run', e);
    }
    if (!signals || !exited) return 0;
    try {
      return await foreground(c, exited, signals);
    } catch (e) {
      throw failed('run', e);
    } finally {
      signals.stop();
      // A failed cleanup is reported but does not replace the container's status (runc: destroy logs).
      if (!o.keep) await c.delete({ force: true }).catch((e: unknown) => log.error(log.describe(e)));
    }
  },
});
