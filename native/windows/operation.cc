#include "operation.h"
#include <cstdio>

namespace {

struct Pending {
  OperationSpec spec;
  Napi::Promise::Deferred deferred;
  Napi::ThreadSafeFunction tsfn;
  HCS_OPERATION operation = nullptr;
  Completion completion;
};

void Settle(Napi::Env env, Pending *p) {
  hcs().HcsCloseOperation(p->operation);
  Completion &c = p->completion;
  if (FAILED(c.hr)) {
    if (p->spec.cleanup) p->spec.cleanup(c);
    p->deferred.Reject(HcsError(env, p->spec.name, c.hr, c.document).Value());
  } else {
    try {
      p->deferred.Resolve(p->spec.resolve ? p->spec.resolve(env, c) : env.Undefined());
    } catch (const Napi::Error &e) {
      p->deferred.Reject(e.Value());
    }
  }
  delete p;
}

// On an HCS thread.
void CALLBACK Completed(HCS_OPERATION operation, void *context) {
  auto *p = static_cast<Pending *>(context);
  PWSTR document = nullptr;
  Completion &c = p->completion;
  c.hr = p->spec.processInfo ? hcs().HcsGetOperationResultAndProcessInfo(operation, &c.info, &document)
                             : hcs().HcsGetOperationResult(operation, &document);
  if (document) {
    c.document = Utf8(document);
    LocalFree(document);  // HCS documents its result documents as LocalAlloc'd.
  }
  // Settle may free p before BlockingCall returns: keep the function apart.
  Napi::ThreadSafeFunction tsfn = p->tsfn;
  tsfn.BlockingCall(p, [](Napi::Env env, Napi::Function, Pending *p) { Settle(env, p); });
  tsfn.Release();
}

}  // namespace

Napi::Error HcsError(Napi::Env env, const char *name, HRESULT hr, const std::string &record) {
  char text[96];
  snprintf(text, sizeof text, "%s: HRESULT 0x%08lX", name, static_cast<unsigned long>(hr));
  Napi::Error error = Napi::Error::New(env, text);
  error.Set("operation", name);
  error.Set("hresult", Napi::Number::New(env, static_cast<uint32_t>(hr)));
  if (!record.empty()) error.Set("record", record);
  return error;
}

Napi::Promise StartOperation(Napi::Env env, OperationSpec spec) {
  const HcsApi &api = hcs();
  auto *p = new Pending{std::move(spec), Napi::Promise::Deferred::New(env), {}, nullptr, {}};
  Napi::Promise promise = p->deferred.Promise();
  p->tsfn = Napi::ThreadSafeFunction::New(env, Napi::Function::New(env, [](const Napi::CallbackInfo &) {}), p->spec.name, 0, 1);
  p->operation = api.HcsCreateOperation(p, Completed);
  HRESULT hr = p->operation ? p->spec.call(p->operation) : E_OUTOFMEMORY;
  if (FAILED(hr)) {
    // A call that fails at once never starts its operation: no completion will come.
    if (p->operation) api.HcsCloseOperation(p->operation);
    p->tsfn.Release();
    p->completion.hr = hr;
    if (p->spec.cleanup) p->spec.cleanup(p->completion);
    p->deferred.Reject(HcsError(env, p->spec.name, hr, "").Value());
    delete p;
  }
  return promise;
}
