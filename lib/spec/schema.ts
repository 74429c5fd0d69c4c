// The OCI runtime-spec config.json (v1.0 to v1.2) as a TypeBox schema.
//
// Build time only: scripts/gen-spec-validator.mjs compiles it to a standalone
// validator and types.ts derives the TypeScript types from it, so nothing here
// (nor TypeBox itself) is loaded when tsrun runs.
//
// Objects stay open (no additionalProperties: false) because engines add
// their own fields; enums are closed where the spec lists every value.
//
// An `$id` marks a schema the generator hoists into `$defs`: ajv then emits
// one small function for it rather than a copy at every use, and V8 compiles
// only the functions a given config reaches. The names mirror the Go types.

import { Type } from '@sinclair/typebox';
import { ABSOLUTE_PATH, CPU_LIST, MEM_BW_SCHEMA, RLIMIT_NAME, SEMVER } from './patterns.js';

/** A string enum as JSON Schema `enum` (TypeBox's Union of Literals compiles to a slower, wordier anyOf). */
function StringEnum<const T extends readonly string[]>($id: string, values: T) {
  return Type.Unsafe<T[number]>({ $id, type: 'string', enum: [...values] });
}

/** A platform section the schema checks only for being an object. */
function Loose() {
  return Type.Unsafe<Record<string, unknown>>({ type: 'object' });
}

// JSON numbers are doubles: the 64-bit bounds round to 2^63 and 2^64, which is
// as close as a parsed config.json value can get anyway.
const Int32 = Type.Integer({ $id: 'int32', minimum: -(2 ** 31), maximum: 2 ** 31 - 1 });
const Int64 = Type.Integer({ $id: 'int64', minimum: -(2 ** 63), maximum: 2 ** 63 });
const UInt16 = Type.Integer({ $id: 'uint16', minimum: 0, maximum: 2 ** 16 - 1 });
const UInt32 = Type.Integer({ $id: 'uint32', minimum: 0, maximum: 2 ** 32 - 1 });
const UInt64 = Type.Integer({ $id: 'uint64', minimum: 0, maximum: 2 ** 64 });

const Strings = Type.Array(Type.String(), { $id: 'strings' });
const AbsolutePath = Type.String({ $id: 'absolutePath', pattern: ABSOLUTE_PATH });
// A path whose absolute form depends on the platform ("/..." or "C:\..."): the backend's rules check it.
const PlatformPath = Type.String({ $id: 'platformPath' });
const StringMap = Type.Record(Type.String(), Type.String(), { $id: 'stringMap' });

export const NAMESPACE_TYPES = ['pid', 'network', 'mount', 'ipc', 'uts', 'user', 'cgroup', 'time'] as const;

export const SECCOMP_ACTIONS = [
  'SCMP_ACT_KILL',
  'SCMP_ACT_KILL_PROCESS',
  'SCMP_ACT_KILL_THREAD',
  'SCMP_ACT_TRAP',
  'SCMP_ACT_ERRNO',
  'SCMP_ACT_TRACE',
  'SCMP_ACT_ALLOW',
  'SCMP_ACT_LOG',
  'SCMP_ACT_NOTIFY',
] as const;

export const SECCOMP_OPERATORS = [
  'SCMP_CMP_NE',
  'SCMP_CMP_LT',
  'SCMP_CMP_LE',
  'SCMP_CMP_EQ',
  'SCMP_CMP_GE',
  'SCMP_CMP_GT',
  'SCMP_CMP_MASKED_EQ',
] as const;

export const SECCOMP_ARCHES = [
  'SCMP_ARCH_X86',
  'SCMP_ARCH_X86_64',
  'SCMP_ARCH_X32',
  'SCMP_ARCH_ARM',
  'SCMP_ARCH_AARCH64',
  'SCMP_ARCH_MIPS',
  'SCMP_ARCH_MIPS64',
  'SCMP_ARCH_MIPS64N32',
  'SCMP_ARCH_MIPSEL',
  'SCMP_ARCH_MIPSEL64',
  'SCMP_ARCH_MIPSEL64N32',
  'SCMP_ARCH_PPC',
  'SCMP_ARCH_PPC64',
  'SCMP_ARCH_PPC64LE',
  'SCMP_ARCH_S390',
  'SCMP_ARCH_S390X',
  'SCMP_ARCH_PARISC',
  'SCMP_ARCH_PARISC64',
  'SCMP_ARCH_RISCV64',
] as const;

