#pragma once
#include <napi.h>

namespace tsrun {
// seccompCompile(filter) -> { program, unknownSyscalls, warnings }: builds the
// container's seccomp filter with libseccomp in this (the runtime's) process
// and exports it as raw struct sock_filter[] bytes. The container's init only
// hands those bytes to seccomp(2): it never calls libseccomp, which is not
// safe in a child forked from a multi-threaded process.
// Also exports `seccompConstants` (SCMP_ACT_*, SCMP_CMP_*) and merges them
// into `constants` when Init has already set it.
void InitSeccomp(Napi::Env env, Napi::Object exports);
}
