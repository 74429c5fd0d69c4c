// The HCS Container document shared by both isolations: what runs in the
// container, whichever host (the machine or a utility VM) it runs on
// (hcsshim: internal/hcsoci/hcsdoc_wcow.go createWindowsContainerDocument).
import type { Spec } from '../../spec/types.js';
import { assignedDevices } from './devices.js';
import type { MappedMounts } from './mounts.js';
import { networking } from './network.js';
import { fail, type WindowsSection } from './oci.js';
import { memoryInMB, processor, storageQoS } from './resources.js';
import type { Container, Layer } from './schema.js';

export interface ContainerStorage {
  layers: Layer[];
  /** The scratch volume as the container's host sees it. */
  path: string;
}

export function containerDocument(spec: Spec, w: WindowsSection, storage: ContainerStorage, mounts: MappedMounts, hyperV: boolean): Container {
  if (w.credentialSpec !== undefined) {
    fail('windows.credentialSpec', 'needs a container credential guard instance, which tsrun does not create');
  }
  if (w.servicing) fail('windows.servicing', 'servicing containers exist only in HCS schema 1');
  if (spec.root?.readonly) fail('root.readonly', 'is not supported for Windows containers');
  const qos = storageQoS(w.resources);
  const cpu = processor(w.resources);
  const memory = memoryInMB(w.resources);
  const net = networking(w.network);
  const devices = assignedDevices(w.devices, hyperV);
  return {
    ...(spec.hostname ? { GuestOs: { HostName: spec.hostname } } : {}),
    Storage: { Layers: storage.layers, Path: storage.path, ...(qos ? { QoS: qos } : {}) },
    ...(mounts.directories.length ? { MappedDirectories: mounts.directories } : {}),
    ...(mounts.pipes.length ? { MappedPipes: mounts.pipes } : {}),
    ...(memory ? { Memory: { SizeInMB: memory } } : {}),
    ...(cpu ? { Processor: cpu } : {}),
    ...(net ? { Networking: net } : {}),
    ...(devices ? { AssignedDevices: devices } : {}),
  };
}

const VOLUME_GUID_PATH = /^\\\\\?\\Volume\{[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}\\?$/;

/** Process isolation mounts the scratch on the host; root.path names that volume. */
export function scratchVolume(spec: Spec): string {
  const path = spec.root?.path;
  if (!path) fail('root.path', 'is required for process isolation: the scratch volume, \\\\?\\Volume{GUID}\\');
  if (!VOLUME_GUID_PATH.test(path)) fail('root.path', `"${path}" must be a volume GUID path in the form \\\\?\\Volume{GUID}\\`);
  return path.endsWith('\\') ? path : `${path}\\`;
}
