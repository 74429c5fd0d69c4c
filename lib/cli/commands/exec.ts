// tsrun exec ID [COMMAND ARGS]: run another process in a running container,
// described by --process FILE (a config.json `process`) or by the container's
// own process with the flags' changes, as runc does.
import { readFileSync } from 'node:fs';
import { Runtime } from '../../container/runtime.js';
import type { Container } from '../../container/container.js';
import type { Process } from '../../spec/types.js';
import { InvalidArgumentError } from '../../errors.js';
import { command, CommandFailure, validateId, type GlobalOptions, type Values } from '../args.js';
import { describe } from '../log.js';
import { forwardSignals, foreground } from '../foreground.js';

const flags = {
  'console-socket': { type: 'string', desc: "path to an AF_UNIX socket which will receive a file descriptor referencing the master end of the console's pseudoterminal" },
  cwd: { type: 'string', desc: 'current working directory in the container' },
  env: { type: 'string', short: 'e', multiple: true, desc: 'set environment variables' },
  tty: { type: 'boolean', short: 't', desc: 'allocate a pseudo-TTY' },
  user: { type: 'string', short: 'u', desc: 'UID (format: <uid>[:<gid>])' },
  'additional-gids': { type: 'string', short: 'g', multiple: true, desc: 'additional gids' },
  process: { type: 'string', short: 'p', desc: 'path to the process.json' },
  detach: { type: 'boolean', short: 'd', desc: 'detach from the container\'s process' },
  'pid-file': { type: 'string', desc: 'specify the file to write the process id to' },
  'process-label': { type: 'string', desc: 'set the asm process label for the process commonly used with selinux' },
  apparmor: { type: 'string', desc: 'set the apparmor profile for the process' },
  'no-new-privs': { type: 'boolean', desc: 'set the no new privileges value for the process' },
  cap: { type: 'string', short: 'c', multiple: true, desc: 'add a capability to the bounding set for the process' },
  'preserve-fds': { type: 'uint', desc: 'Pass N additional file descriptors to the container (stdio + N in total) (default: 0)' },
  cgroup: { type: 'string', multiple: true, desc: 'run the process in an (existing) sub-cgroup(s). Format is [<controller>:]<cgroup>.' },
  'ignore-paused': { type: 'boolean', desc: 'allow exec in a paused container' },
} as const;

function processFor(c: Container, o: Values<typeof flags>, args: string[]): Process {
  if (o.process !== undefined) {
    try {
      return JSON.parse(readFileSync(o.process, 'utf8')) as Process;
    } catch (e) {
      throw new InvalidArgumentError(`process ${o.process}: ${(e as Error).message}`);
    }
  }
  if (!args.length) throw new InvalidArgumentError('process args cannot be empty');
  const base: Process = structuredClone(c.spec.process ?? { cwd: '/', args: [] });
  const p: Process = { ...base, args, terminal: o.tty ?? false };
  if (o.cwd !== undefined) p.cwd = o.cwd;
  if (o.env) p.env = [...(p.env ?? []), ...o.env];
  if (o.user !== undefined) {
    const m = /^(\d+)(?::(\d+))?$/.exec(o.user);
    if (!m) throw new InvalidArgumentError(`invalid --user "${o.user}": want <uid>[:<gid>]`);
    p.user = { ...p.user, uid: Number(m[1]), gid: m[2] === undefined ? 0 : Number(m[2]) };
  }
  if (o['additional-gids']) p.user = { uid: 0, gid: 0, ...p.user, additionalGids: o['additional-gids'].map(Number) };
  if (o['no-new-privs']) p.noNewPrivileges = true;
  if (o.apparmor !== undefined) p.apparmorProfile = o.apparmor;
  if (o['process-label'] !== undefined) p.selinuxLabel = o['process-label'];
  if (o.cap && p.capabilities) {
    const caps = p.capabilities;
    for (const set of ['bounding', 'effective', 'permitted', 'ambient'] as const) caps[set] = [...(caps[set] ?? []), ...o.cap];
  }
  return p;
}

/** --cgroup values as runc 1.1 reads them: one PATH, or CONTROLLER[,CONTROLLER...]:PATH each. */
function subCgroupPaths(args: string[]): Record<string, string> {
  const paths: Record<string, string> = {};
  for (const c of args) {
    const parts = c.split(':');
    if (parts.length > 2) throw new InvalidArgumentError(`invalid --cgroup argument: ${c}`);
    if (parts.length === 1) {
      if (args.length !== 1) throw new InvalidArgumentError(`invalid --cgroup argument: ${c} (missing <controller>: prefix)`);
      paths[''] = c;
    } else {
      for (const controller of parts[0]!.split(',')) paths[controller] = parts[1]!;
    }
  }
  return paths;
}

async function execIn(o: Values<typeof flags>, id: string, args: string[], g: GlobalOptions): Promise<number> {
  const c = await new Runtime(g.runtime).load(validateId(id));
  const proc = processFor(c, o, args);
  if (!o['ignore-paused'] && (await c.state()).status === 'paused') throw new InvalidArgumentError('cannot exec in a paused container (use --ignore-paused to override)');
  const signals = o.detach ? undefined : forwardSignals();
  try {
    const p = await c.exec(proc, {
      ...(o['pid-file'] !== undefined ? { pidFile: o['pid-file'] } : {}),
      ...(o['console-socket'] !== undefined ? { consoleSocket: o['console-socket'] } : {}),
      openConsole: !o.detach,
      detach: o.detach ?? false,
      preserveFds: o['preserve-fds'] ?? 0,
      ...(o.cgroup ? { subCgroupPaths: subCgroupPaths(o.cgroup) } : {}),
    });
    return signals ? await foreground(p, p.wait(), signals) : 0;
  } finally {
    signals?.stop();
  }
}

export default command({
  args: '<container-id> <command> [command options]',
  min: 1,
  max: Infinity,
  stopAtPositional: true,
  flags,
  async run(o, [id, ...args], g) {
    try {
      return await execIn(o, id!, args, g);
    } catch (e) {
      // 255, as runc: a caller tells tsrun's failure from the process's own status.
      throw new CommandFailure(`exec failed: ${describe(e)}`, 255, { cause: e });
    }
  },
});
