#pragma once
#include <napi.h>

namespace tsrun {
// spawnHook: the runtime's hooks (prestart, createRuntime, poststart,
// poststop) start with fds 0-2 only, whatever this process has open.
void InitHookSpawn(Napi::Env env, Napi::Object exports);
}
