// tsrun ps ID [ps options]: the container's processes. json is the list of
// host pids containerd reads; table is ps(1)'s output for those pids.
import { execFileSync } from 'node:child_process';
import { Runtime } from '../../container/runtime.js';
import { InvalidArgumentError } from '../../errors.js';
import { command, validateId } from '../args.js';

export default command({
  args: '<container-id> [ps options]',
  min: 1,
  max: Infinity,
  flags: {
    format: { type: 'string', short: 'f', desc: 'select one of: table or json (default: "table")' },
  },
  async run(o, [id, ...psArgs], g) {
    const pids = await (await new Runtime(g.runtime).load(validateId(id!))).processes();
    const format = o.format ?? 'table';
    if (format === 'json') {
      process.stdout.write(`${JSON.stringify(pids)}\n`);
      return;
    }
    if (format !== 'table') throw new InvalidArgumentError('invalid format option');
    // As runc: ps with the caller's options (default -ef), keeping the header and our pids.
    const lines = execFileSync('ps', psArgs.length ? psArgs : ['-ef'], { encoding: 'utf8' }).split('\n');
    const column = lines[0]!.trim().split(/\s+/).indexOf('PID');
    if (column < 0) throw new InvalidArgumentError('ps output has no PID column');
    const ours = new Set(pids);
    const rows = lines.slice(1).filter((l) => ours.has(Number(l.trim().split(/\s+/)[column])));
    process.stdout.write(`${[lines[0], ...rows].join('\n')}\n`);
  },
});
