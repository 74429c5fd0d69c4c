// tsrun events ID: runc's event stream, one JSON object a line: resource
// stats every --interval (or once with --stats), and "oom" when the
// container's cgroup counts a new OOM kill.
import { Runtime } from '../../container/runtime.js';
import { InvalidArgumentError } from '../../errors.js';
import { command, validateId } from '../args.js';

/** A Go duration as runc takes it: "5s", "500ms", "1m30s". */
function duration(text: string): number {
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let ms = 0;
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g;
  let matched = '';
  for (let m = re.exec(text); m; m = re.exec(text)) {
    ms += Number(m[1]) * units[m[2]!]!;
    matched += m[0];
  }
  if (!text || matched !== text || ms <= 0) throw new InvalidArgumentError(`invalid value "${text}" for flag -interval`);
  return ms;
}

export default command({
  args: '<container-id>',
  flags: {
    interval: { type: 'string', desc: 'set the stats collection interval (default: 5s)' },
    stats: { type: 'boolean', desc: 'display the container\'s stats then exit' },
  },
  async run(o, [id], g) {
    const c = await new Runtime(g.runtime).load(validateId(id!));
    const line = (type: string, data?: object) =>
      process.stdout.write(`${JSON.stringify({ type, id, ...(data ? { data } : {}) })}\n`);
    if (o.stats) {
      line('stats', await c.stats());
      return;
    }
    const interval = duration(o.interval ?? '5s');
    let ooms = (await c.state()).status === 'stopped' ? 0 : await c.oomKills();
    for (;;) {
      const state = await c.state();
      if (state.status === 'stopped') return;
      const now = await c.oomKills();
      if (now > ooms) line('oom');
      ooms = now;
      line('stats', await c.stats());
      await new Promise((resolve) => setTimeout(resolve, interval));
    }
  },
});
