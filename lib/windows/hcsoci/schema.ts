// The parts of the HCS schema 2.x that tsrun writes (names and nesting as in
// Microsoft's schema and hcsshim's internal/hcs/schema2). Optional fields are
// left out of a document when unset, as hcsshim's `omitempty` does.

export interface SchemaVersion { Major: number; Minor: number }

export const SCHEMA_V21: SchemaVersion = { Major: 2, Minor: 1 };

export interface Layer { Id: string; Path: string }

export interface StorageQoS { IopsMaximum?: number; BandwidthMaximum?: number }

export interface Storage { Layers?: Layer[]; Path?: string; QoS?: StorageQoS }

export interface MappedDirectory { HostPath: string; ContainerPath: string; ReadOnly?: boolean }

export interface MappedPipe { ContainerPipeName: string; HostPath: string }

export interface Processor { Count?: number; Maximum?: number; Weight?: number }

export interface Memory { SizeInMB: number }

export interface Networking {
  AllowUnqualifiedDnsQuery?: boolean;
  DnsSearchList?: string;
  NetworkSharedContainerName?: string;
  Namespace?: string;
}

export interface Device { Type?: string; InterfaceClassGuid?: string; LocationPath?: string }

export interface Container {
  GuestOs?: { HostName: string };
  Storage?: Storage;
  MappedDirectories?: MappedDirectory[];
  MappedPipes?: MappedPipe[];
  Memory?: Memory;
  Processor?: Processor;
  Networking?: Networking;
  AssignedDevices?: Device[];
}

export interface VirtualSmbShareOptions {
  ReadOnly?: boolean;
  ShareRead?: boolean;
  CacheIo?: boolean;
  PseudoOplocks?: boolean;
  TakeBackupPrivilege?: boolean;
}

export interface VirtualSmbShare { Name: string; Path: string; Options: VirtualSmbShareOptions }

export interface Attachment { Type: 'VirtualDisk'; Path: string; ReadOnly?: boolean }

export interface VirtualMachine {
  StopOnReset: boolean;
  Chipset: { Uefi: { BootThis: { DevicePath: string; DeviceType: 'VmbFs' } } };
  ComputeTopology: {
    Memory: { SizeInMB: number; AllowOvercommit: boolean; EnableHotHint: boolean };
    Processor: { Count: number; Limit?: number; Weight?: number };
  };
  Devices: {
    Scsi: Record<string, { Attachments: Record<string, Attachment> }>;
    HvSocket: { HvSocketConfig: { DefaultBindSecurityDescriptor: string } };
    VirtualSmb: { DirectFileMappingInMB: number; Shares: VirtualSmbShare[] };
  };
  StorageQoS?: StorageQoS;
  /** Empty: HCS itself owns the connection to the guest (no hcsshim GCS bridge). */
  GuestConnection: Record<string, never>;
}

export interface ComputeSystem {
  Owner: string;
  SchemaVersion: SchemaVersion;
  ShouldTerminateOnLastHandleClosed?: boolean;
  HostingSystemId?: string;
  HostedSystem?: { SchemaVersion: SchemaVersion; Container: Container };
  Container?: Container;
  VirtualMachine?: VirtualMachine;
}

export interface ProcessParameters {
  CommandLine: string;
  User?: string;
  WorkingDirectory?: string;
  Environment?: Record<string, string>;
  EmulateConsole?: boolean;
  CreateStdInPipe?: boolean;
  CreateStdOutPipe?: boolean;
  CreateStdErrPipe?: boolean;
  /** [height, width] */
  ConsoleSize?: [number, number];
}
