// vmcompute.dll for the emulator: NameToGuid only. A name-based GUID (FNV-1a
// of the UTF-16 name, case-folded): stable per name, as HCS's is, but not
// HCS's values.
#include <windows.h>
#include <cwctype>

extern "C" HRESULT WINAPI NameToGuid(const wchar_t *name, GUID *guid) {
  if (!name || !guid) return E_INVALIDARG;
  unsigned long long h[2] = {1469598103934665603ULL, 1099511628211ULL * 31};
  for (const wchar_t *c = name; *c; c++) {
    for (auto &x : h) x = (x ^ static_cast<unsigned long long>(towlower(*c))) * 1099511628211ULL;
  }
  memcpy(guid, h, sizeof *guid);
  return S_OK;
}
