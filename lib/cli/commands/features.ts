// tsrun features: the runtime's features as JSON, as `runc features` prints them.
import { platformBackend } from '../../platform.js';
import { command } from '../args.js';
import { goJSON } from '../log.js';

export default command({
  args: '',
  min: 0,
  max: 0,
  flags: {},
  async run() {
    process.stdout.write(`${goJSON((await platformBackend()).features(), '    ')}\n`);
  },
});
