// The hugetlb controller. On v1 (runc's fs/hugetlb.go, plus runc 1.2's
// reservation limit): hugetlb.<size>.limit_in_bytes and, where the kernel has
// it (5.7+), hugetlb.<size>.rsvd.limit_in_bytes with the same value, so an
// over-limit mmap fails with ENOMEM instead of a SIGBUS at fault time.
// On a hybrid host whose hugetlb controller sits on the cgroup2 mount instead,
// the same limits go through the v2 names (hugetlb.<size>.max / .rsvd.max).
import { readdirSync } from 'node:fs';
import type { LinuxHugepageLimit } from '../../../spec/types.js';
import type { CgroupStats } from '../manager.js';
import { SpecError } from '../../../spec/errors.js';
import { exists, flatKeyed, readOptional, readUintIfExists, writeField } from '../files.js';

const F = 'linux.resources.hugepageLimits';

let sizes: string[] | undefined;

/** The host's huge page sizes in runc's notation: "2MB", "1GB", "64KB". */
export function hugePageSizes(): string[] {
  if (sizes) return sizes;
  const units = ['KB', 'MB', 'GB', 'TB', 'PB'];
  const found: string[] = [];
  let names: string[] = [];
  try { names = readdirSync('/sys/kernel/mm/hugepages'); } catch { /* no huge pages */ }
  for (const name of names) {
    const m = /^hugepages-(\d+)kB$/.exec(name);
    if (!m) continue;
    let size = Number(m[1]);
    let unit = 0;
    while (size >= 1024 && size % 1024 === 0 && unit < units.length - 1) {
      size /= 1024;
      unit++;
    }
    found.push(`${size}${units[unit]}`);
  }
  sizes = found;
  return found;
}

export function validateHugetlb(limits: LinuxHugepageLimit[] | undefined): void {
  const have = hugePageSizes();
  (limits ?? []).forEach((l, i) => {
    if (!have.includes(l.pageSize)) {
      throw new SpecError(`${F}[${i}].pageSize`, `"${l.pageSize}" is not a huge page size of this host (${have.length ? have.join(', ') : 'it has none'})`);
    }
  });
}

export function hugetlbWanted(limits: LinuxHugepageLimit[] | undefined): boolean {
  return !!limits?.length;
}

export function applyHugetlb(dir: string, limits: LinuxHugepageLimit[] | undefined, v2 = false): void {
  const [limitSuffix, rsvdSuffix] = v2 ? ['max', 'rsvd.max'] : ['limit_in_bytes', 'rsvd.limit_in_bytes'];
  (limits ?? []).forEach((l, i) => {
    const prefix = `hugetlb.${l.pageSize}`;
    writeField(dir, `${prefix}.${limitSuffix}`, l.limit, `${F}[${i}].limit`);
    if (exists(dir, `${prefix}.${rsvdSuffix}`)) writeField(dir, `${prefix}.${rsvdSuffix}`, l.limit, `${F}[${i}].limit`);
  });
}

export function hugetlbStats(dir: string, out: CgroupStats, v2 = false): void {
  const stats: NonNullable<CgroupStats['hugetlb']> = {};
  for (const size of hugePageSizes()) {
    const prefix = `hugetlb.${size}`;
    if (v2) {
      // v2 has no peak: usage from .current, failures from .events' "max".
      const usage = readUintIfExists(dir, `${prefix}.current`);
      if (usage === undefined) continue;
      const events = readOptional(dir, `${prefix}.events`);
      stats[size] = { usage, failcnt: events ? flatKeyed(events).get('max') ?? 0 : 0 };
    } else {
      const usage = readUintIfExists(dir, `${prefix}.usage_in_bytes`);
      if (usage === undefined) continue;
      stats[size] = {
        usage,
        max: readUintIfExists(dir, `${prefix}.max_usage_in_bytes`) ?? 0,
        failcnt: readUintIfExists(dir, `${prefix}.failcnt`) ?? 0,
      };
    }
  }
  out.hugetlb = stats;
}
