// tsrun pause ID: freeze every process of the container.
import { Runtime } from '../../container/runtime.js';
import { command, validateId } from '../args.js';

export default command({
  args: '<container-id>',
  flags: {},
  async run(_, [id], g) {
    await (await new Runtime(g.runtime).load(validateId(id!))).pause();
  },
});
