// tsrun delete [--force] ID: remove a stopped (or, forced, any) container.
import { Runtime } from '../../container/runtime.js';
import { ContainerNotFoundError } from '../../errors.js';
import { command, validateId } from '../args.js';

export default command({
  args: '<container-id>',
  flags: {
    force: { type: 'boolean', short: 'f', desc: 'Forcibly deletes the container if it is still running (uses SIGKILL)' },
  },
  async run(o, [id], g) {
    const force = o.force ?? false;
    try {
      await (await new Runtime(g.runtime).load(validateId(id!))).delete({ force });
    } catch (e) {
      // runc: deleting a missing container with --force succeeds quietly,
      // which lets engines clean up idempotently.
      if (!(force && e instanceof ContainerNotFoundError)) throw e;
    }
  },
});
