// tsrun kill ID [SIGNAL]: signal the init (or, with --all, every process).
import { Runtime } from '../../container/runtime.js';
import { parseSignal } from '../../container/signal.js';
import { command, validateId } from '../args.js';

export default command({
  args: '<container-id> [signal]',
  min: 1,
  max: 2,
  flags: {
    all: { type: 'boolean', short: 'a', desc: 'send the specified signal to all processes inside the container' },
  },
  async run(o, [id, signal = 'SIGTERM'], g) {
    // Load first: like runc, a missing container is reported before a bad signal.
    const c = await new Runtime(g.runtime).load(validateId(id!));
    await c.kill(parseSignal(signal), { all: o.all ?? false });
  },
});
