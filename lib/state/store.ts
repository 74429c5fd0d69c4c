// The state directory: <root>/<id>/state.json, plus whatever files the
// backend keeps there. One format for the CLI and the library, so each sees
// the other's containers.
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

/** What every platform keeps about a container (runc's BaseState, plus the spec and rootfs `state` prints). */
export interface BaseState {
  ociVersion: string;
  id: string;
  /** The init's host pid; 0 while a backend has not started it (Windows creates it at start). */
  pid: number;
  bundle: string;
  rootfs: string;
  created: string;
  annotations?: Record<string, string>;
  /** The config the container was created from (hooks, resources need it later). */
  spec: Spec;
}

/**
 * What tsrun keeps about a container between calls: the shared fields and,
 * beside them in the same JSON object, the fields its backend owns (Own).
 */
export type StateRecord<Own extends object = object> = BaseState & Own;

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
    // Usually state.json is all there is: an unlink and one rmdir beat a recursive walk.
    rmSync(join(dir, STATE_FILE), { force: true });
    try {
      rmdirSync(dir);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOTEMPTY') rmSync(dir, { recursive: true, force: true });
      else if (code !== 'ENOENT') throw e;
    }
  }
}
