// TypeScript types of config.json, derived from the schema so the two cannot
// drift. Type-only imports: this module is empty at run time.

import type { Static } from '@sinclair/typebox';
import type * as S from './schema.js';

export type Spec = Static<typeof S.SpecSchema>;
export type Root = Static<typeof S.RootSchema>;
export type Mount = Static<typeof S.MountSchema>;
export type Hook = Static<typeof S.HookSchema>;
export type Hooks = Static<typeof S.HooksSchema>;

export type Process = Static<typeof S.ProcessSchema>;
export type Box = Static<typeof S.BoxSchema>;
export type User = Static<typeof S.UserSchema>;
export type LinuxCapabilities = Static<typeof S.LinuxCapabilitiesSchema>;
export type POSIXRlimit = Static<typeof S.POSIXRlimitSchema>;
export type LinuxIOPriority = Static<typeof S.LinuxIOPrioritySchema>;
export type Scheduler = Static<typeof S.SchedulerSchema>;
export type CPUAffinity = Static<typeof S.CPUAffinitySchema>;

export type Linux = Static<typeof S.LinuxSchema>;
export type LinuxNamespace = Static<typeof S.LinuxNamespaceSchema>;
export type LinuxNamespaceType = (typeof S.NAMESPACE_TYPES)[number];
export type LinuxIDMapping = Static<typeof S.LinuxIDMappingSchema>;
export type LinuxTimeOffset = Static<typeof S.LinuxTimeOffsetSchema>;
export type LinuxDevice = Static<typeof S.LinuxDeviceSchema>;
export type LinuxNetDevice = Static<typeof S.LinuxNetDeviceSchema>;
export type LinuxIntelRdt = Static<typeof S.LinuxIntelRdtSchema>;
export type LinuxPersonality = Static<typeof S.LinuxPersonalitySchema>;
export type RootfsPropagation = (typeof S.ROOTFS_PROPAGATIONS)[number];

export type LinuxResources = Static<typeof S.LinuxResourcesSchema>;
export type LinuxDeviceCgroup = Static<typeof S.LinuxDeviceCgroupSchema>;
export type LinuxMemory = Static<typeof S.LinuxMemorySchema>;
export type LinuxCPU = Static<typeof S.LinuxCPUSchema>;
export type LinuxPids = Static<typeof S.LinuxPidsSchema>;
export type LinuxBlockIO = Static<typeof S.LinuxBlockIOSchema>;
export type LinuxWeightDevice = Static<typeof S.LinuxWeightDeviceSchema>;
export type LinuxThrottleDevice = Static<typeof S.LinuxThrottleDeviceSchema>;
export type LinuxHugepageLimit = Static<typeof S.LinuxHugepageLimitSchema>;
export type LinuxNetwork = Static<typeof S.LinuxNetworkSchema>;
export type LinuxInterfacePriority = Static<typeof S.LinuxInterfacePrioritySchema>;
export type LinuxRdma = Static<typeof S.LinuxRdmaSchema>;

/** windows.resources (config-windows.md); the schema checks the windows section only loosely. */
export interface WindowsResources {
  memory?: { limit?: number };
  cpu?: { count?: number; shares?: number; maximum?: number };
  storage?: { iops?: number; bps?: number; sandboxSize?: number };
}

export type LinuxSeccomp = Static<typeof S.LinuxSeccompSchema>;
export type LinuxSyscall = Static<typeof S.LinuxSyscallSchema>;
export type LinuxSeccompArg = Static<typeof S.LinuxSeccompArgSchema>;
export type LinuxSeccompAction = (typeof S.SECCOMP_ACTIONS)[number];
export type LinuxSeccompOperator = (typeof S.SECCOMP_OPERATORS)[number];
export type LinuxSeccompArch = (typeof S.SECCOMP_ARCHES)[number];
export type LinuxSeccompFlag = (typeof S.SECCOMP_FLAGS)[number];