export const SECCOMP_FLAGS = [
  'SECCOMP_FILTER_FLAG_TSYNC',
  'SECCOMP_FILTER_FLAG_LOG',
  'SECCOMP_FILTER_FLAG_SPEC_ALLOW',
  'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV',
] as const;

export const ROOTFS_PROPAGATIONS = [
  'private',
  'shared',
  'slave',
  'unbindable',
  'rprivate',
  'rshared',
  'rslave',
  'runbindable',
] as const;

export const SCHEDULER_POLICIES = [
  'SCHED_OTHER',
  'SCHED_FIFO',
  'SCHED_RR',
  'SCHED_BATCH',
  'SCHED_ISO',
  'SCHED_IDLE',
  'SCHED_DEADLINE',
] as const;

export const SCHEDULER_FLAGS = [
  'SCHED_FLAG_RESET_ON_FORK',
  'SCHED_FLAG_RECLAIM',
  'SCHED_FLAG_DL_OVERRUN',
  'SCHED_FLAG_KEEP_POLICY',
  'SCHED_FLAG_KEEP_PARAMS',
  'SCHED_FLAG_UTIL_CLAMP_MIN',
  'SCHED_FLAG_UTIL_CLAMP_MAX',
] as const;

export const IO_PRIORITY_CLASSES = ['IOPRIO_CLASS_RT', 'IOPRIO_CLASS_BE', 'IOPRIO_CLASS_IDLE'] as const;

// ---- common -----------------------------------------------------------------

export const LinuxIDMappingSchema = Type.Object(
  {
    containerID: UInt32,
    hostID: UInt32,
    size: UInt32,
  },
  { $id: 'LinuxIDMapping' },
);

export const RootSchema = Type.Object(
  {
    path: Type.String(),
    readonly: Type.Optional(Type.Boolean()),
  },
  { $id: 'Root' },
);

export const MountSchema = Type.Object(
  {
    destination: PlatformPath,
    type: Type.Optional(Type.String()),
    source: Type.Optional(Type.String()),
    options: Type.Optional(Strings),
    uidMappings: Type.Optional(Type.Array(LinuxIDMappingSchema)),
    gidMappings: Type.Optional(Type.Array(LinuxIDMappingSchema)),
  },
  { $id: 'Mount' },
);

export const HookSchema = Type.Object(
  {
    path: AbsolutePath,
    args: Type.Optional(Strings),
    env: Type.Optional(Strings),
    timeout: Type.Optional(Type.Integer({ minimum: 1 })),
  },
  { $id: 'Hook' },
);

const Hooks = Type.Optional(Type.Array(HookSchema));

export const HooksSchema = Type.Object(
  {
    prestart: Hooks,
    createRuntime: Hooks,
    createContainer: Hooks,
    startContainer: Hooks,
    poststart: Hooks,
    poststop: Hooks,
  },
  { $id: 'Hooks' },
);

// ---- process ----------------------------------------------------------------

export const BoxSchema = Type.Object(
  {
    height: UInt64,
    width: UInt64,
  },
  { $id: 'Box' },
);

export const UserSchema = Type.Object(
  {
    uid: Type.Optional(UInt32),
    gid: Type.Optional(UInt32),
    umask: Type.Optional(UInt32),
    additionalGids: Type.Optional(Type.Array(UInt32)),
    username: Type.Optional(Type.String()),
  },
  { $id: 'User' },
);

export const LinuxCapabilitiesSchema = Type.Object(
  {
    bounding: Type.Optional(Strings),
    effective: Type.Optional(Strings),
    inheritable: Type.Optional(Strings),
    permitted: Type.Optional(Strings),
    ambient: Type.Optional(Strings),
  },
  { $id: 'LinuxCapabilities' },
);

