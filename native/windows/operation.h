// One asynchronous HCS call: HCS completes it on one of its threads, the
// completion reaches JavaScript through a thread-safe function, and the
// promise settles there. A failure rejects with an error carrying the
// operation's name, the HRESULT and HCS's error record.
#pragma once
#include "addon-napi.h"
#include <functional>
#include "hcs.h"

struct Completion {
  HRESULT hr = S_OK;
  std::string document;
  HCS_PROCESS_INFORMATION info{};
};

struct OperationSpec {
  const char *name;
  /** Makes the call with the operation HCS completes. */
  std::function<HRESULT(HCS_OPERATION)> call;
  /** The value a success resolves with (on the JS thread). */
  std::function<Napi::Value(Napi::Env, Completion &)> resolve;
  /** Undoes what the call created when it fails (on the JS thread). */
  std::function<void(Completion &)> cleanup;
  /** The operation created a process: read its pid and stdio handles. */
  bool processInfo = false;
};

Napi::Promise StartOperation(Napi::Env env, OperationSpec spec);

/** The error an HCS failure becomes: message "<name>: HRESULT 0x........", with .operation, .hresult, .record. */
Napi::Error HcsError(Napi::Env env, const char *name, HRESULT hr, const std::string &record);
