// tsrun list: runc's table (Go tabwriter), JSON array (or null) or bare ids.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Runtime } from '../../container/runtime.js';
import { InvalidArgumentError } from '../../errors.js';
import { command } from '../args.js';
import { goJSON } from '../log.js';
import { runcState } from './state.js';

export default command({
  args: '',
  min: 0,
  max: 0,
  flags: {
    format: { type: 'string', short: 'f', desc: 'select one of: table or json (default: "table")' },
    quiet: { type: 'boolean', short: 'q', desc: 'display only container IDs' },
  },
  async run(o, _, g) {
    const rt = new Runtime(g.runtime);
    // runc shows who owns each state directory (while `state` says "").
    const states = (await rt.list()).map((s) => ({ ...s, owner: ownerOf(join(rt.root, s.id)) }));
    let text: string;
    if (o.quiet) text = states.map((s) => `${s.id}\n`).join(''); // runc: --quiet wins over --format
    else if ((o.format ?? 'table') === 'table') {
      text = table([['ID', 'PID', 'STATUS', 'BUNDLE', 'CREATED', 'OWNER'],
        ...states.map((s) => [s.id, String(s.pid), s.status, s.bundle, s.created, s.owner])]);
    } else if (o.format === 'json') text = `${goJSON(states.length ? states.map(runcState) : null)}\n`;
    else throw new InvalidArgumentError('invalid format option');
    process.stdout.write(text);
  },
});

let users: Map<number, string> | undefined;

function ownerOf(dir: string): string {
  let uid: number;
  try {
    uid = statSync(dir).uid;
  } catch {
    return '';
  }
  if (!users) {
    users = new Map();
    try {
      for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
        const [name, , id] = line.split(':');
        if (name && id && !users.has(Number(id))) users.set(Number(id), name);
      }
    } catch {
      // No passwd: numeric owners below.
    }
  }
  return users.get(uid) ?? `#${uid}`;
}

/**
 * tabwriter.NewWriter(w, 12, 1, 3, ' ', 0): each column but the last is as
 * wide as its widest cell plus 3, at least 12; widths count runes.
 */
function table(rows: string[][]): string {
  const len = (s: string) => [...s].length;
  const widths = rows[0]!.map((_, i) => Math.max(12, ...rows.map((r) => len(r[i]!) + 3)));
  return rows.map((r) => r.map((c, i) => (i < r.length - 1 ? c + ' '.repeat(widths[i]! - len(c)) : c)).join('') + '\n').join('');
}
