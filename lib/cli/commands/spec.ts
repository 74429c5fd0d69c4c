// tsrun spec: write a starter config.json, the same bytes as `runc spec`.
import { writeFileSync } from 'node:fs';
import { defaultSpec, formatSpec } from '../../spec/default.js';
import { command } from '../args.js';
import { describe } from '../log.js';

export default command({
  args: '',
  min: 0,
  max: 0,
  flags: {
    bundle: { type: 'string', short: 'b', desc: 'path to the root of the bundle directory' },
    rootless: { type: 'boolean', desc: 'generate a configuration for a rootless container' },
  },
  async run(o) {
    if (o.bundle !== undefined) {
      // runc chdirs into the bundle; doing the same gives its messages and relative paths.
      try {
        process.chdir(o.bundle);
      } catch (e) {
        throw new Error(`chdir ${o.bundle}: ${describe(e).replace(/^.*?: /, '')}`);
      }
    }
    try {
      // 'wx': refuse an existing file atomically rather than check-then-write.
      writeFileSync('config.json', formatSpec(defaultSpec({ rootless: o.rootless ?? false })), { flag: 'wx', mode: 0o666 });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new Error('File config.json exists. Remove it first');
      throw e;
    }
  },
});
