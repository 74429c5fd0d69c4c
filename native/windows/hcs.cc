#include "hcs.h"
#include <mutex>
#include <stdexcept>

namespace {

HMODULE LoadSystemLibrary(const wchar_t *name) {
  return LoadLibraryExW(name, nullptr, LOAD_LIBRARY_SEARCH_SYSTEM32);
}

std::string LoadError(const char *what) {
  return std::string("HCS is not available: ") + what + " (Windows error " + std::to_string(GetLastError()) + ")";
}

}  // namespace

const HcsApi &hcs() {
  static HcsApi api;
  static std::string error;
  static std::once_flag once;
  std::call_once(once, [] {
    HMODULE dll = LoadSystemLibrary(L"computecore.dll");
    if (!dll) {
      error = LoadError("computecore.dll cannot be loaded");
      return;
    }
#define TSRUN_HCS_LOAD(name)                                                                  \
  api.name = reinterpret_cast<decltype(&::name)>(reinterpret_cast<void *>(GetProcAddress(dll, #name))); \
  if (!api.name && error.empty()) error = LoadError("computecore.dll has no " #name);
    TSRUN_HCS_FUNCTIONS(TSRUN_HCS_LOAD)
#undef TSRUN_HCS_LOAD
  });
  if (!error.empty()) throw std::runtime_error(error);
  return api;
}

HRESULT NameToGuid(const wchar_t *name, GUID *guid) {
  using NameToGuidFn = HRESULT(WINAPI *)(const wchar_t *, GUID *);
  static NameToGuidFn fn = [] {
    HMODULE dll = LoadSystemLibrary(L"vmcompute.dll");
    return dll ? reinterpret_cast<NameToGuidFn>(reinterpret_cast<void *>(GetProcAddress(dll, "NameToGuid"))) : nullptr;
  }();
  if (!fn) throw std::runtime_error("HCS is not available: vmcompute.dll or its NameToGuid cannot be loaded");
  return fn(name, guid);
}

std::wstring Wide(const std::string &utf8) {
  if (utf8.empty()) return {};
  int n = MultiByteToWideChar(CP_UTF8, 0, utf8.data(), static_cast<int>(utf8.size()), nullptr, 0);
  std::wstring out(n, L'\0');
  MultiByteToWideChar(CP_UTF8, 0, utf8.data(), static_cast<int>(utf8.size()), out.data(), n);
  return out;
}

std::string Utf8(const wchar_t *wide) {
  if (!wide || !*wide) return {};
  int n = WideCharToMultiByte(CP_UTF8, 0, wide, -1, nullptr, 0, nullptr, nullptr);
  std::string out(n - 1, '\0');
  WideCharToMultiByte(CP_UTF8, 0, wide, -1, out.data(), n, nullptr, nullptr);
  return out;
}
