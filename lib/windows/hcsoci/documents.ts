// OCI spec → the HCS documents that create a Windows container: one compute
// system for process isolation, a utility VM and the container hosted in it
// for Hyper-V isolation, and the init's process parameters. Pure: it runs on
// any platform, so the documents can be checked without HCS.
import type { Spec } from '../../spec/types.js';
import { containerDocument, scratchVolume } from './container.js';
import { hostLayers, layerFolders, layerIdStandIn, type LayerId } from './layers.js';
import { isReadOnly, mappedMounts } from './mounts.js';
import { fail, isHyperV, windowsSection } from './oci.js';
import { processParameters } from './process.js';
import { SCHEMA_V21, type ComputeSystem, type ProcessParameters } from './schema.js';
import { guestScratchPath, utilityVM, vsmbShare } from './uvm.js';

export interface HcsDocumentOptions {
  /** The container id: the compute system's id (the utility VM's is `<id>@vm`, as runhcs names it). */
  id: string;
  /** The bundle directory (Windows paths in the spec are absolute, so the documents do not depend on it). */
  bundle: string;
  /** The compute systems' Owner (default "tsrun"). */
  owner?: string;
  /** A layer folder's id; the Windows backend passes vmcompute's NameToGuid (default: layerIdStandIn). */
  layerId?: LayerId;
}

export interface HcsSystem {
  id: string;
  document: ComputeSystem;
}

export interface HcsDocuments {
  isolation: 'process' | 'hyperv';
  /** In creation order: for Hyper-V, the utility VM first. */
  systems: HcsSystem[];
  /** The container's init. */
  process: ProcessParameters;
}

export function utilityVMId(id: string): string {
  return `${id}@vm`;
}

export function hcsDocuments(spec: Spec, options: HcsDocumentOptions): HcsDocuments {
  const { id, owner = 'tsrun', layerId = layerIdStandIn } = options;
  if (!spec.process) fail('process', 'is required');
  const w = windowsSection(spec);
  const folders = layerFolders(w);
  const process = processParameters(spec.process);
  const mounts = spec.mounts ?? [];
  const base = { Owner: owner, SchemaVersion: SCHEMA_V21, ShouldTerminateOnLastHandleClosed: true };

  if (!isHyperV(w)) {
    const storage = { layers: hostLayers(folders, layerId), path: scratchVolume(spec) };
    const container = containerDocument(spec, w, storage, mappedMounts(mounts), false);
    return { isolation: 'process', systems: [{ id, document: { ...base, Container: container } }], process };
  }

  // Layers and mapped directories reach the VM as VSMB shares, numbered in that order.
  const layerShares = folders.readOnly.map((path, i) => vsmbShare(i + 1, path, true));
  const mountShares: ReturnType<typeof vsmbShare>[] = [];
  const mapped = mappedMounts(mounts, (source, i) => {
    const share = vsmbShare(layerShares.length + mountShares.length + 1, source, isReadOnly(mounts[i]));
    mountShares.push(share);
    return share.guestPath;
  });
  if (mapped.pipes.length) fail('mounts', 'named pipe mounts are supported for process isolation only');
  const storage = {
    layers: layerShares.map((s, i) => ({ Id: layerId(folders.readOnly[i]), Path: s.guestPath })),
    path: guestScratchPath(id),
  };
  const container = containerDocument(spec, w, storage, mapped, true);
  const vmId = utilityVMId(id);
  return {
    isolation: 'hyperv',
    systems: [
      { id: vmId, document: { ...base, VirtualMachine: utilityVM(w, folders, [...layerShares, ...mountShares]) } },
      { id, document: { ...base, HostingSystemId: vmId, HostedSystem: { SchemaVersion: SCHEMA_V21, Container: container } } },
    ],
    process,
  };
}
