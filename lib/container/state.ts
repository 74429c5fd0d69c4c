// The OCI state of a container, as `runc state` prints it and as hooks and
// the seccomp agent receive it: one builder for all of them.
import { SPEC_VERSION } from '../spec/version.js';
import type { ContainerState, ContainerStatus } from './types.js';

export interface StateBase {
  id: string;
  bundle: string;
  rootfs: string;
  created: string;
  annotations?: Record<string, string>;
}

export function ociState(base: StateBase, status: ContainerStatus, pid: number): ContainerState {
  const { id, bundle, rootfs, created, annotations } = base;
  return {
    ociVersion: SPEC_VERSION,
    id,
    pid: status === 'stopped' ? 0 : pid,
    status,
    bundle,
    rootfs,
    created,
    owner: '',
    ...(annotations && Object.keys(annotations).length ? { annotations } : {}),
  };
}

/** The state as the runtime spec defines it: what hooks and the seccomp agent get. */
export interface SpecState {
  ociVersion: string;
  id: string;
  status: ContainerStatus;
  pid?: number;
  bundle: string;
  annotations?: Record<string, string>;
}

export function specState(base: StateBase, status: ContainerStatus, pid: number): SpecState {
  const { id, bundle, annotations } = base;
  return {
    ociVersion: SPEC_VERSION,
    id,
    status,
    ...(status === 'stopped' || !pid ? {} : { pid }),
    bundle,
    ...(annotations && Object.keys(annotations).length ? { annotations } : {}),
  };
}
