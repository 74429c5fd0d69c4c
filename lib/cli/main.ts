// tsrun's entry: parses the global options, then imports only the module of
// the command asked for, so `tsrun state` never loads what `run` needs.
import { checkArgs, CommandFailure, formatHelp, parseFlags, UsageError, type Command, type Flags, type GlobalOptions } from './args.js';
import * as log from './log.js';
import { readFileSync } from 'node:fs';
import { SPEC_VERSION } from '../spec/version.js';
import { defaultRoot } from '../state/store.js';

type Loader = () => Promise<{ default: Command }>;

// Explicit import() calls (not a template path) keep each target visible to
// tsc, which checks the module exists and exports a Command.
const commands: Record<string, [summary: string, load: Loader]> = {
  create: ['create a container', () => import('./commands/create.js')],
  delete: ['delete any resources held by the container often used with detached container', () => import('./commands/delete.js')],
  events: ['display container events such as OOM notifications, cpu, memory, and IO usage statistics', () => import('./commands/events.js')],
  exec: ['execute new process inside the container', () => import('./commands/exec.js')],
  features: ['show the enabled features', () => import('./commands/features.js')],
  kill: ["kill sends the specified signal (default: SIGTERM) to the container's init process", () => import('./commands/kill.js')],
  list: ['lists containers started by tsrun with the given root', () => import('./commands/list.js')],
  pause: ['pause suspends all processes inside the container', () => import('./commands/pause.js')],
  ps: ['ps displays the processes running inside a container', () => import('./commands/ps.js')],
  resume: ['resumes all processes that have been previously paused', () => import('./commands/resume.js')],
  run: ['create and run a container', () => import('./commands/run.js')],
  spec: ['create a new specification file', () => import('./commands/spec.js')],
  start: ['executes the user defined process in a created container', () => import('./commands/start.js')],
  state: ['output the state of a container', () => import('./commands/state.js')],
  update: ['update container resource constraints', () => import('./commands/update.js')],
};

const globalFlags = {
  debug: { type: 'boolean', desc: 'enable debug logging' },
  log: { type: 'string', desc: "set the log file to write tsrun logs to (default is '/dev/stderr')" },
  'log-format': { type: 'string', desc: "set the log format ('text' (default), or 'json')" },
  root: { type: 'string', desc: 'root directory for storage of container state (default: "/run/tsrun", or $XDG_RUNTIME_DIR/tsrun when rootless)' },
  'systemd-cgroup': { type: 'boolean', desc: 'enable systemd cgroup support' },
  help: { type: 'boolean', short: 'h', desc: 'show help' },
  version: { type: 'boolean', short: 'v', desc: 'print the version' },
} satisfies Flags;

// Every command answers --help/-h, as under urfave/cli.
const helpFlag = { help: { type: 'boolean', short: 'h', desc: 'show help' } } satisfies Flags;

async function main(argv: string[]): Promise<number> {
  const { values: o, rest } = parseFlags(argv, globalFlags, true);
  const format = o['log-format'] ?? 'text';
  log.configure({ file: o.log, format: format === 'json' ? 'json' : 'text', debug: o.debug ?? false });
  if (format !== 'text' && format !== 'json') throw new UsageError(`invalid log-format: ${format}`);
  if (o.version) return version();

  let [name, ...args] = rest;
  if (name === 'help' || name === 'h') {
    if (args[0] === undefined) return help();
    [name, args] = [args[0], ['--help']];
  }
  if (name === undefined || o.help) return help();
  const entry = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (!entry) throw new UsageError(`unknown command "${name}" (see tsrun --help)`);

  const cmd = (await entry[1]()).default;
  const parsed = parseFlags(args, { ...cmd.flags, ...helpFlag }, cmd.stopAtPositional);
  const { values } = parsed;
  const positionals = cmd.stopAtPositional ? parsed.rest : parsed.positionals;
  if (values.help) {
    const usage = `tsrun ${name}${Object.keys(cmd.flags).length ? ' [command options]' : ''} ${cmd.args}`.trimEnd();
    process.stdout.write(formatHelp(usage, entry[0], cmd.flags));
    return 0;
  }
  checkArgs(name, positionals, cmd.min ?? 1, cmd.max ?? 1);
  const root = o.root ?? defaultRoot();
  const g: GlobalOptions = {
    root,
    ...(o.log !== undefined ? { log: o.log } : {}),
    logFormat: format,
    debug: o.debug ?? false,
    runtime: { root, onWarning: log.warn, onDebug: log.debug, systemdCgroup: o['systemd-cgroup'] ?? false },
  };
  return (await cmd.run(values, positionals, g)) ?? 0;
}

function help(): number {
  const names = Object.keys(commands);
  const width = Math.max(...names.map((n) => n.length));
  const list = names.map((n) => `   ${n.padEnd(width)}  ${commands[n]![0]}\n`).join('');
  process.stdout.write(
    'tsrun - Open Container Initiative runtime\n\n'
      + formatHelp('tsrun [global options] command [command options] [arguments...]', `COMMANDS:\n${list}`, globalFlags)
      .replace('OPTIONS:', 'GLOBAL OPTIONS:'),
  );
  return 0;
}

async function version(): Promise<number> {
  // dist/cli/main.js -> package.json at the package root.
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  process.stdout.write(`tsrun version ${pkg.version}\nspec: ${SPEC_VERSION}\n`);
  return 0;
}

// process.exit rather than letting the loop drain: a created container's
// handles must not keep `tsrun create` alive, and stdout/stderr/log writes
// are synchronous on Linux, so nothing is lost.
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    log.error(log.describe(e));
    process.exit(e instanceof CommandFailure ? e.exitCode : 1);
  },
);
