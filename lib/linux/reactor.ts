// Readiness of fds (pidfds, the init's sync socket, the exec FIFO) from the
// addon's epoll thread, as promises. Node stays alive while a ref'd wait is
// pending, like a child_process it has not unref'd.
import { native } from './native.js';

interface Waiter {
  resolve: () => void;
  ref: boolean;
}

const waiters = new Map<number, Waiter[]>();
let refs = 0;
let started = false;

function setRef(delta: number): void {
  const before = refs;
  refs += delta;
  if (before === 0 && refs > 0) native.reactorRef(true);
  else if (before > 0 && refs === 0) native.reactorRef(false);
}

function dispatch(fd: number): void {
  const list = waiters.get(fd);
  if (!list) return;
  waiters.delete(fd);
  for (const w of list) {
    if (w.ref) setRef(-1);
    w.resolve();
  }
}

/**
 * Resolves once fd is readable (or hung up). `ref: false` lets Node exit
 * while this wait is pending.
 */
export function whenReadable(fd: number, ref = true): Promise<void> {
  if (!started) {
    native.reactorStart(dispatch);
    started = true;
  }
  return new Promise((resolve) => {
    const list = waiters.get(fd);
    const w = { resolve, ref };
    if (list) list.push(w);
    else waiters.set(fd, [w]);
    if (ref) setRef(1);
    // The epoll registration is one-shot: (re)arm it for every wait.
    native.watch(fd);
  });
}

/** Drops every wait on fd (before closing it); their promises never settle. */
export function forget(fd: number): void {
  const list = waiters.get(fd);
  if (!list) return;
  native.unwatch(fd);
  waiters.delete(fd);
  for (const w of list) if (w.ref) setRef(-1);
}

/** Lets Node exit while fd is waited for, or keeps it alive again. */
export function setRefs(fd: number, ref: boolean): void {
  for (const w of waiters.get(fd) ?? []) {
    if (w.ref !== ref) {
      w.ref = ref;
      setRef(ref ? 1 : -1);
    }
  }
}
