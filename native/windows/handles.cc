// Systems and processes are closed explicitly, never on GC: closing the last
// handle of a system created with ShouldTerminateOnLastHandleClosed ends it.
#include "handles.h"
#include <cstdio>
#include <cstring>
#include "operation.h"

namespace {

struct Handle {
  bool process;
  void *h;
  bool watching = false;
  Napi::ThreadSafeFunction events;
};

struct Event {
  uint32_t type;
  std::string data;
};

Handle *Get(const Napi::Value &value, bool process) {
  if (!value.IsExternal()) throw Napi::TypeError::New(value.Env(), "expected an HCS handle");
  auto *handle = value.As<Napi::External<Handle>>().Data();
  if (handle->process != process) throw Napi::TypeError::New(value.Env(), process ? "expected an HCS process" : "expected an HCS compute system");
  if (!handle->h) throw Napi::Error::New(value.Env(), "the HCS handle is closed");
  return handle;
}

Napi::Value Wrap(Napi::Env env, bool process, void *h) {
  return Napi::External<Handle>::New(env, new Handle{process, h, false, {}});
}

std::wstring Arg(const Napi::CallbackInfo &info, size_t i) {
  return info.Length() > i && info[i].IsString() ? Wide(info[i].As<Napi::String>().Utf8Value()) : std::wstring();
}

const wchar_t *OrNull(const std::wstring &s) { return s.empty() ? nullptr : s.c_str(); }

Napi::Value Document(Napi::Env env, Completion &c) { return Napi::String::New(env, c.document); }

// On an HCS thread: system and process events (exited, crash, service disconnect).
void CALLBACK OnEvent(HCS_EVENT *event, void *context) {
  auto *handle = static_cast<Handle *>(context);
  auto *e = new Event{static_cast<uint32_t>(event->Type), Utf8(event->EventData)};
  napi_status status = handle->events.NonBlockingCall(e, [](Napi::Env env, Napi::Function cb, Event *e) {
    cb.Call({Napi::Number::New(env, e->type), Napi::String::New(env, e->data)});
    delete e;
  });
  if (status != napi_ok) delete e;
}

Napi::Value CreateSystem(const Napi::CallbackInfo &info) {
  std::wstring id = Arg(info, 0), config = Arg(info, 1);
  auto *system = new HCS_SYSTEM(nullptr);
  return StartOperation(info.Env(), {
    "HcsCreateComputeSystem",
    [=](HCS_OPERATION op) { return hcs().HcsCreateComputeSystem(id.c_str(), config.c_str(), op, nullptr, system); },
    [=](Napi::Env env, Completion &) { Napi::Value v = Wrap(env, false, *system); delete system; return v; },
    [=](Completion &) { if (*system) hcs().HcsCloseComputeSystem(*system); delete system; },
  });
}

Napi::Value OpenSystem(const Napi::CallbackInfo &info) {
  HCS_SYSTEM system = nullptr;
  HRESULT hr = hcs().HcsOpenComputeSystem(Arg(info, 0).c_str(), GENERIC_ALL, &system);
  if (FAILED(hr)) throw HcsError(info.Env(), "HcsOpenComputeSystem", hr, "");
  return Wrap(info.Env(), false, system);
}

Napi::Value NewProcess(const Napi::CallbackInfo &info) {
  HCS_SYSTEM system = static_cast<HCS_SYSTEM>(Get(info[0], false)->h);
  std::wstring params = Arg(info, 1);
  auto *process = new HCS_PROCESS(nullptr);
  OperationSpec spec{
    "HcsCreateProcess",
    [=](HCS_OPERATION op) { return hcs().HcsCreateProcess(system, params.c_str(), op, nullptr, process); },
    [=](Napi::Env env, Completion &c) {
      Napi::Object result = Napi::Object::New(env);
      result.Set("process", Wrap(env, true, *process));
      result.Set("pid", Napi::Number::New(env, c.info.ProcessId));
      auto handle = [&](HANDLE h) { return h ? Napi::Value(Napi::Number::New(env, static_cast<double>(reinterpret_cast<uintptr_t>(h)))) : env.Null(); };
      result.Set("stdin", handle(c.info.StdInput));
      result.Set("stdout", handle(c.info.StdOutput));
      result.Set("stderr", handle(c.info.StdError));
      delete process;
      return Napi::Value(result);
    },
    [=](Completion &) { if (*process) hcs().HcsCloseProcess(*process); delete process; },
  };
  spec.processInfo = true;
  return StartOperation(info.Env(), spec);
}

Napi::Value AttachProcess(const Napi::CallbackInfo &info) {
  HCS_PROCESS process = nullptr;
  HRESULT hr = hcs().HcsOpenProcess(static_cast<HCS_SYSTEM>(Get(info[0], false)->h), info[1].As<Napi::Number>().Uint32Value(), GENERIC_ALL, &process);
  if (FAILED(hr)) throw HcsError(info.Env(), "HcsOpenProcess", hr, "");
  return Wrap(info.Env(), true, process);
}

// (handle, callback(type, data)): events until the handle is closed; they keep Node alive unless unref'd.
Napi::Value Watch(const Napi::CallbackInfo &info) {
  Handle *handle = Get(info[0], info[0].As<Napi::External<Handle>>().Data()->process);
  if (handle->watching) throw Napi::Error::New(info.Env(), "the HCS handle is already watched");
  handle->events = Napi::ThreadSafeFunction::New(info.Env(), info[1].As<Napi::Function>(), "hcs-events", 0, 1);
  HRESULT hr = handle->process
    ? hcs().HcsSetProcessCallback(static_cast<HCS_PROCESS>(handle->h), HcsEventOptionNone, handle, OnEvent)
    : hcs().HcsSetComputeSystemCallback(static_cast<HCS_SYSTEM>(handle->h), HcsEventOptionNone, handle, OnEvent);
  if (FAILED(hr)) {
    handle->events.Release();
    throw HcsError(info.Env(), handle->process ? "HcsSetProcessCallback" : "HcsSetComputeSystemCallback", hr, "");
  }
  handle->watching = true;
  return info.Env().Undefined();
}

Napi::Value Ref(const Napi::CallbackInfo &info) {
  Handle *handle = info[0].As<Napi::External<Handle>>().Data();
  if (handle->watching) {
    if (info[1].ToBoolean()) handle->events.Ref(info.Env());
    else handle->events.Unref(info.Env());
  }
  return info.Env().Undefined();
}

Napi::Value Close(const Napi::CallbackInfo &info) {
  Handle *handle = info[0].As<Napi::External<Handle>>().Data();
  if (!handle->h) return info.Env().Undefined();
  // Close waits for running callbacks, so none arrives after the release.
  if (handle->process) hcs().HcsCloseProcess(static_cast<HCS_PROCESS>(handle->h));
  else hcs().HcsCloseComputeSystem(static_cast<HCS_SYSTEM>(handle->h));
  handle->h = nullptr;
  if (handle->watching) handle->events.Release();
  handle->watching = false;
  return info.Env().Undefined();
}

struct Call {
  const char *name;
  std::function<HRESULT(HCS_OPERATION)> call;
};

// (handle, kind, document?): the HCS call of that kind on a system (start,
// shutdown, terminate, pause, resume, modify, properties) or a process
// (signal, terminate, modify, properties).
Call Lookup(const Napi::CallbackInfo &info) {
  Handle *handle = Get(info[0], info[0].IsExternal() && info[0].As<Napi::External<Handle>>().Data()->process);
  std::string kind = info[1].As<Napi::String>().Utf8Value();
  std::wstring doc = Arg(info, 2);
  const HcsApi &api = hcs();
  if (handle->process) {
    auto process = static_cast<HCS_PROCESS>(handle->h);
    if (kind == "signal") return {"HcsSignalProcess", [=, &api](HCS_OPERATION op) { return api.HcsSignalProcess(process, op, OrNull(doc)); }};
    if (kind == "terminate") return {"HcsTerminateProcess", [=, &api](HCS_OPERATION op) { return api.HcsTerminateProcess(process, op, OrNull(doc)); }};
    if (kind == "modify") return {"HcsModifyProcess", [=, &api](HCS_OPERATION op) { return api.HcsModifyProcess(process, op, doc.c_str()); }};
    if (kind == "properties") return {"HcsGetProcessProperties", [=, &api](HCS_OPERATION op) { return api.HcsGetProcessProperties(process, op, OrNull(doc)); }};
    throw Napi::TypeError::New(info.Env(), "unknown process operation: " + kind);
  }
  auto system = static_cast<HCS_SYSTEM>(handle->h);
  if (kind == "start") return {"HcsStartComputeSystem", [=, &api](HCS_OPERATION op) { return api.HcsStartComputeSystem(system, op, OrNull(doc)); }};
  if (kind == "shutdown") return {"HcsShutDownComputeSystem", [=, &api](HCS_OPERATION op) { return api.HcsShutDownComputeSystem(system, op, OrNull(doc)); }};
  if (kind == "terminate") return {"HcsTerminateComputeSystem", [=, &api](HCS_OPERATION op) { return api.HcsTerminateComputeSystem(system, op, OrNull(doc)); }};
  if (kind == "pause") return {"HcsPauseComputeSystem", [=, &api](HCS_OPERATION op) { return api.HcsPauseComputeSystem(system, op, OrNull(doc)); }};
  if (kind == "resume") return {"HcsResumeComputeSystem", [=, &api](HCS_OPERATION op) { return api.HcsResumeComputeSystem(system, op, OrNull(doc)); }};
  if (kind == "modify") return {"HcsModifyComputeSystem", [=, &api](HCS_OPERATION op) { return api.HcsModifyComputeSystem(system, op, doc.c_str(), nullptr); }};
  if (kind == "properties") return {"HcsGetComputeSystemProperties", [=, &api](HCS_OPERATION op) { return api.HcsGetComputeSystemProperties(system, op, OrNull(doc)); }};
  throw Napi::TypeError::New(info.Env(), "unknown compute system operation: " + kind);
}

// → Promise of the result document.
Napi::Value Operation(const Napi::CallbackInfo &info) {
  Call c = Lookup(info);
  return StartOperation(info.Env(), {c.name, c.call, Document, nullptr});
}

// → the result document, waiting on this thread: for the synchronous parts
// of the Backend contract (status, stats, signal), which HCS answers promptly.
Napi::Value OperationNow(const Napi::CallbackInfo &info) {
  Call c = Lookup(info);
  const HcsApi &api = hcs();
  HCS_OPERATION op = api.HcsCreateOperation(nullptr, nullptr);
  HRESULT hr = c.call(op);
  PWSTR document = nullptr;
  if (SUCCEEDED(hr)) hr = api.HcsWaitForOperationResult(op, 60000, &document);
  std::string result = Utf8(document);
  if (document) LocalFree(document);
  api.HcsCloseOperation(op);
  if (FAILED(hr)) throw HcsError(info.Env(), c.name, hr, result);
  return Napi::String::New(info.Env(), result);
}

Napi::Value LayerId(const Napi::CallbackInfo &info) {
  GUID g;
  HRESULT hr = NameToGuid(Arg(info, 0).c_str(), &g);
  if (FAILED(hr)) throw HcsError(info.Env(), "NameToGuid", hr, "");
  char text[40];
  snprintf(text, sizeof text, "%08lx-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x", static_cast<unsigned long>(g.Data1), g.Data2, g.Data3,
           g.Data4[0], g.Data4[1], g.Data4[2], g.Data4[3], g.Data4[4], g.Data4[5], g.Data4[6], g.Data4[7]);
  return Napi::String::New(info.Env(), text);
}

Napi::Value Available(const Napi::CallbackInfo &info) {
  hcs();
  return info.Env().Undefined();
}

}  // namespace

void InitHandles(Napi::Env env, Napi::Object exports) {
  exports.Set("available", Napi::Function::New(env, Available));
  exports.Set("createSystem", Napi::Function::New(env, CreateSystem));
  exports.Set("openSystem", Napi::Function::New(env, OpenSystem));
  exports.Set("operation", Napi::Function::New(env, Operation));
  exports.Set("operationNow", Napi::Function::New(env, OperationNow));
  exports.Set("createProcess", Napi::Function::New(env, NewProcess));
  exports.Set("openProcess", Napi::Function::New(env, AttachProcess));
  exports.Set("watch", Napi::Function::New(env, Watch));
  exports.Set("ref", Napi::Function::New(env, Ref));
  exports.Set("close", Napi::Function::New(env, Close));
  exports.Set("nameToGuid", Napi::Function::New(env, LayerId));
}
