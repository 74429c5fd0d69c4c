// The v1 net_cls and net_prio controllers (runc's fs/net_cls.go and
// fs/net_prio.go): net_cls.classid from network.classID (0 = unset), one
// "ifname priority" line per network.priorities entry into
// net_prio.ifpriomap. Hosts often do not mount them; asking for either then
// fails, as runc's "cannot set net_cls limit: container could not join or
// create cgroup" does.
import type { LinuxNetwork } from '../../../spec/types.js';
import { isSet, writeField } from '../files.js';

const F = 'linux.resources.network';

export function netClsWanted(net: LinuxNetwork | undefined): boolean {
  return !!net && isSet(net.classID);
}

export function netPrioWanted(net: LinuxNetwork | undefined): boolean {
  return !!net?.priorities?.length;
}

export function applyNetCls(dir: string, net: LinuxNetwork | undefined): void {
  if (net && isSet(net.classID)) writeField(dir, 'net_cls.classid', net.classID, `${F}.classID`);
}

export function applyNetPrio(dir: string, net: LinuxNetwork | undefined): void {
  (net?.priorities ?? []).forEach((p, i) => {
    writeField(dir, 'net_prio.ifpriomap', `${p.name} ${p.priority}`, `${F}.priorities[${i}]`, () =>
      `is "${p.name}" a network interface in the runtime's network namespace?`);
  });
}
