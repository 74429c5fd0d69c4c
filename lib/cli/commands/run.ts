// tsrun run: create + start. In the foreground it forwards signals to the
// init, waits, exits with the container's status and deletes it (unless
// --keep), as runc does.
import type { Container } from '../../container/container.js';
import { Runtime } from '../../container/runtime.js';
import type { ExitStatus } from '../../container/types.js';
import { command, failed, validateId } from '../args.js';
import * as log from '../log.js';
import { bundleOf, createFlags, createOptions } from './create.js';
import { relayConsole } from '../console.js';

// What a supervisor may send us and the container should get instead. Not
// SIGCHLD/SIGPIPE (ours), nor those Node cannot catch (SIGKILL, SIGSTOP, faults).
const FORWARDED = ['SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGTERM', 'SIGUSR1', 'SIGUSR2', 'SIGALRM', 'SIGTSTP',
  'SIGTTIN', 'SIGTTOU', 'SIGCONT', 'SIGVTALRM', 'SIGPWR', 'SIGIO', 'SIGXCPU', 'SIGXFSZ'] as const;

const noop = () => {};

export default command({
  args: '<container-id>',
  flags: {
    ...createFlags,
    detach: { type: 'boolean', short: 'd', desc: "detach from the container's process" },
    keep: { type: 'boolean', desc: 'do not delete the container after it exits' },
    'no-subreaper': { type: 'boolean', desc: 'accepted for runc compatibility; no effect' },
  },
  async run(o, [id], g) {
    // Installed before create, so a signal that arrives meanwhile is queued, not lost.
    const signals = o.detach ? undefined : forwardSignals();
    let c: Container | undefined;
    let exited: Promise<ExitStatus | null> | undefined;
    try {
      c = await new Runtime(g.runtime).create(validateId(id!), bundleOf(o), { ...createOptions(o), openConsole: !o.detach });
      if (signals) {
        // Subscribed before start: a program that exits at once is not missed.
        exited = c.wait();
        exited.catch(noop);
      }
      await c.start();
    } catch (e) {
      signals?.stop();
      await c?.delete({ force: true }).catch(noop);
      throw failed('run', e);
    }
    if (!signals || !exited) return 0;
    const console = c.console === null ? null : relayConsole(c);
    try {
      signals.target(c.pid);
      const status = await exited;
      // The last output may still be in the pty: read it up to the hang-up.
      if (console) await Promise.race([console.done, new Promise((r) => setTimeout(r, 500))]);
      if (!status) throw new Error('exit status of the container init is unknown');
      return status.status;
    } catch (e) {
      throw failed('run', e);
    } finally {
      console?.stop();
      signals.stop();
      // A failed cleanup is reported but does not replace the container's status (runc: destroy logs).
      if (!o.keep) await c.delete({ force: true }).catch((e: unknown) => log.error(log.describe(e)));
    }
  },
});

/**
 * Catches FORWARDED signals and sends them to the init once target() names
 * it; until then they are queued. The handlers stay after stop() (which
 * drops signals) so a late Ctrl-C cannot kill us before the delete.
 */
export function forwardSignals() {
  let pid = 0; // 0: not started yet, -1: stopped
  const queue: NodeJS.Signals[] = [];
  const send = (sig: NodeJS.Signals) => {
    log.debug(`forwarding signal ${sig} to ${pid}`);
    try {
      process.kill(pid, sig);
    } catch (e) {
      log.error(log.describe(e));
    }
  };
  const handler = (sig: NodeJS.Signals) => {
    if (pid > 0) send(sig);
    else if (pid === 0) queue.push(sig);
  };
  for (const s of FORWARDED) process.on(s, handler);
  return {
    target(p: number) {
      pid = p;
      for (const s of queue.splice(0)) send(s);
    },
    stop() {
      pid = -1;
    },
  };
}
