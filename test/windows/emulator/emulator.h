// An HCS emulator: computecore.dll for wine, implementing the documented
// contract of the calls tsrun makes. Operations complete on a thread of their
// own and call back; documents are checked against the schema; a container's
// processes are real (wine) processes; every call is recorded, one line each,
// in the file named by TSRUN_HCS_EMULATOR_LOG, so tests can check sequences.
// State lives in the loading process (real HCS is a service shared by all).
#pragma once
#include <windows.h>
#include <computecore.h>
#include <functional>
#include <mutex>
#include <string>
#include <vector>
#include "json.h"

// HRESULTs HCS documents (winerror.h's HCS_E_*), named here to stay independent of header versions.
constexpr HRESULT kInvalidState = static_cast<HRESULT>(0x80370105);
constexpr HRESULT kInvalidJson = static_cast<HRESULT>(0x8037010D);
constexpr HRESULT kSystemNotFound = static_cast<HRESULT>(0x8037010E);
constexpr HRESULT kSystemAlreadyExists = static_cast<HRESULT>(0x8037010F);
constexpr HRESULT kSystemAlreadyStopped = static_cast<HRESULT>(0x80370110);
constexpr HRESULT kProcessAlreadyStopped = static_cast<HRESULT>(0x8037011F);
constexpr HRESULT kOperationPending = static_cast<HRESULT>(0x80370117);

struct Operation {
  const void *context = nullptr;
  HCS_OPERATION_COMPLETION callback = nullptr;
  HANDLE done = CreateEventW(nullptr, TRUE, FALSE, nullptr);
  bool started = false;
  HRESULT hr = kOperationPending;
  std::string result;
  HCS_PROCESS_INFORMATION info{};
};

struct Process;

struct System {
  std::string id, owner, kind, hostingId, state = "Created";
  bool terminateOnLastClose = false;
  int handles = 0;
  HCS_EVENT_CALLBACK callback = nullptr;
  void *context = nullptr;
  std::vector<Process *> processes;
  ULONGLONG started = 0;
};

struct Process {
  System *system = nullptr;
  DWORD pid = 0;
  HANDLE handle = nullptr;
  std::string image;
  bool exited = false;
  DWORD exitCode = 0;
  HCS_EVENT_CALLBACK callback = nullptr;
  void *context = nullptr;
};

struct SystemHandle {
  System *system = nullptr;
};

struct ProcessHandle {
  Process *process = nullptr;
};

/** One lock for all emulator state: calls are few, and simple beats fast here. */
std::recursive_mutex &Lock();
std::vector<System *> &Systems();
System *FindSystem(const std::string &id);

void Record(const std::string &line);

/** Runs work on a new thread; work returns the result, completes op and calls its callback there. */
HRESULT Start(HCS_OPERATION op, std::function<HRESULT(Operation &)> work);

/** HCS's error document (hcsshim's ResultError). */
std::string ErrorRecord(HRESULT hr, const std::string &message);

std::string Narrow(PCWSTR s);
std::wstring Widen(const std::string &s);

/** Calls an event callback on the calling (emulator) thread. */
void Notify(HCS_EVENT_CALLBACK callback, void *context, HCS_EVENT_TYPE type, const std::string &data);

/** Ends a system's processes, marks it stopped and tells its callback (and those of systems it hosts). */
void StopSystem(System *s, const char *exitType);
