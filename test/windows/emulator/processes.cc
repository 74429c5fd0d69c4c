// Processes of a container: real processes (under wine), with pipes for the
// stdio HCS was asked for and an exit event when they end. The container's
// isolation is not emulated: they run on the host, in WorkingDirectory.
#include "emulator.h"
#include "schema.h"

namespace {

constexpr DWORD kCtrlCExit = 0xC000013A;  // STATUS_CONTROL_C_EXIT: how a console process ends on Ctrl-C.

Process *Of(HCS_PROCESS handle) {
  auto *h = reinterpret_cast<ProcessHandle *>(handle);
  return h ? h->process : nullptr;
}

HRESULT Fail(Operation &op, HRESULT hr, const std::string &message) {
  op.result = ErrorRecord(hr, message);
  return hr;
}

std::string ExitDocument(const Process &p) {
  return "{\"ProcessId\":" + std::to_string(p.pid) + ",\"Exited\":" + (p.exited ? "true" : "false") +
         ",\"ExitCode\":" + std::to_string(p.exitCode) + ",\"LastWaitResult\":0}";
}

DWORD WINAPI WatchExit(void *context) {
  auto *p = static_cast<Process *>(context);
  WaitForSingleObject(p->handle, INFINITE);
  std::lock_guard<std::recursive_mutex> hold(Lock());
  GetExitCodeProcess(p->handle, &p->exitCode);
  p->exited = true;
  Record("exited " + p->system->id + " " + std::to_string(p->pid) + " " + std::to_string(p->exitCode));
  Notify(p->callback, p->context, HcsEventProcessExited, ExitDocument(*p));
  return 0;
}

/** The environment block: the emulator's own (wine needs it), overridden by the document's. */
std::wstring EnvironmentBlock(const Json *env) {
  std::vector<std::pair<std::wstring, std::wstring>> vars;
  wchar_t *own = GetEnvironmentStringsW();
  for (wchar_t *v = own; *v; v += wcslen(v) + 1) {
    std::wstring entry = v;
    size_t eq = entry.find(L'=', 1);
    if (eq != std::wstring::npos) vars.emplace_back(entry.substr(0, eq), entry.substr(eq + 1));
  }
  FreeEnvironmentStringsW(own);
  if (env) {
    for (auto &m : env->members) {
      std::wstring key = Widen(m.first);
      bool found = false;
      for (auto &v : vars)
        if (_wcsicmp(v.first.c_str(), key.c_str()) == 0) v.second = Widen(m.second.string), found = true;
      if (!found) vars.emplace_back(key, Widen(m.second.string));
    }
  }
  std::wstring block;
  for (auto &v : vars) block += v.first + L"=" + v.second + L'\0';
  return block + L'\0';
}

bool Flag(const Json &doc, const char *key) {
  const Json *v = doc.get(key);
  return v && v->boolean;
}

HRESULT Launch(Operation &o, Process &p, const Json &doc) {
  SECURITY_ATTRIBUTES inherit{sizeof inherit, nullptr, TRUE};
  HANDLE in[2] = {}, out[2] = {}, err[2] = {};  // [read, write]
  bool console = Flag(doc, "EmulateConsole");
  if (Flag(doc, "CreateStdInPipe")) CreatePipe(&in[0], &in[1], &inherit, 0), SetHandleInformation(in[1], HANDLE_FLAG_INHERIT, 0);
  if (Flag(doc, "CreateStdOutPipe")) CreatePipe(&out[0], &out[1], &inherit, 0), SetHandleInformation(out[0], HANDLE_FLAG_INHERIT, 0);
  // An emulated console has one output stream.
  if (Flag(doc, "CreateStdErrPipe") && !console) CreatePipe(&err[0], &err[1], &inherit, 0), SetHandleInformation(err[0], HANDLE_FLAG_INHERIT, 0);
  STARTUPINFOW si{};
  si.cb = sizeof si;
  si.dwFlags = STARTF_USESTDHANDLES;
  HANDLE nul = CreateFileW(L"NUL", GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE, &inherit, OPEN_EXISTING, 0, nullptr);
  si.hStdInput = in[0] ? in[0] : nul;
  si.hStdOutput = out[1] ? out[1] : nul;
  si.hStdError = err[1] ? err[1] : (console && out[1] ? out[1] : nul);
  std::wstring command = Widen(doc.str("CommandLine"));
  std::wstring cwd = Widen(doc.str("WorkingDirectory"));
  std::wstring env = EnvironmentBlock(doc.get("Environment"));
  PROCESS_INFORMATION pi{};
  BOOL ok = CreateProcessW(nullptr, command.data(), nullptr, nullptr, TRUE, CREATE_UNICODE_ENVIRONMENT, env.data(),
                           cwd.empty() ? nullptr : cwd.c_str(), &si, &pi);
  DWORD error = GetLastError();
  for (HANDLE h : {in[0], out[1], err[1], nul})
    if (h) CloseHandle(h);
  if (!ok) {
    for (HANDLE h : {in[1], out[0], err[0]})
      if (h) CloseHandle(h);
    return Fail(o, HRESULT_FROM_WIN32(error), "CreateProcess failed for " + doc.str("CommandLine") + ": Windows error " + std::to_string(error));
  }
  CloseHandle(pi.hThread);
  p.pid = pi.dwProcessId;
  p.handle = pi.hProcess;
  p.image = doc.str("CommandLine");
  o.info = {pi.dwProcessId, 0, in[1], out[0], err[0]};
  HANDLE watcher = CreateThread(nullptr, 0, WatchExit, &p, 0, nullptr);
  if (watcher) CloseHandle(watcher);
  return S_OK;
}

/** Runs work on an open process asynchronously. */
HRESULT OnProcess(HCS_PROCESS handle, HCS_OPERATION op, const char *name, std::function<HRESULT(Operation &, Process &)> work) {
  Process *p = Of(handle);
  if (!p) return E_HANDLE;
  return Start(op, [=](Operation &o) {
    std::lock_guard<std::recursive_mutex> hold(Lock());
    Record(std::string(name) + " " + p->system->id + " " + std::to_string(p->pid));
    return work(o, *p);
  });
}

}  // namespace