export const POSIXRlimitSchema = Type.Object(
  {
    type: Type.String({ pattern: RLIMIT_NAME }),
    hard: UInt64,
    soft: UInt64,
  },
  { $id: 'POSIXRlimit' },
);

export const LinuxIOPrioritySchema = Type.Object(
  {
    class: StringEnum('IOPriorityClass', IO_PRIORITY_CLASSES),
    priority: Type.Optional(Int32),
  },
  { $id: 'LinuxIOPriority' },
);

export const SchedulerSchema = Type.Object(
  {
    policy: StringEnum('SchedulerPolicy', SCHEDULER_POLICIES),
    nice: Type.Optional(Int32),
    priority: Type.Optional(Int32),
    flags: Type.Optional(Type.Array(StringEnum('SchedulerFlag', SCHEDULER_FLAGS))),
    runtime: Type.Optional(UInt64),
    deadline: Type.Optional(UInt64),
    period: Type.Optional(UInt64),
  },
  { $id: 'Scheduler' },
);

export const CPUAffinitySchema = Type.Object(
  {
    initial: Type.Optional(Type.String({ pattern: CPU_LIST })),
    final: Type.Optional(Type.String({ pattern: CPU_LIST })),
  },
  { $id: 'CPUAffinity' },
);

export const ProcessSchema = Type.Object(
  {
    terminal: Type.Optional(Type.Boolean()),
    consoleSize: Type.Optional(BoxSchema),
    user: Type.Optional(UserSchema),
    args: Type.Optional(Strings),
    commandLine: Type.Optional(Type.String()),
    env: Type.Optional(Strings),
    cwd: PlatformPath,
    capabilities: Type.Optional(LinuxCapabilitiesSchema),
    rlimits: Type.Optional(Type.Array(POSIXRlimitSchema)),
    noNewPrivileges: Type.Optional(Type.Boolean()),
    apparmorProfile: Type.Optional(Type.String()),
    // The kernel's range for /proc/<pid>/oom_score_adj.
    oomScoreAdj: Type.Optional(Type.Integer({ minimum: -1000, maximum: 1000 })),
    selinuxLabel: Type.Optional(Type.String()),
    ioPriority: Type.Optional(LinuxIOPrioritySchema),
    scheduler: Type.Optional(SchedulerSchema),
    execCPUAffinity: Type.Optional(CPUAffinitySchema),
  },
  { $id: 'Process' },
);

// ---- linux: resources -------------------------------------------------------

export const LinuxDeviceCgroupSchema = Type.Object(
  {
    allow: Type.Boolean(),
    type: Type.Optional(StringEnum('DeviceCgroupType', ['a', 'c', 'b'] as const)),
    major: Type.Optional(Int64),
    minor: Type.Optional(Int64),
    access: Type.Optional(Type.String()),
  },
  { $id: 'LinuxDeviceCgroup' },
);

export const LinuxMemorySchema = Type.Object(
  {
    limit: Type.Optional(Int64),
    reservation: Type.Optional(Int64),
    swap: Type.Optional(Int64),
    kernel: Type.Optional(Int64),
    kernelTCP: Type.Optional(Int64),
    swappiness: Type.Optional(UInt64),
    disableOOMKiller: Type.Optional(Type.Boolean()),
    useHierarchy: Type.Optional(Type.Boolean()),
    checkBeforeUpdate: Type.Optional(Type.Boolean()),
  },
  { $id: 'LinuxMemory' },
);

export const LinuxCPUSchema = Type.Object(
  {
    shares: Type.Optional(UInt64),
    quota: Type.Optional(Int64),
    burst: Type.Optional(UInt64),
    period: Type.Optional(UInt64),
    realtimeRuntime: Type.Optional(Int64),
    realtimePeriod: Type.Optional(UInt64),
    cpus: Type.Optional(Type.String()),
    mems: Type.Optional(Type.String()),
    idle: Type.Optional(Int64),
  },
  { $id: 'LinuxCPU' },
);

export const LinuxPidsSchema = Type.Object(
  {
    limit: Int64,
  },
  { $id: 'LinuxPids' },
);

