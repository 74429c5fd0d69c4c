// OCI mounts as HCS mapped directories and mapped pipes (hcsshim:
// internal/hcsoci/hcsdoc_wcow.go; uvm.IsPipe, GetContainerPipeMapping).
import type { Mount } from '../../spec/types.js';
import { fail } from './oci.js';
import { isAbsoluteWindowsPath } from './paths.js';
import type { MappedDirectory, MappedPipe } from './schema.js';

const PIPE_PREFIX = '\\\\.\\pipe\\';

const isPipe = (path: string) => path.toLowerCase().startsWith(PIPE_PREFIX);

export const isReadOnly = (m: Mount) => (m.options ?? []).some((o) => o.toLowerCase() === 'ro');

export interface MappedMounts {
  directories: MappedDirectory[];
  pipes: MappedPipe[];
}

/** `hostPath` gives where a directory's source is seen by the container's host (the utility VM for Hyper-V). */
export function mappedMounts(mounts: readonly Mount[], hostPath: (source: string, index: number) => string = (s) => s): MappedMounts {
  const directories: MappedDirectory[] = [];
  const pipes: MappedPipe[] = [];
  mounts.forEach((m, i) => {
    // hcsshim refuses every type: Windows mounts are host directories or pipes.
    if (m.type) fail(`mounts[${i}].type`, `"${m.type}" must not be set for a Windows container`);
    const source = m.source ?? '';
    if (!isAbsoluteWindowsPath(source)) fail(`mounts[${i}].source`, `"${source}" is not an absolute Windows path`);
    if (isPipe(source)) {
      const name = isPipe(m.destination) ? m.destination.slice(PIPE_PREFIX.length) : m.destination;
      pipes.push({ ContainerPipeName: name, HostPath: source });
      return;
    }
    const readOnly = isReadOnly(m);
    directories.push({ HostPath: hostPath(source, i), ContainerPath: m.destination, ...(readOnly ? { ReadOnly: true } : {}) });
  });
  return { directories, pipes };
}
