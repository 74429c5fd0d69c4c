// The Windows addon: thin N-API bindings over HCS (computecore.dll, loaded
// on first use) and process stdio pipes. TypeScript (lib/windows) decides
// what to do; this only makes the calls.
#include "addon-napi.h"
#include "handles.h"
#include "pipes.h"

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  InitHandles(env, exports);
  InitPipes(env, exports);
  return exports;
}

NODE_API_MODULE(tsrun, Init)