export const LinuxWeightDeviceSchema = Type.Object(
  {
    major: Int64,
    minor: Int64,
    weight: Type.Optional(UInt16),
    leafWeight: Type.Optional(UInt16),
  },
  { $id: 'LinuxWeightDevice' },
);

export const LinuxThrottleDeviceSchema = Type.Object(
  {
    major: Int64,
    minor: Int64,
    rate: UInt64,
  },
  { $id: 'LinuxThrottleDevice' },
);

const ThrottleDevices = Type.Optional(Type.Array(LinuxThrottleDeviceSchema));

export const LinuxBlockIOSchema = Type.Object(
  {
    weight: Type.Optional(UInt16),
    leafWeight: Type.Optional(UInt16),
    weightDevice: Type.Optional(Type.Array(LinuxWeightDeviceSchema)),
    throttleReadBpsDevice: ThrottleDevices,
    throttleWriteBpsDevice: ThrottleDevices,
    throttleReadIOPSDevice: ThrottleDevices,
    throttleWriteIOPSDevice: ThrottleDevices,
  },
  { $id: 'LinuxBlockIO' },
);

export const LinuxHugepageLimitSchema = Type.Object(
  {
    pageSize: Type.String(),
    limit: UInt64,
  },
  { $id: 'LinuxHugepageLimit' },
);

export const LinuxInterfacePrioritySchema = Type.Object(
  {
    name: Type.String(),
    priority: UInt32,
  },
  { $id: 'LinuxInterfacePriority' },
);

export const LinuxNetworkSchema = Type.Object(
  {
    classID: Type.Optional(UInt32),
    priorities: Type.Optional(Type.Array(LinuxInterfacePrioritySchema)),
  },
  { $id: 'LinuxNetwork' },
);

export const LinuxRdmaSchema = Type.Object(
  {
    hcaHandles: Type.Optional(UInt32),
    hcaObjects: Type.Optional(UInt32),
  },
  { $id: 'LinuxRdma' },
);

export const LinuxResourcesSchema = Type.Object(
  {
    devices: Type.Optional(Type.Array(LinuxDeviceCgroupSchema)),
    memory: Type.Optional(LinuxMemorySchema),
    cpu: Type.Optional(LinuxCPUSchema),
    pids: Type.Optional(LinuxPidsSchema),
    blockIO: Type.Optional(LinuxBlockIOSchema),
    hugepageLimits: Type.Optional(Type.Array(LinuxHugepageLimitSchema)),
    network: Type.Optional(LinuxNetworkSchema),
    rdma: Type.Optional(Type.Record(Type.String(), LinuxRdmaSchema)),
    unified: Type.Optional(StringMap),
  },
  { $id: 'LinuxResources' },
);

// ---- linux: everything else -------------------------------------------------

export const LinuxNamespaceSchema = Type.Object(
  {
    type: StringEnum('NamespaceType', NAMESPACE_TYPES),
    path: Type.Optional(AbsolutePath),
  },
  { $id: 'LinuxNamespace' },
);

export const LinuxTimeOffsetSchema = Type.Object(
  {
    secs: Type.Optional(Int64),
    nanosecs: Type.Optional(UInt32),
  },
  { $id: 'LinuxTimeOffset' },
);

export const LinuxDeviceSchema = Type.Object(
  {
    type: StringEnum('DeviceType', ['c', 'b', 'u', 'p'] as const),
    path: AbsolutePath,
    major: Type.Optional(Int64),
    minor: Type.Optional(Int64),
    fileMode: Type.Optional(UInt32),
    uid: Type.Optional(UInt32),
    gid: Type.Optional(UInt32),
  },
  { $id: 'LinuxDevice' },
);

export const LinuxNetDeviceSchema = Type.Object(
  {
    name: Type.Optional(Type.String()),
  },
  { $id: 'LinuxNetDevice' },
);

const SeccompAction = StringEnum('SeccompAction', SECCOMP_ACTIONS);

