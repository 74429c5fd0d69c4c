// The state directory: <root>/<id>/state.json (+ exec.fifo while created).
// One format for the CLI and the library, so each sees the other's containers.
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ContainerExistsError, ContainerNotFoundError, InvalidArgumentError } from '../errors.js';
import type { Spec } from '../spec/types.js';

/** /run/tsrun for root; for a rootless caller $XDG_RUNTIME_DIR/tsrun, as runc does. */
export function defaultRoot(): string {
  const xdg = process.env.XDG_RUNTIME_DIR;
  return process.getuid?.() !== 0 && xdg ? join(xdg, 'tsrun') : '/run/tsrun';
}
const STATE_FILE = 'state.json';

/** What tsrun keeps about a container between calls. */
export interface StateRecord {
  ociVersion: string;
  id: string;
  pid: number;
  /** With pid, identifies the init process (pids are reused). */
  pidStartTime: number;
  bundle: string;
  rootfs: string;
  created: string;
  annotations?: Record<string, string>;
  /** The init has a pid namespace of its own, so killing it ends all. */
  ownPidNamespace: boolean;
  /** The config the container was created from (hooks, cgroups need it later). */
  spec: Spec;
  /** The container's cgroup: driver version, directories and systemd unit (if any); null when it has none. */
  cgroup: { version: 'v1' | 'v2'; paths: Record<string, string>; unit?: string } | null;
}

// runc's pattern [\w+-\.] is a range from '+' to '.', so it admits ',' too.
const ID_FORMAT = /^[\w+,.-]+$/;

/** runc's rule for ids: letters, digits, _ + - . and not "." or "..". */
export function checkId(id: string): void {
  if (!ID_FORMAT.test(id) || id === '.' || id === '..') throw new InvalidArgumentError('invalid container ID format');
}

export class StateStore {
  constructor(readonly root: string = defaultRoot()) {}

  dir(id: string): string {
    return join(this.root, id);
  }

  fifo(id: string): string {
    return join(this.root, id, 'exec.fifo');
  }

  /** Claims the id: mkdir is atomic, so two creates cannot both win. */
  reserve(id: string): string {
    checkId(id);
    mkdirSync(this.root, { recursive: true, mode: 0o711 });
    const dir = this.dir(id);
    try {
      mkdirSync(dir, { mode: 0o711 });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new ContainerExistsError(id);
      throw e;
    }
    return dir;
  }

  write(record: StateRecord): void {
    const dir = this.dir(record.id);
    const tmp = join(dir, `.${STATE_FILE}.tmp`);
    writeFileSync(tmp, JSON.stringify(record), { mode: 0o600 });
    renameSync(tmp, join(dir, STATE_FILE));
  }

  read(id: string): StateRecord {
    checkId(id);
    try {
      return JSON.parse(readFileSync(join(this.dir(id), STATE_FILE), 'utf8')) as StateRecord;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new ContainerNotFoundError(id);
      throw e;
    }
  }

  /** Ids with a complete state (a create in progress has none yet). */
  ids(): string[] {
    try {
      return readdirSync(this.root).filter((id) => existsSync(join(this.dir(id), STATE_FILE)));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
  }

  remove(id: string): void {
    const dir = this.dir(id);
    // The usual content is known: unlinks and one rmdir beat a recursive walk.
    for (const name of [STATE_FILE, 'exec.fifo']) rmSync(join(dir, name), { force: true });
    try {
      rmdirSync(dir);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOTEMPTY') rmSync(dir, { recursive: true, force: true });
      else if (code !== 'ENOENT') throw e;
    }
  }
}
