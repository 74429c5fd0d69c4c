// linux.resources.devices on cgroup v2: a BPF_PROG_TYPE_CGROUP_DEVICE program
// attached to the container's cgroup, generated the way runc's
// libcontainer/cgroups/ebpf/devicefilter does (itself from crun's ebpf.c):
//
//  1. The rules (deviceRules(): the spec's, then runc's default allow list)
//     go through an emulation of the v1 devices cgroup (runc's
//     devices.Emulator): an "a" rule resets to allow-all or deny-all, later
//     rules add or remove exceptions, and removing part of a wildcard
//     exception is refused (v1 would ignore it silently).
//  2. Each remaining exception becomes a block that returns its verdict when
//     type, access (a subset of the rule's), major and minor (unless
//     wildcards) match; otherwise the program returns the default.
//
// Here is the policy (which instructions); native/linux/ebpf.cc loads and
// attaches them (BPF_F_ALLOW_MULTI, replacing the previous program).
import type { LinuxResources } from '../../../spec/types.js';
import { SpecError } from '../../../spec/errors.js';
import { deviceRules, type DeviceRule } from '../devices.js';
import { native } from '../../native.js';
import type { ApplyContext, V2Controller } from './controller.js';

const F = 'linux.resources.devices';

// include/uapi/linux/bpf.h
const BPF_DEVCG_ACC_MKNOD = 1;
const BPF_DEVCG_ACC_READ = 2;
const BPF_DEVCG_ACC_WRITE = 4;
const BPF_DEVCG_DEV_BLOCK = 1;
const BPF_DEVCG_DEV_CHAR = 2;

type Perm = 'r' | 'w' | 'm';
const ORDER: Perm[] = ['r', 'w', 'm'];
const perms = (access: string): Set<Perm> => new Set([...access].filter((c): c is Perm => c === 'r' || c === 'w' || c === 'm'));
const permString = (p: Set<Perm>): string => ORDER.filter((c) => p.has(c)).join('');

export interface CleanRule {
  type: 'b' | 'c';
  major: number;
  minor: number;
  access: string;
  allow: boolean;
}

const key = (type: string, major: number, minor: number) => `${type} ${major} ${minor}`;
const show = (type: string, major: number, minor: number, access: string) =>
  `${type} ${major < 0 ? '*' : major}:${minor < 0 ? '*' : minor} ${access}`;

/** runc's devices.Emulator: the v1 devices cgroup's semantics. */
export class DeviceEmulator {
  defaultAllow = false; // a new emulator denies everything, as runc's
  private rules = new Map<string, { type: 'b' | 'c'; major: number; minor: number; perms: Set<Perm> }>();

  apply(rule: DeviceRule): void {
    if (rule.type === 'a') {
      // Every device, any access: the list is reset to allow-all or deny-all.
      this.defaultAllow = rule.allow;
      this.rules.clear();
      return;
    }
    // An allow rule adds an exception to deny-all and removes one from allow-all.
    if (rule.allow !== this.defaultAllow) this.add(rule);
    else this.remove(rule);
  }

  private add(rule: DeviceRule): void {
    const k = key(rule.type, rule.major, rule.minor);
    const old = this.rules.get(k);
    const p = perms(rule.access);
    if (old) for (const c of old.perms) p.add(c);
    this.rules.set(k, { type: rule.type as 'b' | 'c', major: rule.major, minor: rule.minor, perms: p });
  }

  private remove(rule: DeviceRule): void {
    const p = perms(rule.access);
    const own = key(rule.type, rule.major, rule.minor);
    for (const [major, minor] of [[-1, rule.minor], [rule.major, -1], [-1, -1]]) {
      const k = key(rule.type, major, minor);
      if (k === own) continue;
      const partial = this.rules.get(k);
      if (partial && [...p].some((c) => partial.perms.has(c))) {
        throw new Error(
          `the rule "${show(rule.type, rule.major, rule.minor, rule.access)}" would punch a hole in the wildcard ` +
            `exception "${show(rule.type, major, minor, permString(partial.perms))}", which the devices cgroup does not support`,
        );
      }
    }
    const old = this.rules.get(own);
    if (!old) return;
    for (const c of p) old.perms.delete(c);
    if (old.perms.size === 0) this.rules.delete(own);
  }

  /** The exceptions to the default, sorted by (major, minor, type) as runc. */
  exceptions(): CleanRule[] {
    return [...this.rules.values()]
      .filter((r) => r.perms.size > 0)
      .sort((a, b) => a.major - b.major || a.minor - b.minor || (a.type < b.type ? -1 : a.type > b.type ? 1 : 0))
      .map((r) => ({ type: r.type, major: r.major, minor: r.minor, access: permString(r.perms), allow: !this.defaultAllow }));
  }
}

// ---------------------------------------------------------------- eBPF

// Opcodes (include/uapi/linux/bpf_common.h, bpf.h).
const LDX_MEM_W = 0x61; // BPF_LDX | BPF_MEM | BPF_W
const ALU32_AND_K = 0x54; // BPF_ALU | BPF_AND | BPF_K
const ALU32_RSH_K = 0x74; // BPF_ALU | BPF_RSH | BPF_K
const ALU32_MOV_K = 0xb4; // BPF_ALU | BPF_MOV | BPF_K
const ALU32_MOV_X = 0xbc; // BPF_ALU | BPF_MOV | BPF_X
const JMP_JNE_K = 0x55; // BPF_JMP | BPF_JNE | BPF_K
const JMP_JNE_X = 0x5d; // BPF_JMP | BPF_JNE | BPF_X
const JMP_EXIT = 0x95; // BPF_JMP | BPF_EXIT

