// The HCS entry points, loaded at run time from System32 so the addon loads
// on any Windows and reports "HCS is not available" where the feature is off.
#pragma once
#include <windows.h>
#include <computecore.h>
#include <string>

struct HcsApi {
#define TSRUN_HCS_FUNCTIONS(X)                                                                                         \
  X(HcsCreateOperation) X(HcsCloseOperation) X(HcsGetOperationResult) X(HcsGetOperationResultAndProcessInfo)            \
  X(HcsWaitForOperationResult)                                                                                          \
  X(HcsCreateComputeSystem) X(HcsOpenComputeSystem) X(HcsCloseComputeSystem) X(HcsStartComputeSystem)                   \
  X(HcsShutDownComputeSystem) X(HcsTerminateComputeSystem) X(HcsPauseComputeSystem) X(HcsResumeComputeSystem)           \
  X(HcsModifyComputeSystem) X(HcsGetComputeSystemProperties) X(HcsSetComputeSystemCallback) X(HcsCreateProcess)         \
  X(HcsOpenProcess) X(HcsCloseProcess) X(HcsSignalProcess) X(HcsTerminateProcess) X(HcsModifyProcess)                   \
  X(HcsGetProcessProperties) X(HcsSetProcessCallback)
#define TSRUN_HCS_POINTER(name) decltype(&::name) name = nullptr;
  TSRUN_HCS_FUNCTIONS(TSRUN_HCS_POINTER)
#undef TSRUN_HCS_POINTER
};

/** The loaded API; throws a JS-bound std::runtime_error naming what is missing. */
const HcsApi &hcs();

/** vmcompute.dll's NameToGuid (not in the SDK headers): the layer id HCS derives from a folder name. */
HRESULT NameToGuid(const wchar_t *name, GUID *guid);

std::wstring Wide(const std::string &utf8);
std::string Utf8(const wchar_t *wide);
