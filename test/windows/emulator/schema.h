// The emulator's check of a compute system document against the HCS schema
// 2.x (the part of Microsoft's schema that tsrun writes, from its Swagger
// definitions ComputeSystem, Container, VirtualMachine, ...): an unknown or
// mistyped field fails, as HCS fails with HCS_E_INVALID_JSON.
#pragma once
#include <string>
#include "json.h"

/** "" when valid, else what is wrong, naming the field's path. */
std::string CheckComputeSystem(const Json &doc);
/** The same for process parameters (schema ProcessParameters). */
std::string CheckProcessParameters(const Json &doc);