export interface Insn {
  code: number;
  dst: number;
  src: number;
  off: number;
  imm: number;
}

const insn = (code: number, dst: number, src: number, off: number, imm: number): Insn => ({ code, dst, src, off, imm });

/** struct bpf_insn[] bytes (little-endian layout of the host). */
export function encode(insns: Insn[]): Buffer {
  const b = Buffer.alloc(insns.length * 8);
  insns.forEach((i, n) => {
    b[n * 8] = i.code;
    b[n * 8 + 1] = (i.dst & 0xf) | ((i.src & 0xf) << 4);
    b.writeInt16LE(i.off, n * 8 + 2);
    b.writeInt32LE(i.imm | 0, n * 8 + 4);
  });
  return b;
}

/** One block: jumps with off = -1 mean "to the next block", fixed up once its length is known. */
function block(rule: CleanRule): Insn[] {
  const NEXT = -1;
  const out: Insn[] = [insn(JMP_JNE_K, 2, 0, NEXT, rule.type === 'c' ? BPF_DEVCG_DEV_CHAR : BPF_DEVCG_DEV_BLOCK)];
  let access = 0;
  for (const c of rule.access) {
    access |= c === 'r' ? BPF_DEVCG_ACC_READ : c === 'w' ? BPF_DEVCG_ACC_WRITE : BPF_DEVCG_ACC_MKNOD;
  }
  if (access !== (BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD)) {
    // if ((access_type >> 16) & rule != access_type >> 16) goto next: every
    // access asked for must be one the rule covers.
    out.push(insn(ALU32_MOV_X, 1, 3, 0, 0), insn(ALU32_AND_K, 1, 0, 0, access), insn(JMP_JNE_X, 1, 3, NEXT, 0));
  }
  if (rule.major >= 0) out.push(insn(JMP_JNE_K, 4, 0, NEXT, rule.major));
  if (rule.minor >= 0) out.push(insn(JMP_JNE_K, 5, 0, NEXT, rule.minor));
  out.push(insn(ALU32_MOV_K, 0, 0, 0, rule.allow ? 1 : 0), insn(JMP_EXIT, 0, 0, 0, 0));
  out.forEach((i, pc) => {
    if (i.off === NEXT) i.off = out.length - (pc + 1);
  });
  return out;
}

export interface DeviceProgram {
  insns: Insn[];
  /** What the program answers for devices no exception matches. */
  defaultAllow: boolean;
  exceptions: CleanRule[];
}

/** The device filter for rules in order (deviceRules()); throws on rules v1 could not honour. */
export function deviceFilter(rules: DeviceRule[]): DeviceProgram {
  const emu = new DeviceEmulator();
  for (const r of rules) {
    if (r.major > 0xffffffff || r.minor > 0xffffffff) throw new Error(`invalid device number ${r.major}:${r.minor}`);
    emu.apply(r);
  }
  const exceptions = emu.exceptions();
  // struct bpf_cgroup_dev_ctx { u32 access_type; u32 major; u32 minor; }
  const insns: Insn[] = [
    insn(LDX_MEM_W, 2, 1, 0, 0), // r2 = type: access_type & 0xffff
    insn(ALU32_AND_K, 2, 0, 0, 0xffff),
    insn(LDX_MEM_W, 3, 1, 0, 0), // r3 = access: access_type >> 16
    insn(ALU32_RSH_K, 3, 0, 0, 16),
    insn(LDX_MEM_W, 4, 1, 4, 0), // r4 = major
    insn(LDX_MEM_W, 5, 1, 8, 0), // r5 = minor
  ];
  for (const r of exceptions) insns.push(...block(r));
  insns.push(insn(ALU32_MOV_K, 0, 0, 0, emu.defaultAllow ? 1 : 0), insn(JMP_EXIT, 0, 0, 0, 0));
  return { insns, defaultAllow: emu.defaultAllow, exceptions };
}

/** The program for linux.resources (spec rules + runc's defaults); SpecError on bad rules. */
export function programFor(r: LinuxResources | undefined): DeviceProgram {
  const rules = deviceRules(r);
  try {
    return deviceFilter(rules);
  } catch (e) {
    throw new SpecError(F, (e as Error).message);
  }
}

/** Loads the program and attaches it to the cgroup dir (replacing the previous one). */
export function attachDeviceFilter(dir: string, program: DeviceProgram): { replaced: number; detached: number } {
  let fd: number;
  try {
    fd = native.bpfLoadCgroupDevice(encode(program.insns), 'Apache');
  } catch (e) {
    throw new SpecError(F, `loading the eBPF device filter: ${(e as Error).message}`);
  }
  try {
    return native.bpfAttachCgroup(dir, fd);
  } catch (e) {
    throw new SpecError(F, `attaching the eBPF device filter to ${dir}: ${(e as Error).message}`);
  } finally {
    native.close(fd);
  }
}

export const devices: V2Controller = {
  name: '',

  requested(r: LinuxResources) {
    return r.devices !== undefined ? F : undefined;
  },

  validate(r: LinuxResources) {
    programFor(r);
  },

  /** On create always (the default list at least); on update only when devices are given. */
  apply(ctx: ApplyContext, r: LinuxResources) {
    if (ctx.update && r.devices === undefined) return;
    attachDeviceFilter(ctx.dir, programFor(r));
  },
};
