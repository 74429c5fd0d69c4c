// windows.resources as HCS processor, memory and storage QoS settings
// (hcsshim: internal/hcsoci/hcsdoc_wcow.go, internal/oci/uvm.go).
import { fail, type WindowsResources } from './oci.js';
import type { Processor, StorageQoS } from './schema.js';

const MiB = 1024 * 1024;

/**
 * HCS takes a processor count, a maximum (1-10000, hundredths of a percent)
 * and a weight (shares) as mutually exclusive, and so does hcsshim.
 */
export function processor(r: WindowsResources | undefined): Processor | undefined {
  const cpu = r?.cpu;
  if (!cpu) return undefined;
  const set = (['count', 'maximum', 'shares'] as const).filter((k) => cpu[k] !== undefined && cpu[k] !== 0);
  if (set.length > 1) {
    fail(`windows.resources.cpu.${set[1]}`, `cannot be set together with windows.resources.cpu.${set[0]}: HCS takes count, maximum and shares as mutually exclusive`);
  }
  if (cpu.maximum !== undefined && cpu.maximum > 10000) fail('windows.resources.cpu.maximum', `${cpu.maximum} is above 10000 (100% of the processors)`);
  if (cpu.shares !== undefined && cpu.shares > 10000) fail('windows.resources.cpu.shares', `${cpu.shares} is above 10000`);
  if (set.length === 0) return undefined;
  return { ...(cpu.count ? { Count: cpu.count } : {}), ...(cpu.maximum ? { Maximum: cpu.maximum } : {}), ...(cpu.shares ? { Weight: cpu.shares } : {}) };
}

/** The memory limit in MB (bytes / 2^20, rounded down as hcsshim does), or undefined. */
export function memoryInMB(r: WindowsResources | undefined): number | undefined {
  const limit = r?.memory?.limit;
  if (!limit) return undefined;
  const mb = Math.floor(limit / MiB);
  if (mb === 0) fail('windows.resources.memory.limit', `${limit} bytes is below 1 MB`);
  return mb;
}

export function storageQoS(r: WindowsResources | undefined): StorageQoS | undefined {
  const { iops, bps } = r?.storage ?? {};
  if (!iops && !bps) return undefined;
  return { ...(iops ? { IopsMaximum: iops } : {}), ...(bps ? { BandwidthMaximum: bps } : {}) };
}
