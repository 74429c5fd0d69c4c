#pragma once
#include <napi.h>

namespace tsrun {
// The bpf(2) calls behind the cgroup v2 device controller. Mechanism only:
// which program to load (the instructions, generated from the device rules)
// is decided in lib/linux/cgroups/v2/devices.ts.
//   bpfLoadCgroupDevice(insns: Buffer, license: string) -> fd
//       BPF_PROG_LOAD of a BPF_PROG_TYPE_CGROUP_DEVICE program (struct
//       bpf_insn[] bytes). On failure the error carries errno and, when the
//       verifier said something, its log (`e.log`, also in the message).
//   bpfAttachCgroup(cgroup: fd | path, progFd) -> { replaced, detached }
//       BPF_PROG_ATTACH (BPF_CGROUP_DEVICE, BPF_F_ALLOW_MULTI), as runc does:
//       when exactly one device program is attached already it is swapped
//       atomically (BPF_F_REPLACE); otherwise the new one is attached and
//       every older one detached afterwards, so the cgroup ends with one.
//   bpfQueryCgroup(cgroup: fd | path) -> { id, tag }[]
//       the device programs attached to the cgroup (BPF_PROG_QUERY), with
//       their tags (the hash of the instructions bpftool shows).
void InitEbpf(Napi::Env env, Napi::Object exports);
}
