// Compute systems: containers, utility VMs and containers hosted in them.
#include "emulator.h"
#include "schema.h"

std::recursive_mutex &Lock() {
  static std::recursive_mutex lock;
  return lock;
}

std::vector<System *> &Systems() {
  static std::vector<System *> systems;
  return systems;
}

System *FindSystem(const std::string &id) {
  for (System *s : Systems())
    if (s->id == id) return s;
  return nullptr;
}

namespace {

System *Of(HCS_SYSTEM handle) {
  auto *h = reinterpret_cast<SystemHandle *>(handle);
  return h ? h->system : nullptr;
}

HRESULT Fail(Operation &op, HRESULT hr, const std::string &message) {
  op.result = ErrorRecord(hr, message);
  return hr;
}

/** Runs a state change of an existing system asynchronously. */
HRESULT Change(HCS_SYSTEM handle, HCS_OPERATION op, const char *name, std::function<HRESULT(Operation &, System &)> change) {
  System *s = Of(handle);
  if (!s) return E_HANDLE;
  return Start(op, [=](Operation &o) {
    std::lock_guard<std::recursive_mutex> hold(Lock());
    Record(std::string(name) + " " + s->id);
    return change(o, *s);
  });
}

}  // namespace

// Called on emulator threads (or, for a system ended by its last close, the
// closing one), never after the handle's close returns: as HCS promises.
void Notify(HCS_EVENT_CALLBACK callback, void *context, HCS_EVENT_TYPE type, const std::string &data) {
  if (!callback) return;
  std::wstring text = Widen(data);
  HCS_EVENT event{type, text.c_str(), nullptr};
  callback(&event, context);
}

void StopSystem(System *s, const char *exitType) {
  if (s->state == "Stopped") return;
  for (System *hosted : Systems())
    if (hosted->hostingId == s->id) StopSystem(hosted, exitType);
  for (Process *p : s->processes) {
    if (!p->exited) {
      TerminateProcess(p->handle, 1);
      WaitForSingleObject(p->handle, 5000);
    }
  }
  s->state = "Stopped";
  Record("stopped " + s->id + " " + exitType);
  Notify(s->callback, s->context, HcsEventSystemExited, std::string("{\"ExitType\":\"") + exitType + "\"}");
}

