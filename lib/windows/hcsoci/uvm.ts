// The utility VM of a Hyper-V isolated container: a Windows VM booted from
// the base layer's UtilityVM files over VSMB, with its scratch and the
// container's on SCSI (hcsshim: internal/uvm/create_wcow.go prepareConfigDoc
// and prepareCommonConfigDoc, internal/uvm/vsmb.go, internal/oci/uvm.go).
import type { LayerFolders } from './layers.js';
import { fail, type WindowsSection } from './oci.js';
import { joinWindows, isAbsoluteWindowsPath } from './paths.js';
import { memoryInMB, processor, storageQoS } from './resources.js';
import type { Attachment, VirtualMachine, VirtualSmbShare, VirtualSmbShareOptions } from './schema.js';

/** hcsshim's first SCSI controller (a v5 GUID of "0"; internal/protocol/guestrequest). */
export const SCSI_CONTROLLER_0 = 'df6d0690-79e5-55b6-a5ec-c1e2f77f580a';
/** Where a VSMB share appears in a Windows utility VM (hcsshim's vsmbSharePrefix). */
export const VSMB_GUEST_PREFIX = '\\\\?\\VMSMB\\VSMB-{dcc079ae-60ba-4d07-847c-3493609c0870}\\';
/** hcsshim's defaults when the spec sets neither. */
export const UVM_DEFAULT_MEMORY_MB = 1024;
export const UVM_DEFAULT_PROCESSORS = 2;

const READ_ONLY_SHARE: VirtualSmbShareOptions = { ReadOnly: true, ShareRead: true, CacheIo: true, PseudoOplocks: true };

/** The utility VM image: windows.hyperv.utilityVMPath, else the base layer's UtilityVM folder. */
export function utilityVMPath(w: WindowsSection, folders: LayerFolders): string {
  const given = w.hyperv?.utilityVMPath;
  if (given) {
    if (!isAbsoluteWindowsPath(given)) fail('windows.hyperv.utilityVMPath', `"${given}" is not an absolute Windows path`);
    return given;
  }
  return joinWindows(folders.readOnly[folders.readOnly.length - 1], 'UtilityVM');
}

/** A host directory shared into the VM, and where the guest sees it. */
export interface VsmbShare extends VirtualSmbShare {
  guestPath: string;
}

export function vsmbShare(index: number, hostPath: string, readOnly: boolean): VsmbShare {
  // hcsshim names shares by a counter; "s" + index keeps them apart from "os".
  const Name = `s${index}`;
  return { Name, Path: hostPath, Options: readOnly ? { ...READ_ONLY_SHARE } : {}, guestPath: `${VSMB_GUEST_PREFIX}${Name}` };
}

export function utilityVM(w: WindowsSection, folders: LayerFolders, shares: readonly VsmbShare[]): VirtualMachine {
  const image = utilityVMPath(w, folders);
  const cpu = processor(w.resources);
  const qos = storageQoS(w.resources);
  // hcsshim aligns the size up to 2 MB.
  const memory = Math.ceil((memoryInMB(w.resources) ?? UVM_DEFAULT_MEMORY_MB) / 2) * 2;
  const disk = (path: string): Attachment => ({ Type: 'VirtualDisk', Path: path });
  return {
    StopOnReset: true,
    Chipset: { Uefi: { BootThis: { DevicePath: '\\EFI\\Microsoft\\Boot\\bootmgfw.efi', DeviceType: 'VmbFs' } } },
    ComputeTopology: {
      Memory: { SizeInMB: memory, AllowOvercommit: true, EnableHotHint: true },
      Processor: {
        Count: cpu?.Count ?? UVM_DEFAULT_PROCESSORS,
        ...(cpu?.Maximum ? { Limit: cpu.Maximum } : {}),
        ...(cpu?.Weight ? { Weight: cpu.Weight } : {}),
      },
    },
    Devices: {
      Scsi: {
        [SCSI_CONTROLLER_0]: {
          // 0: the VM's own scratch; 1: the container's.
          Attachments: { 0: disk(joinWindows(folders.scratch, 'vm', 'sandbox.vhdx')), 1: disk(joinWindows(folders.scratch, 'sandbox.vhdx')) },
        },
      },
      HvSocket: { HvSocketConfig: { DefaultBindSecurityDescriptor: 'D:P(A;;FA;;;SY)(A;;FA;;;BA)' } },
      VirtualSmb: {
        DirectFileMappingInMB: 1024,
        Shares: [
          { Name: 'os', Path: joinWindows(image, 'Files'), Options: { ...READ_ONLY_SHARE, TakeBackupPrivilege: true } },
          ...shares.map(({ Name, Path, Options }) => ({ Name, Path, Options })),
        ],
      },
    },
    ...(qos ? { StorageQoS: qos } : {}),
    GuestConnection: {},
  };
}

/** Where the container's scratch (SCSI 0:1) is mounted in the VM (hcsshim's C:\c\<id>). */
export function guestScratchPath(id: string): string {
  return `C:\\c\\${id}\\scratch\\`;
}
