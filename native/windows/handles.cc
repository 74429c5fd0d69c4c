// Systems and processes are closed explicitly, never on GC: closing the last
// handle of a system created with ShouldTerminateOnLastHandleClosed ends it.
#include "handles.h"
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

// start, shutdown, terminate, pause, resume, modify, properties: (system, kind, document?) → result document.
Napi::Value SystemOperation(const Napi::CallbackInfo &info) {
  HCS_SYSTEM system = static_cast<HCS_SYSTEM>(Get(info[0], false)->h);
  std::string kind = info[1].As<Napi::String>().Utf8Value();
  std::wstring doc = Arg(info, 2);
  const HcsApi &api = hcs();
  using Call = std::function<HRESULT(HCS_OPERATION)>;
  const char *name;
  Call call;
  if (kind == "start") name = "HcsStartComputeSystem", call = [=, &api](HCS_OPERATION op) { return api.HcsStartComputeSystem(system, op, OrNull(doc)); };
  else if (kind == "shutdown") name = "HcsShutDownComputeSystem", call = [=, &api](HCS_OPERATION op) { return api.HcsShutDownComputeSystem(system, op, OrNull(doc)); };
  else if (kind == "terminate") name = "HcsTerminateComputeSystem", call = [=, &api](HCS_OPERATION op) { return api.HcsTerminateComputeSystem(system, op, OrNull(doc)); };
  else if (kind == "pause") name = "HcsPauseComputeSystem", call = [=, &api](HCS_OPERATION op) { return api.HcsPauseComputeSystem(system, op, OrNull(doc)); };
  else if (kind == "resume") name = "HcsResumeComputeSystem", call = [=, &api](HCS_OPERATION op) { return api.HcsResumeComputeSystem(system, op, OrNull(doc)); };
  else if (kind == "modify") name = "HcsModifyComputeSystem", call = [=, &api](HCS_OPERATION op) { return api.HcsModifyComputeSystem(system, op, doc.c_str(), nullptr); };
  else if (kind == "properties") name = "HcsGetComputeSystemProperties", call = [=, &api](HCS_OPERATION op) { return api.HcsGetComputeSystemProperties(system, op, OrNull(doc)); };
  else throw Napi::TypeError::New(info.Env(), "unknown compute system operation: " + kind);
  return StartOperation(info.Env(), {name, call, Document, nullptr});
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

// signal, terminate, modify, properties: (process, kind, document?) → result document.
Napi::Value ProcessOperation(const Napi::CallbackInfo &info) {
  HCS_PROCESS process = static_cast<HCS_PROCESS>(Get(info[0], true)->h);
  std::string kind = info[1].As<Napi::String>().Utf8Value();
  std::wstring doc = Arg(info, 2);
  const HcsApi &api = hcs();
  const char *name;
  std::function<HRESULT(HCS_OPERATION)> call;
  if (kind == "signal") name = "HcsSignalProcess", call = [=, &api](HCS_OPERATION op) { return api.HcsSignalProcess(process, op, OrNull(doc)); };
  else if (kind == "terminate") name = "HcsTerminateProcess", call = [=, &api](HCS_OPERATION op) { return api.HcsTerminateProcess(process, op, OrNull(doc)); };
  else if (kind == "modify") name = "HcsModifyProcess", call = [=, &api](HCS_OPERATION op) { return api.HcsModifyProcess(process, op, doc.c_str()); };
  else if (kind == "properties") name = "HcsGetProcessProperties", call = [=, &api](HCS_OPERATION op) { return api.HcsGetProcessProperties(process, op, OrNull(doc)); };
  else throw Napi::TypeError::New(info.Env(), "unknown process operation: " + kind);
  return StartOperation(info.Env(), {name, call, Document, nullptr});
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

// (handle, query?) → properties document, waiting on this thread: for the
// synchronous status a state read needs (HCS answers it without delay).
Napi::Value PropertiesNow(const Napi::CallbackInfo &info) {
  Handle *handle = Get(info[0], info[0].As<Napi::External<Handle>>().Data()->process);
  std::wstring query = Arg(info, 1);
  const HcsApi &api = hcs();
  HCS_OPERATION op = api.HcsCreateOperation(nullptr, nullptr);
  const char *name = handle->process ? "HcsGetProcessProperties" : "HcsGetComputeSystemProperties";
  HRESULT hr = handle->process ? api.HcsGetProcessProperties(static_cast<HCS_PROCESS>(handle->h), op, OrNull(query))
                               : api.HcsGetComputeSystemProperties(static_cast<HCS_SYSTEM>(handle->h), op, OrNull(query));
  PWSTR document = nullptr;
  if (SUCCEEDED(hr)) hr = api.HcsWaitForOperationResult(op, 30000, &document);
  std::string result = Utf8(document);
  if (document) LocalFree(document);
  api.HcsCloseOperation(op);
  if (FAILED(hr)) throw HcsError(info.Env(), name, hr, result);
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
  exports.Set("systemOperation", Napi::Function::New(env, SystemOperation));
  exports.Set("createProcess", Napi::Function::New(env, NewProcess));
  exports.Set("openProcess", Napi::Function::New(env, AttachProcess));
  exports.Set("processOperation", Napi::Function::New(env, ProcessOperation));
  exports.Set("watch", Napi::Function::New(env, Watch));
  exports.Set("ref", Napi::Function::New(env, Ref));
  exports.Set("close", Napi::Function::New(env, Close));
  exports.Set("propertiesNow", Napi::Function::New(env, PropertiesNow));
  exports.Set("nameToGuid", Napi::Function::New(env, LayerId));
}
