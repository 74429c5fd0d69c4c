// The golden cases: OCI configs and what hcsshim builds from them. Each case
// names the hcsshim code its expected documents were derived from; the
// documents are in goldens/<name>.json, reviewed by hand against that code
// (test/windows/update-goldens.mjs rewrites them when a case is added).
// Layer ids in the goldens are layerIdStandIn's: on Linux there is no vmcompute
// NameToGuid to call; the rest of each document is hcsshim's shape.
const VOLUME = '\\\\?\\Volume{5f1b0a2c-3d4e-4f50-8a6b-7c8d9e0f1a2b}\\';
const BASE = 'C:\\ProgramData\\tsrun\\layers\\base';
const TOP = 'C:\\ProgramData\\tsrun\\layers\\app';
const SCRATCH = 'C:\\ProgramData\\tsrun\\scratch\\c1';

export function config(overrides = {}) {
  const { windows, process, ...rest } = overrides;
  return {
    ociVersion: '1.1.0',
    root: { path: VOLUME },
    process: { cwd: 'C:\\', args: ['cmd', '/c', 'echo hello'], env: ['PATH=C:\\Windows\\System32'], ...process },
    ...rest,
    windows: { layerFolders: [TOP, BASE, SCRATCH], ...windows },
  };
}

const ARGON = 'hcsshim internal/hcsoci/hcsdoc_wcow.go createWindowsContainerDocument (v2 Argon), internal/cmd/cmd.go Cmd.Start';
const XENON = 'hcsshim internal/uvm/create_wcow.go prepareConfigDoc/prepareCommonConfigDoc, internal/uvm/vsmb.go DefaultVSMBOptions, internal/hcsoci/hcsdoc_wcow.go (HostedSystem form of an older create.go), internal/cmd/cmd.go';

export const cases = [
  { name: 'argon-minimal', source: ARGON, config: config() },
  { name: 'argon-hostname-cwd-user', source: ARGON, config: config({ hostname: 'web1', process: { cwd: 'C:\\app', user: { username: 'ContainerUser' }, env: ['A=1', 'EMPTY=', 'NOEQUALS', 'B=x=y'] } }) },
  { name: 'argon-commandline-quoting', source: `${ARGON}; golang.org/x/sys/windows EscapeArg`, config: config({ process: { args: ['C:\\Program Files\\app.exe', 'a b', '', 'say "hi"', 'tail\\', 'dir with\\', 'plain'] } }) },
  { name: 'argon-commandline-given', source: ARGON, config: config({ process: { commandLine: 'cmd /S /C "echo hi"', args: ['ignored'] } }) },
  { name: 'argon-mounts-pipes', source: `${ARGON}; internal/uvm/pipes.go IsPipe, GetContainerPipeMapping`, config: config({ mounts: [
    { destination: 'C:\\data', source: 'D:\\data' },
    { destination: 'C:\\config', source: 'D:\\config', options: ['ro'] },
    { destination: '\\\\.\\pipe\\docker_engine', source: '\\\\.\\pipe\\docker_engine' },
  ] }) },
  { name: 'argon-network', source: `${ARGON}; internal/hcsoci/network.go`, config: config({ windows: { network: {
    networkNamespace: '8a3f0c44-2a5d-4f4e-9c1e-0b6d2f1e7a11', endpointList: ['e1'], allowUnqualifiedDNSQuery: true, DNSSearchList: ['corp.example', 'example'], networkSharedContainerName: 'pause',
  } } }) },
  { name: 'argon-resources-count', source: ARGON, config: config({ windows: { resources: { cpu: { count: 2 }, memory: { limit: 536870912 }, storage: { iops: 500, bps: 1048576, sandboxSize: 21474836480 } } } }) },
  { name: 'argon-resources-maximum', source: ARGON, config: config({ windows: { resources: { cpu: { maximum: 5000 } } } }) },
  { name: 'argon-resources-shares', source: ARGON, config: config({ windows: { resources: { cpu: { shares: 300 } } } }) },
  { name: 'argon-devices', source: `${ARGON} parseAssignedDevices`, config: config({ windows: { devices: [
    { id: '24e552d7-6523-47f7-a647-d3465bf1f5ca', idType: 'class' },
    { id: 'PCIROOT(0)#PCI(0100)', idType: 'vpci-location-path' },
  ] } }) },
  { name: 'argon-console', source: ARGON, config: config({ process: { terminal: true, consoleSize: { height: 40, width: 120 } } }) },
  { name: 'xenon-minimal', source: XENON, config: config({ windows: { hyperv: {} } }) },
  { name: 'xenon-uvm-path-resources-mounts', source: XENON, config: config({ hostname: 'iso1', windows: {
    hyperv: { utilityVMPath: 'C:\\uvm\\UtilityVM' }, resources: { cpu: { count: 4 }, memory: { limit: 3145728000 }, storage: { iops: 100 } },
  }, mounts: [{ destination: 'C:\\data', source: 'D:\\data', options: ['ro'] }] }) },
  // Refusals: each names the field.
  { name: 'refuse-cpu-count-and-maximum', source: ARGON, config: config({ windows: { resources: { cpu: { count: 2, maximum: 5000 } } } }), error: 'config.json: windows.resources.cpu.maximum: cannot be set together with windows.resources.cpu.count: HCS takes count, maximum and shares as mutually exclusive' },
  { name: 'refuse-cpu-shares-and-maximum', source: ARGON, config: config({ windows: { resources: { cpu: { maximum: 100, shares: 10 } } } }), error: 'config.json: windows.resources.cpu.shares: cannot be set together with windows.resources.cpu.maximum: HCS takes count, maximum and shares as mutually exclusive' },
  { name: 'refuse-one-layer-folder', source: ARGON, config: config({ windows: { layerFolders: [SCRATCH] } }), error: 'config.json: windows.layerFolders: must list at least one read-only layer and the scratch layer' },
  { name: 'refuse-root-not-volume', source: ARGON, config: config({ root: { path: 'C:\\rootfs' } }), error: 'config.json: root.path: "C:\\rootfs" must be a volume GUID path in the form \\\\?\\Volume{GUID}\\' },
  { name: 'refuse-root-readonly', source: ARGON, config: config({ root: { path: VOLUME, readonly: true } }), error: 'config.json: root.readonly: is not supported for Windows containers' },
  { name: 'refuse-mount-type', source: ARGON, config: config({ mounts: [{ destination: 'C:\\d', source: 'D:\\d', type: 'bind' }] }), error: 'config.json: mounts[0].type: "bind" must not be set for a Windows container' },
  { name: 'refuse-device-hyperv', source: `${ARGON} parseAssignedDevices`, config: config({ windows: { hyperv: {}, devices: [{ id: 'x', idType: 'class' }] } }), error: 'config.json: windows.devices: device assignment is supported for process isolation only' },
  { name: 'refuse-device-idtype', source: `${ARGON} parseAssignedDevices`, config: config({ windows: { devices: [{ id: 'x', idType: 'gpu' }] } }), error: 'config.json: windows.devices[0].idType: "gpu" is not one of "class", "vpci-class-guid", "vpci-location-path"' },
  { name: 'refuse-no-windows', source: ARGON, config: { ...config(), windows: undefined }, error: 'config.json: windows: is required for a Windows container' },
  { name: 'refuse-mistyped-count', source: 'OCI runtime-spec config-windows.md', config: config({ windows: { resources: { cpu: { count: '2' } } } }), error: 'config.json: windows.resources.cpu.count: must be a non-negative integer' },
];
