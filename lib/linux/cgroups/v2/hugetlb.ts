// linux.resources.hugepageLimits on cgroup v2 (runc fs2/hugetlb.go):
// hugetlb.<size>.max, and hugetlb.<size>.rsvd.max where the kernel has it
// (5.7+; else a reservation escapes the limit), sizes as the kernel names
// them ("2MB", "1GB"). Stats: hugetlb.<size>.current and the "max" count of
// hugetlb.<size>.events as failcnt.
import { readdirSync } from 'node:fs';
import type { LinuxResources } from '../../../spec/types.js';
import { SpecError } from '../../../spec/errors.js';
import type { CgroupStats } from '../manager.js';
import type { ApplyContext, V2Controller } from './controller.js';
import { exists, flatKeyed, readOptional, readUintIfExists, writeField } from '../files.js';

const F = 'linux.resources.hugepageLimits';

let sizes: string[] | undefined;

/** The host's huge page sizes as cgroup file names use them ("2MB"), as runc's HugePageSizes. */
export function hugePageSizes(): string[] {
  if (sizes) return sizes;
  let names: string[] = [];
  try {
    names = readdirSync('/sys/kernel/mm/hugepages');
  } catch {
    // No huge pages on this kernel.
  }
  sizes = [];
  for (const name of names) {
    const m = /^hugepages-(\d+)kB$/.exec(name);
    if (!m) continue;
    const kb = Number(m[1]);
    sizes.push(kb >= 1 << 20 ? `${kb >> 20}GB` : kb >= 1 << 10 ? `${kb >> 10}MB` : `${kb}KB`);
  }
  return sizes;
}

export const hugetlb: V2Controller = {
  name: 'hugetlb',

  requested(r: LinuxResources) {
    return r.hugepageLimits?.length ? F : undefined;
  },

  validate(r: LinuxResources) {
    const known = hugePageSizes();
    (r.hugepageLimits ?? []).forEach((h, i) => {
      if (!/^\d+[KMG]B$/.test(h.pageSize)) {
        throw new SpecError(`${F}[${i}].pageSize`, `"${h.pageSize}" is not a page size like "2MB"`);
      }
      if (known.length && !known.includes(h.pageSize)) {
        throw new SpecError(`${F}[${i}].pageSize`, `this host has no ${h.pageSize} huge pages (it has ${known.join(', ')})`);
      }
    });
  },

  apply(ctx: ApplyContext, r: LinuxResources) {
    (r.hugepageLimits ?? []).forEach((h, i) => {
      const value = String(h.limit);
      writeField(ctx.dir, `hugetlb.${h.pageSize}.max`, value, `${F}[${i}].limit`);
      const rsvd = `hugetlb.${h.pageSize}.rsvd.max`;
      if (exists(ctx.dir, rsvd)) writeField(ctx.dir, rsvd, value, `${F}[${i}].limit`);
    });
  },

  stats(dir: string, out: CgroupStats) {
    for (const size of hugePageSizes()) {
      const usage = readUintIfExists(dir, `hugetlb.${size}.current`);
      if (usage === undefined) continue;
      const failcnt = flatKeyed(readOptional(dir, `hugetlb.${size}.events`)).get('max') ?? 0;
      (out.hugetlb ??= {})[size] = { usage, failcnt };
    }
  },
};
