// The OCI runtime spec's `windows` section (config-windows.md). lib/spec
// checks it only loosely, so its shape is declared here and read through
// windowsSection(), which names the field of any mistyped value.
import { SpecError } from '../../spec/errors.js';
import type { Spec, WindowsResources } from '../../spec/types.js';

export interface WindowsDevice {
  id: string;
  idType: string;
}

export type { WindowsResources };

export interface WindowsNetwork {
  endpointList?: string[];
  allowUnqualifiedDNSQuery?: boolean;
  DNSSearchList?: string[];
  networkSharedContainerName?: string;
  networkNamespace?: string;
}

export interface WindowsSection {
  layerFolders?: string[];
  devices?: WindowsDevice[];
  resources?: WindowsResources;
  network?: WindowsNetwork;
  credentialSpec?: unknown;
  servicing?: boolean;
  ignoreFlushesDuringBoot?: boolean;
  hyperv?: { utilityVMPath?: string };
}

export function fail(field: string, problem: string): never {
  throw new SpecError(field, problem);
}

type Kind = 'string' | 'number' | 'boolean' | 'object' | 'string[]';

function check(value: unknown, kind: Kind, field: string): void {
  if (value === undefined) return;
  const ok = kind === 'string[]'
    ? Array.isArray(value) && value.every((v) => typeof v === 'string')
    : kind === 'object'
      ? typeof value === 'object' && value !== null && !Array.isArray(value)
      : typeof value === kind && (kind !== 'number' || (Number.isInteger(value) && (value as number) >= 0));
  if (!ok) fail(field, `must be ${kind === 'number' ? 'a non-negative integer' : kind === 'string[]' ? 'an array of strings' : `a ${kind}`}`);
}

/** The spec's windows section, its types checked field by field. */
export function windowsSection(spec: Spec): WindowsSection {
  const w = spec.windows as WindowsSection | undefined;
  if (w === undefined) fail('windows', 'is required for a Windows container');
  check(w, 'object', 'windows');
  check(w.layerFolders, 'string[]', 'windows.layerFolders');
  check(w.servicing, 'boolean', 'windows.servicing');
  check(w.ignoreFlushesDuringBoot, 'boolean', 'windows.ignoreFlushesDuringBoot');
  check(w.hyperv, 'object', 'windows.hyperv');
  check(w.hyperv?.utilityVMPath, 'string', 'windows.hyperv.utilityVMPath');
  check(w.resources, 'object', 'windows.resources');
  for (const [part, fields] of [['memory', ['limit']], ['cpu', ['count', 'shares', 'maximum']], ['storage', ['iops', 'bps', 'sandboxSize']]] as const) {
    const section = (w.resources as Record<string, Record<string, unknown>> | undefined)?.[part];
    check(section, 'object', `windows.resources.${part}`);
    for (const f of fields) check(section?.[f], 'number', `windows.resources.${part}.${f}`);
  }
  check(w.network, 'object', 'windows.network');
  check(w.network?.endpointList, 'string[]', 'windows.network.endpointList');
  check(w.network?.allowUnqualifiedDNSQuery, 'boolean', 'windows.network.allowUnqualifiedDNSQuery');
  check(w.network?.DNSSearchList, 'string[]', 'windows.network.DNSSearchList');
  check(w.network?.networkSharedContainerName, 'string', 'windows.network.networkSharedContainerName');
  check(w.network?.networkNamespace, 'string', 'windows.network.networkNamespace');
  if (w.devices !== undefined && !Array.isArray(w.devices)) fail('windows.devices', 'must be an array');
  w.devices?.forEach((d, i) => {
    check(d, 'object', `windows.devices[${i}]`);
    check(d.id, 'string', `windows.devices[${i}].id`);
    check(d.idType, 'string', `windows.devices[${i}].idType`);
  });
  return w;
}

/** Hyper-V isolation is asked for by the presence of windows.hyperv. */
export function isHyperV(w: WindowsSection): boolean {
  return w.hyperv !== undefined;
}
