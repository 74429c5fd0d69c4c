// windows.devices as devices assigned to a process-isolated container
// (hcsshim: internal/hcsoci/hcsdoc_wcow.go parseAssignedDevices).
import { fail, type WindowsDevice } from './oci.js';
import type { Device } from './schema.js';

export function assignedDevices(devices: readonly WindowsDevice[] | undefined, hyperV: boolean): Device[] | undefined {
  if (!devices?.length) return undefined;
  if (hyperV) fail('windows.devices', 'device assignment is supported for process isolation only');
  return devices.map((d, i) => {
    switch (d.idType) {
      case 'vpci-location-path':
        return { Type: 'DeviceInstance', LocationPath: d.id };
      case 'class':
      case 'vpci-class-guid':
        return { InterfaceClassGuid: d.id };
      default:
        return fail(`windows.devices[${i}].idType`, `"${d.idType}" is not one of "class", "vpci-class-guid", "vpci-location-path"`);
    }
  });
}
