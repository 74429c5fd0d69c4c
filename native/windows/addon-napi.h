// node-addon-api as this addon uses it: C++ exceptions, and any std::exception
// (a missing HCS DLL, bad_alloc) becomes a JS Error rather than an abort.
// Included instead of <napi.h> so the MSVC build (CMakeLists.txt) and the
// mingw cross build (scripts/build-windows.mjs) agree.
#pragma once
#ifndef NODE_ADDON_API_CPP_EXCEPTIONS
#define NODE_ADDON_API_CPP_EXCEPTIONS
#endif
#ifndef NODE_ADDON_API_CPP_EXCEPTIONS_ALL
#define NODE_ADDON_API_CPP_EXCEPTIONS_ALL
#endif
#include <napi.h>
