// The read-only layers: windows.layerFolders lists them topmost first, base
// last, then the scratch (hcsshim: internal/hcsoci/hcsdoc_wcow.go, layers.go).
import { createHash } from 'node:crypto';
import { baseName, isAbsoluteWindowsPath } from './paths.js';
import { fail, type WindowsSection } from './oci.js';
import type { Layer } from './schema.js';

/** Gives a layer folder's id; on Windows, vmcompute's NameToGuid of the folder's name. */
export type LayerId = (folder: string) => string;

/**
 * A stand-in for vmcompute.dll's NameToGuid where it cannot be called (any
 * host but Windows): a name-based (SHA-1, version 5 layout) GUID of the
 * folder's name. Real HCS ids differ; the Windows backend passes NameToGuid.
 */
export const layerIdStandIn: LayerId = (folder) => {
  const h = createHash('sha1').update('tsrun-layer:').update(baseName(folder).toLowerCase()).digest();
  h[6] = (h[6] & 0x0f) | 0x50;
  h[8] = (h[8] & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
};

export interface LayerFolders {
  /** Read-only layers, topmost first. */
  readOnly: string[];
  scratch: string;
}

export function layerFolders(w: WindowsSection): LayerFolders {
  const folders = w.layerFolders ?? [];
  if (folders.length < 2) fail('windows.layerFolders', 'must list at least one read-only layer and the scratch layer');
  folders.forEach((f, i) => {
    if (!isAbsoluteWindowsPath(f)) fail(`windows.layerFolders[${i}]`, `"${f}" is not an absolute Windows path`);
  });
  return { readOnly: folders.slice(0, -1), scratch: folders[folders.length - 1] };
}

export function hostLayers(folders: LayerFolders, layerId: LayerId): Layer[] {
  return folders.readOnly.map((path) => ({ Id: layerId(path), Path: path }));
}
