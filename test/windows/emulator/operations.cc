// Operations: created by the caller, completed on an emulator thread.
#include <cstdio>
#include "emulator.h"

namespace {

struct Job {
  Operation *op;
  std::function<HRESULT(Operation &)> work;
};

DWORD WINAPI RunJob(void *param) {
  auto *job = static_cast<Job *>(param);
  Operation *op = job->op;
  // HCS completes later, never inside the call: so does the emulator.
  Sleep(5);
  op->hr = job->work(*op);
  delete job;
  // A waiter may close (free) the operation as soon as it is done: read what the callback needs first.
  HCS_OPERATION_COMPLETION callback = op->callback;
  void *context = const_cast<void *>(op->context);
  SetEvent(op->done);
  if (callback) callback(reinterpret_cast<HCS_OPERATION>(op), context);
  return 0;
}

}  // namespace

std::string Narrow(PCWSTR s) {
  if (!s) return {};
  int n = WideCharToMultiByte(CP_UTF8, 0, s, -1, nullptr, 0, nullptr, nullptr);
  std::string out(n > 0 ? n - 1 : 0, '\0');
  WideCharToMultiByte(CP_UTF8, 0, s, -1, out.data(), n, nullptr, nullptr);
  return out;
}

std::wstring Widen(const std::string &s) {
  int n = MultiByteToWideChar(CP_UTF8, 0, s.c_str(), -1, nullptr, 0);
  std::wstring out(n > 0 ? n - 1 : 0, L'\0');
  MultiByteToWideChar(CP_UTF8, 0, s.c_str(), -1, out.data(), n);
  return out;
}

void Record(const std::string &line) {
  wchar_t path[MAX_PATH];
  if (!GetEnvironmentVariableW(L"TSRUN_HCS_EMULATOR_LOG", path, MAX_PATH)) return;
  std::lock_guard<std::recursive_mutex> hold(Lock());
  HANDLE f = CreateFileW(path, FILE_APPEND_DATA, FILE_SHARE_READ | FILE_SHARE_WRITE, nullptr, OPEN_ALWAYS, 0, nullptr);
  if (f == INVALID_HANDLE_VALUE) return;
  std::string text = line + "\n";
  DWORD n;
  WriteFile(f, text.data(), static_cast<DWORD>(text.size()), &n, nullptr);
  CloseHandle(f);
}

std::string ErrorRecord(HRESULT hr, const std::string &message) {
  return "{\"Error\":" + std::to_string(static_cast<int32_t>(hr)) + ",\"ErrorMessage\":" + Quote(message) +
         ",\"ErrorEvents\":[{\"Message\":" + Quote(message) + ",\"Provider\":\"tsrun-hcs-emulator\"}]}";
}

HRESULT Start(HCS_OPERATION handle, std::function<HRESULT(Operation &)> work) {
  auto *op = reinterpret_cast<Operation *>(handle);
  if (!op) return E_INVALIDARG;
  if (op->started) return static_cast<HRESULT>(0x80370116);  // HCS_E_OPERATION_ALREADY_STARTED
  op->started = true;
  HANDLE thread = CreateThread(nullptr, 0, RunJob, new Job{op, std::move(work)}, 0, nullptr);
  if (!thread) return HRESULT_FROM_WIN32(GetLastError());
  CloseHandle(thread);
  return S_OK;
}

namespace {

HRESULT Result(Operation *op, PWSTR *document) {
  if (document) {
    *document = nullptr;
    if (!op->result.empty()) {
      std::wstring w = Widen(op->result);
      *document = static_cast<PWSTR>(LocalAlloc(LMEM_FIXED, (w.size() + 1) * sizeof(wchar_t)));
      memcpy(*document, w.c_str(), (w.size() + 1) * sizeof(wchar_t));
    }
  }
  return op->hr;
}

}  // namespace

extern "C" {

HCS_OPERATION WINAPI HcsCreateOperation(const void *context, HCS_OPERATION_COMPLETION callback) {
  auto *op = new Operation;
  op->context = context;
  op->callback = callback;
  return reinterpret_cast<HCS_OPERATION>(op);
}

void WINAPI HcsCloseOperation(HCS_OPERATION handle) {
  auto *op = reinterpret_cast<Operation *>(handle);
  if (!op) return;
  if (op->started) WaitForSingleObject(op->done, INFINITE);
  CloseHandle(op->done);
  delete op;
}

HRESULT WINAPI HcsGetOperationResult(HCS_OPERATION handle, PWSTR *document) {
  auto *op = reinterpret_cast<Operation *>(handle);
  if (WaitForSingleObject(op->done, 0) != WAIT_OBJECT_0) return kOperationPending;
  return Result(op, document);
}

HRESULT WINAPI HcsGetOperationResultAndProcessInfo(HCS_OPERATION handle, HCS_PROCESS_INFORMATION *info, PWSTR *document) {
  auto *op = reinterpret_cast<Operation *>(handle);
  if (WaitForSingleObject(op->done, 0) != WAIT_OBJECT_0) return kOperationPending;
  if (info) *info = op->info;
  return Result(op, document);
}

HRESULT WINAPI HcsWaitForOperationResult(HCS_OPERATION handle, DWORD timeoutMs, PWSTR *document) {
  auto *op = reinterpret_cast<Operation *>(handle);
  if (WaitForSingleObject(op->done, timeoutMs) != WAIT_OBJECT_0) return static_cast<HRESULT>(0x80370118);  // HCS_E_OPERATION_TIMEOUT
  return Result(op, document);
}

}  // extern "C"