extern "C" {

HRESULT WINAPI HcsCreateComputeSystem(PCWSTR idw, PCWSTR configuration, HCS_OPERATION op, const SECURITY_DESCRIPTOR *, HCS_SYSTEM *out) {
  auto *handle = new SystemHandle;
  *out = reinterpret_cast<HCS_SYSTEM>(handle);
  std::string id = Narrow(idw), text = Narrow(configuration);
  return Start(op, [=](Operation &o) {
    std::lock_guard<std::recursive_mutex> hold(Lock());
    Json doc;
    std::string error;
    if (!ParseJson(text, &doc, &error)) return Fail(o, kInvalidJson, "The JSON document is invalid: " + error);
    error = CheckComputeSystem(doc);
    if (!error.empty()) {
      Record("create-refused " + id + " " + error);
      return Fail(o, kInvalidJson, "The JSON document is invalid: " + error);
    }
    if (FindSystem(id)) return Fail(o, kSystemAlreadyExists, "A compute system with id " + id + " already exists");
    auto *s = new System;
    s->id = id;
    s->owner = doc.str("Owner");
    s->kind = doc.get("VirtualMachine") ? "VirtualMachine" : "Container";
    s->hostingId = doc.str("HostingSystemId");
    const Json *t = doc.get("ShouldTerminateOnLastHandleClosed");
    s->terminateOnLastClose = t && t->boolean;
    if (!s->hostingId.empty()) {
      System *host = FindSystem(s->hostingId);
      if (!host || host->state != "Running") {
        delete s;
        return Fail(o, kInvalidState, "The hosting system " + doc.str("HostingSystemId") + " is not running");
      }
    }
    s->handles = 1;
    Systems().push_back(s);
    handle->system = s;
    Record("create " + id + " " + s->kind + (s->hostingId.empty() ? "" : " hosted-by " + s->hostingId));
    return S_OK;
  });
}

HRESULT WINAPI HcsOpenComputeSystem(PCWSTR idw, DWORD, HCS_SYSTEM *out) {
  std::lock_guard<std::recursive_mutex> hold(Lock());
  System *s = FindSystem(Narrow(idw));
  if (!s) return kSystemNotFound;
  s->handles++;
  *out = reinterpret_cast<HCS_SYSTEM>(new SystemHandle{s});
  return S_OK;
}

void WINAPI HcsCloseComputeSystem(HCS_SYSTEM handle) {
  std::lock_guard<std::recursive_mutex> hold(Lock());
  auto *h = reinterpret_cast<SystemHandle *>(handle);
  System *s = h ? h->system : nullptr;
  delete h;
  if (!s || --s->handles > 0) return;
  // HCS ends a system whose last handle closes when its document asks for it.
  if (s->terminateOnLastClose) StopSystem(s, "LastHandleClosed");
  if (s->state == "Stopped" || s->terminateOnLastClose) {
    Record("closed " + s->id);
    auto &all = Systems();
    for (size_t i = 0; i < all.size(); i++)
      if (all[i] == s) all.erase(all.begin() + i);
    s->callback = nullptr;
  }
}

HRESULT WINAPI HcsStartComputeSystem(HCS_SYSTEM handle, HCS_OPERATION op, PCWSTR) {
  return Change(handle, op, "start", [](Operation &o, System &s) {
    if (s.state != "Created") return Fail(o, kInvalidState, "The system " + s.id + " is " + s.state + ", not Created");
    s.state = "Running";
    s.started = GetTickCount64();
    return S_OK;
  });
}

HRESULT WINAPI HcsShutDownComputeSystem(HCS_SYSTEM handle, HCS_OPERATION op, PCWSTR) {
  return Change(handle, op, "shutdown", [](Operation &o, System &s) {
    if (s.state == "Stopped") return Fail(o, kSystemAlreadyStopped, "The system " + s.id + " is already stopped");
    StopSystem(&s, "GracefulExit");
    return S_OK;
  });
}

HRESULT WINAPI HcsTerminateComputeSystem(HCS_SYSTEM handle, HCS_OPERATION op, PCWSTR) {
  return Change(handle, op, "terminate", [](Operation &o, System &s) {
    if (s.state == "Stopped") return Fail(o, kSystemAlreadyStopped, "The system " + s.id + " is already stopped");
    StopSystem(&s, "ForcedExit");
    return S_OK;
  });
}

// The emulator records pause and resume and changes the state; it does not freeze the processes.
HRESULT WINAPI HcsPauseComputeSystem(HCS_SYSTEM handle, HCS_OPERATION op, PCWSTR) {
  return Change(handle, op, "pause", [](Operation &o, System &s) {
    if (s.state != "Running") return Fail(o, kInvalidState, "The system " + s.id + " is " + s.state + ", not Running");
    s.state = "Paused";
    return S_OK;
  });
}

HRESULT WINAPI HcsResumeComputeSystem(HCS_SYSTEM handle, HCS_OPERATION op, PCWSTR) {
  return Change(handle, op, "resume", [](Operation &o, System &s) {
    if (s.state != "Paused") return Fail(o, kInvalidState, "The system " + s.id + " is " + s.state + ", not Paused");
    s.state = "Running";
    return S_OK;
  });
}

HRESULT WINAPI HcsModifyComputeSystem(HCS_SYSTEM handle, HCS_OPERATION op, PCWSTR configuration, HANDLE) {
  std::string text = Narrow(configuration);
  return Change(handle, op, "modify", [text](Operation &o, System &s) {
    Json doc;
    std::string error;
    if (!ParseJson(text, &doc, &error)) return Fail(o, kInvalidJson, "The JSON document is invalid: " + error);
    if (s.state != "Running" && s.state != "Paused") return Fail(o, kInvalidState, "The system " + s.id + " is " + s.state);
    Record("modified " + s.id + " " + text);
    return S_OK;
  });
}

HRESULT WINAPI HcsGetComputeSystemProperties(HCS_SYSTEM handle, HCS_OPERATION op, PCWSTR query) {
  std::string q = Narrow(query);
  return Change(handle, op, "properties", [q](Operation &o, System &s) {
    std::string doc = "{\"Id\":" + Quote(s.id) + ",\"SystemType\":" + Quote(s.kind) + ",\"Owner\":" + Quote(s.owner) + ",\"State\":" + Quote(s.state);
    if (q.find("ProcessList") != std::string::npos) {
      doc += ",\"ProcessList\":[";
      bool first = true;
      for (Process *p : s.processes) {
        if (p->exited) continue;
        doc += std::string(first ? "" : ",") + "{\"ProcessId\":" + std::to_string(p->pid) + ",\"ImageName\":" + Quote(p->image) + "}";
        first = false;
      }
      doc += "]";
    }
    if (q.find("Statistics") != std::string::npos) {
      ULONGLONG cpu = 0;
      for (Process *p : s.processes) {
        FILETIME c, e, k, u;
        if (GetProcessTimes(p->handle, &c, &e, &k, &u)) {
          cpu += (static_cast<ULONGLONG>(k.dwHighDateTime) << 32 | k.dwLowDateTime) + (static_cast<ULONGLONG>(u.dwHighDateTime) << 32 | u.dwLowDateTime);
        }
      }
      doc += ",\"Statistics\":{\"Uptime100ns\":" + std::to_string(s.started ? (GetTickCount64() - s.started) * 10000 : 0) +
             ",\"Processor\":{\"TotalRuntime100ns\":" + std::to_string(cpu) + "}}";
    }
    o.result = doc + "}";
    return S_OK;
  });
}

HRESULT WINAPI HcsSetComputeSystemCallback(HCS_SYSTEM handle, HCS_EVENT_OPTIONS, const void *context, HCS_EVENT_CALLBACK callback) {
  std::lock_guard<std::recursive_mutex> hold(Lock());
  System *s = Of(handle);
  if (!s) return E_HANDLE;
  s->callback = callback;
  s->context = const_cast<void *>(context);
  return S_OK;
}

}  // extern "C"
