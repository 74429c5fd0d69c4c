// The vocabulary of the init's rootfs program (see native/linux/plan.h; its
// keys are those of native/linux/plan-fields.h, which refuses any other).
// TypeScript composes the list; the child runs it in order.
import { K } from './native.js';

export interface Step {
  op: number;
  /** ROOT_HOST: target is a host path; ROOT_CONTAINER (default): inside the root. */
  root?: number;
  create?: number;
  /** A missing target is skipped, not an error. */
  optional?: boolean;
  /** mount: the new mount gets the mode of the directory it covers (tmpfs, as runc). */
  keepMode?: boolean;
  /** mount: id-mapped, with these uid_map/gid_map lines (tsrun-init makes the tree, the init moves it in). */
  uidMap?: string;
  gidMap?: string;
  /** mount: the id-mapped tree holds the mounts below the source too. */
  idmapRecursive?: boolean;
  /** mount of a tmpfs: copy what it covers into it (tmpcopyup). */
  copyUp?: boolean;
  /** pivot: how the rootfs becomes the root (a Pivot). */
  pivot?: number;
  /** chdir: only create the directory (before the root turns read-only). */
  onlyCreate?: boolean;
  source?: string;
  target?: string;
  fstype?: string;
  data?: string;
  flags?: number;
  /** setAttr: the MOUNT_ATTR_* flags to clear (flags: to set). */
  clear?: number;
  mode?: number;
  major?: number;
  minor?: number;
  uid?: number;
  gid?: number;
  /** How an error in this step is reported: the config field and the action. */
  what: string;
}

export const Op = {
  mount: K.OP_MOUNT,
  remount: K.OP_REMOUNT,
  propagation: K.OP_PROPAGATION,
  privateParent: K.OP_PRIVATE_PARENT,
  mknod: K.OP_MKNOD,
  symlink: K.OP_SYMLINK,
  pivot: K.OP_PIVOT,
  mask: K.OP_MASK,
  readonly: K.OP_READONLY,
  hostname: K.OP_HOSTNAME,
  domainname: K.OP_DOMAINNAME,
  chdir: K.OP_CHDIR,
  writeFile: K.OP_WRITE_FILE,
  loopback: K.OP_LOOPBACK,
  setAttr: K.OP_SET_ATTR,
  terminal: K.OP_TERMINAL,
} as const;

/** How Op.pivot makes the rootfs the root (its `pivot`). */
export const Pivot = { root: K.PIVOT_ROOT, move: K.PIVOT_MOVE, chroot: K.PIVOT_CHROOT } as const;

export const Create = { none: K.CREATE_NONE, dir: K.CREATE_DIR, file: K.CREATE_FILE } as const;
export const ROOT_HOST = K.ROOT_HOST;