extern "C" {

HRESULT WINAPI HcsCreateProcess(HCS_SYSTEM system, PCWSTR parameters, HCS_OPERATION op, const SECURITY_DESCRIPTOR *, HCS_PROCESS *out) {
  auto *sh = reinterpret_cast<SystemHandle *>(system);
  if (!sh || !sh->system) return E_HANDLE;
  System *s = sh->system;
  auto *handle = new ProcessHandle;
  *out = reinterpret_cast<HCS_PROCESS>(handle);
  std::string text = Narrow(parameters);
  return Start(op, [=](Operation &o) {
    std::lock_guard<std::recursive_mutex> hold(Lock());
    Json doc;
    std::string error;
    if (!ParseJson(text, &doc, &error)) return Fail(o, kInvalidJson, "The JSON document is invalid: " + error);
    error = CheckProcessParameters(doc);
    if (!error.empty()) return Fail(o, kInvalidJson, "The JSON document is invalid: " + error);
    if (s->state != "Running") return Fail(o, kInvalidState, "The system " + s->id + " is " + s->state + ", not Running");
    auto *p = new Process;
    p->system = s;
    HRESULT hr = Launch(o, *p, doc);
    if (FAILED(hr)) {
      delete p;
      return hr;
    }
    s->processes.push_back(p);
    handle->process = p;
    Record("process " + s->id + " " + std::to_string(p->pid) + " " + doc.str("CommandLine"));
    return S_OK;
  });
}

HRESULT WINAPI HcsOpenProcess(HCS_SYSTEM system, DWORD pid, DWORD, HCS_PROCESS *out) {
  std::lock_guard<std::recursive_mutex> hold(Lock());
  auto *sh = reinterpret_cast<SystemHandle *>(system);
  if (!sh || !sh->system) return E_HANDLE;
  for (Process *p : sh->system->processes) {
    if (p->pid == pid) {
      *out = reinterpret_cast<HCS_PROCESS>(new ProcessHandle{p});
      return S_OK;
    }
  }
  return HRESULT_FROM_WIN32(ERROR_NOT_FOUND);
}

void WINAPI HcsCloseProcess(HCS_PROCESS handle) {
  std::lock_guard<std::recursive_mutex> hold(Lock());
  auto *h = reinterpret_cast<ProcessHandle *>(handle);
  // A closed handle gets no more events (the process object itself stays with its system).
  if (h && h->process) h->process->callback = nullptr;
  delete h;
}

HRESULT WINAPI HcsSignalProcess(HCS_PROCESS handle, HCS_OPERATION op, PCWSTR options) {
  std::string text = Narrow(options);
  return OnProcess(handle, op, "signal", [text](Operation &o, Process &p) {
    Json doc;
    std::string error;
    if (!ParseJson(text, &doc, &error)) return Fail(o, kInvalidJson, "The JSON document is invalid: " + error);
    std::string signal = doc.str("Signal");
    if (signal != "CtrlC" && signal != "CtrlBreak" && signal != "CtrlClose" && signal != "CtrlLogOff" && signal != "CtrlShutdown") {
      return Fail(o, kInvalidJson, "Signal must be CtrlC, CtrlBreak, CtrlClose, CtrlLogOff or CtrlShutdown, not " + signal);
    }
    if (p.exited) return Fail(o, kProcessAlreadyStopped, "The process " + std::to_string(p.pid) + " has exited");
    Record("signalled " + p.system->id + " " + std::to_string(p.pid) + " " + signal);
    // Console control events do not cross wine's process boundaries reliably: end the process as an unhandled one would.
    TerminateProcess(p.handle, kCtrlCExit);
    return S_OK;
  });
}

HRESULT WINAPI HcsTerminateProcess(HCS_PROCESS handle, HCS_OPERATION op, PCWSTR) {
  return OnProcess(handle, op, "terminate-process", [](Operation &o, Process &p) {
    if (p.exited) return Fail(o, kProcessAlreadyStopped, "The process " + std::to_string(p.pid) + " has exited");
    TerminateProcess(p.handle, 1);
    return S_OK;
  });
}

HRESULT WINAPI HcsModifyProcess(HCS_PROCESS handle, HCS_OPERATION op, PCWSTR settings) {
  std::string text = Narrow(settings);
  return OnProcess(handle, op, "modify-process", [text](Operation &o, Process &p) {
    Json doc;
    std::string error;
    if (!ParseJson(text, &doc, &error)) return Fail(o, kInvalidJson, "The JSON document is invalid: " + error);
    std::string operation = doc.str("Operation");
    if (operation != "ConsoleSize" && operation != "CloseHandle") return Fail(o, kInvalidJson, "unknown Operation " + operation);
    if (p.exited) return Fail(o, kProcessAlreadyStopped, "The process " + std::to_string(p.pid) + " has exited");
    Record("modified-process " + p.system->id + " " + std::to_string(p.pid) + " " + text);
    return S_OK;
  });
}

HRESULT WINAPI HcsGetProcessProperties(HCS_PROCESS handle, HCS_OPERATION op, PCWSTR) {
  return OnProcess(handle, op, "process-properties", [](Operation &o, Process &p) {
    o.result = ExitDocument(p);
    return S_OK;
  });
}

HRESULT WINAPI HcsSetProcessCallback(HCS_PROCESS handle, HCS_EVENT_OPTIONS, void *context, HCS_EVENT_CALLBACK callback) {
  std::lock_guard<std::recursive_mutex> hold(Lock());
  Process *p = Of(handle);
  if (!p) return E_HANDLE;
  p->callback = callback;
  p->context = context;
  return S_OK;
}

}  // extern "C"