export const LinuxSeccompArgSchema = Type.Object(
  {
    index: UInt32,
    value: UInt64,
    valueTwo: Type.Optional(UInt64),
    op: StringEnum('SeccompOperator', SECCOMP_OPERATORS),
  },
  { $id: 'LinuxSeccompArg' },
);

export const LinuxSyscallSchema = Type.Object(
  {
    names: Type.Array(Type.String(), { minItems: 1 }),
    action: SeccompAction,
    errnoRet: Type.Optional(UInt32),
    args: Type.Optional(Type.Array(LinuxSeccompArgSchema)),
  },
  { $id: 'LinuxSyscall' },
);

export const LinuxSeccompSchema = Type.Object(
  {
    defaultAction: SeccompAction,
    defaultErrnoRet: Type.Optional(UInt32),
    architectures: Type.Optional(Type.Array(StringEnum('SeccompArch', SECCOMP_ARCHES))),
    flags: Type.Optional(Type.Array(StringEnum('SeccompFlag', SECCOMP_FLAGS))),
    listenerPath: Type.Optional(Type.String()),
    listenerMetadata: Type.Optional(Type.String()),
    syscalls: Type.Optional(Type.Array(LinuxSyscallSchema)),
  },
  { $id: 'LinuxSeccomp' },
);

export const LinuxIntelRdtSchema = Type.Object(
  {
    closID: Type.Optional(Type.String()),
    schemata: Type.Optional(Type.String()),
    l3CacheSchema: Type.Optional(Type.String()),
    memBwSchema: Type.Optional(Type.String({ pattern: MEM_BW_SCHEMA })),
    enableCMT: Type.Optional(Type.Boolean()),
    enableMBM: Type.Optional(Type.Boolean()),
  },
  { $id: 'LinuxIntelRdt' },
);

export const LinuxPersonalitySchema = Type.Object(
  {
    domain: StringEnum('PersonalityDomain', ['LINUX', 'LINUX32'] as const),
    flags: Type.Optional(Strings),
  },
  { $id: 'LinuxPersonality' },
);

export const LinuxSchema = Type.Object(
  {
    namespaces: Type.Optional(Type.Array(LinuxNamespaceSchema)),
    uidMappings: Type.Optional(Type.Array(LinuxIDMappingSchema)),
    gidMappings: Type.Optional(Type.Array(LinuxIDMappingSchema)),
    timeOffsets: Type.Optional(Type.Record(Type.String(), LinuxTimeOffsetSchema)),
    devices: Type.Optional(Type.Array(LinuxDeviceSchema)),
    netDevices: Type.Optional(Type.Record(Type.String(), LinuxNetDeviceSchema)),
    cgroupsPath: Type.Optional(Type.String()),
    resources: Type.Optional(LinuxResourcesSchema),
    intelRdt: Type.Optional(LinuxIntelRdtSchema),
    sysctl: Type.Optional(StringMap),
    seccomp: Type.Optional(LinuxSeccompSchema),
    rootfsPropagation: Type.Optional(StringEnum('RootfsPropagation', ROOTFS_PROPAGATIONS)),
    maskedPaths: Type.Optional(Type.Array(AbsolutePath)),
    readonlyPaths: Type.Optional(Type.Array(AbsolutePath)),
    mountLabel: Type.Optional(Type.String()),
    personality: Type.Optional(LinuxPersonalitySchema),
  },
  { $id: 'Linux' },
);

// ---- the document -----------------------------------------------------------

export const SpecSchema = Type.Object(
  {
    ociVersion: Type.String({ pattern: SEMVER }),
    process: Type.Optional(ProcessSchema),
    root: Type.Optional(RootSchema),
    hostname: Type.Optional(Type.String()),
    domainname: Type.Optional(Type.String()),
    mounts: Type.Optional(Type.Array(MountSchema)),
    hooks: Type.Optional(HooksSchema),
    annotations: Type.Optional(StringMap),
    linux: Type.Optional(LinuxSchema),
    solaris: Type.Optional(Loose()),
    windows: Type.Optional(Loose()),
    vm: Type.Optional(Loose()),
    zos: Type.Optional(Loose()),
  },
  { description: 'OCI runtime-spec config.json' },
);
