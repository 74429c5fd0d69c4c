#pragma once
#include "addon-napi.h"
#include <windows.h>

void InitPipes(Napi::Env env, Napi::Object exports);
