// tsrun ps ID [ps options]: the container's processes. json is the list of
// host pids containerd reads; table is ps(1)'s output for those pids, with
// everything after the id handed to ps, as runc does (default -ef).
import { spawnSync } from 'node:child_process';
import { Runtime } from '../../container/runtime.js';
import { InvalidArgumentError, TsrunError } from '../../errors.js';
import { command, validateId } from '../args.js';

export default command({
  args: '<container-id> [ps options]',
  min: 1,
  max: Infinity,
  // `tsrun ps ID -o pid,comm`: the options after the id are ps's.
  stopAtPositional: true,
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
    const ps = spawnSync('ps', psArgs.length ? psArgs : ['-ef'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    if (ps.error) throw ps.error;
    const output = ps.stdout + ps.stderr;
    if (ps.status !== 0) throw new TsrunError(`exit status ${ps.status}: ${output}`);
    const [header, ...lines] = output.split('\n');
    const column = header!.trim().split(/\s+/).indexOf('PID');
    if (column < 0) throw new TsrunError("couldn't find PID field in ps output");
    const ours = new Set(pids);
    const rows = [header];
    for (const line of lines.filter((l) => l !== '')) {
      const field = line.trim().split(/\s+/)[column]!;
      if (!/^[+-]?\d+$/.test(field)) throw new TsrunError(`unable to parse pid: strconv.Atoi: parsing "${field}": invalid syntax`);
      if (ours.has(Number(field))) rows.push(line);
    }
    process.stdout.write(`${rows.join('\n')}\n`);
  },
});
