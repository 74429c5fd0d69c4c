// HCS compute systems and processes as JS values, with their event callbacks.
#pragma once
#include "addon-napi.h"
#include "hcs.h"

void InitHandles(Napi::Env env, Napi::Object exports);
