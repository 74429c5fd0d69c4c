// The one owner of the fds a container operation (create, exec) opens in this
// process: namespace files, cgroup directories, sockets, the state directory. The
// plan refers to them by number; launch() closes them all once the init has
// its copies, on every path (success, failure, exception).
import { openSync } from 'node:fs';
import { native } from './native.js';

export class FdSet {
  readonly #fds = new Set<number>();

  /** Takes fd into the set; returns it. */
  add(fd: number): number {
    this.#fds.add(fd);
    return fd;
  }

  open(path: string, flags: number | string): number {
    return this.add(openSync(path, flags));
  }

  /** Closes one before the rest (it turned out not to be needed). */
  close(fd: number): void {
    if (this.#fds.delete(fd)) native.close(fd);
  }

  closeAll(): void {
    for (const fd of this.#fds) native.close(fd);
    this.#fds.clear();
  }
}
