// Running in the foreground (`run`, `exec` without --detach): signals we get
// go to the process, its console is relayed, its exit status is ours.
import type { ExitStatus } from '../container/types.js';
import { relayConsole, type HasConsole } from './console.js';
import * as log from './log.js';

// What a supervisor may send us and the container should get instead. Not
// SIGCHLD/SIGPIPE (ours), nor those Node cannot catch (SIGKILL, SIGSTOP, faults).
const FORWARDED = ['SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGTERM', 'SIGUSR1', 'SIGUSR2', 'SIGALRM', 'SIGTSTP',
  'SIGTTIN', 'SIGTTOU', 'SIGCONT', 'SIGVTALRM', 'SIGPWR', 'SIGIO', 'SIGXCPU', 'SIGXFSZ'] as const;

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

/** Relays the console (if any) and forwards signals until the process exits; its status. */
export async function foreground(
  proc: HasConsole & { readonly pid: number },
  exited: Promise<ExitStatus | null>,
  signals: ReturnType<typeof forwardSignals>,
): Promise<number> {
  const console = proc.console === null ? null : await relayConsole(proc);
  try {
    signals.target(proc.pid);
    const status = await exited;
    // The last output may still be in the pty: read it up to the hang-up.
    if (console) await Promise.race([console.done, new Promise((r) => setTimeout(r, 500))]);
    if (!status) throw new Error('the exit status is unknown');
    return status.status;
  } finally {
    console?.stop();
  }
}
