// windows.network as the container's HCS Networking (hcsshim:
// internal/hcsoci/hcsdoc_wcow.go, network.go).
import { fail, type WindowsNetwork } from './oci.js';
import type { Networking } from './schema.js';

export function networking(n: WindowsNetwork | undefined): Networking | undefined {
  if (!n) return undefined;
  // hcsshim makes an HCN namespace for bare endpoints; tsrun attaches to one the caller made.
  if (n.endpointList?.length && !n.networkNamespace) {
    fail('windows.network.endpointList', 'needs windows.network.networkNamespace (tsrun does not create HCN namespaces)');
  }
  return {
    ...(n.allowUnqualifiedDNSQuery ? { AllowUnqualifiedDnsQuery: true } : {}),
    ...(n.DNSSearchList?.length ? { DnsSearchList: n.DNSSearchList.join(',') } : {}),
    ...(n.networkSharedContainerName ? { NetworkSharedContainerName: n.networkSharedContainerName } : {}),
    ...(n.networkNamespace ? { Namespace: n.networkNamespace } : {}),
  };
}
