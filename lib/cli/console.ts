// `tsrun run` in the foreground with process.terminal: the console comes to
// us (a pty master on Linux) and we relay it to and from our own terminal,
// as runc does.
import { platformBackend } from '../platform.js';

/** What has a console: a container created with openConsole, or an exec'd process. */
export interface HasConsole {
  readonly console: number | null;
  resizeConsole(rows: number, cols: number): Promise<void>;
}

/** Starts relaying; the promise resolves once the container side has hung up. */
export async function relayConsole(c: HasConsole): Promise<{ done: Promise<void>; stop(): void }> {
  const backend = await platformBackend();
  const { output: fromContainer, input: toContainer } = backend.consoleStreams(c.console!);
  const stdin = process.stdin;
  // Raw as runc makes it (cfmakeraw): the container's pty already did the
  // output processing, so ours must not turn "\r\n" into "\r\r\n".
  const restore = stdin.isTTY ? backend.rawTerminal(0) : null;
  const resize = () => {
    if (process.stdout.isTTY) c.resizeConsole(process.stdout.rows, process.stdout.columns).catch(() => {});
  };
  resize();
  process.on('SIGWINCH', resize);
  stdin.pipe(toContainer);
  fromContainer.pipe(process.stdout);
  // Reading a master whose slave is closed fails with EIO: that is the end.
  const done = new Promise<void>((resolve) => {
    fromContainer.on('error', () => resolve());
    fromContainer.on('end', () => resolve());
    fromContainer.on('close', () => resolve());
  });
  return {
    done,
    stop() {
      process.off('SIGWINCH', resize);
      stdin.unpipe(toContainer);
      restore?.();
      stdin.pause();
      fromContainer.destroy();
      toContainer.destroy();
    },
  };
}
