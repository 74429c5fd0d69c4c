// The tsrun-init executable (native/linux/init), built into the addon and
// run from a sealed memfd.
#pragma once

namespace tsrun {

// An fd of a sealed memfd holding tsrun-init, made on first use and kept.
// Returns -1 with errno set and *why naming the call that failed.
int InitExecutable(const char** why);

}  // namespace tsrun
