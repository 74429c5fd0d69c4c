// Shared by the child-side files (init.cc, rootfs.cc, process.cc): code that
// runs between clone() and execve() in a copy of the multi-threaded Node
// process. Only async-signal-safe calls: raw syscalls and stack buffers; the
// plan was built before the fork and is only read.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include "plan.h"

namespace tsrun {

// Reports the failure (phase, index, errno) to the parent and exits.
[[noreturn]] void Fail(int phase, int index);
// The same for a child process that failed: its wait status goes with it.
[[noreturn]] void FailStatus(int phase, int index, int status);

// "/proc/self/fd/N": how mount(2) and friends reach an fd found safely.
void FdPath(char* buf, int fd);

int WriteAll(int fd, const char* data, size_t len);
inline int WriteAll(int fd, const char* data) { return WriteAll(fd, data, __builtin_strlen(data)); }

// The root that ROOT_CONTAINER targets resolve in. Reopened after a host-side
// mount so that it sees the rootfs bind mount, and after pivot_root.
struct RootState {
  const char* rootfs;
  int fd = -1;

  int Get() {
    if (fd < 0) fd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
    return fd;
  }
  void Reset() {
    if (fd >= 0) close(fd);
    fd = -1;
  }
};

// The credentials of this process only. glibc's setgroups/setres[ug]id would
// signal every thread it believes we have (the parent's) and take locks a
// parent thread may have held at fork time: raw syscalls instead.
int SetIds(bool set_groups, size_t ngroups, const gid_t* groups, uid_t uid, gid_t gid);

// Runs steps [from, to); returns the index of a failed step (errno set) or -1.
int RunSteps(const Plan& plan, size_t from, size_t to, RootState& root);

// process.cc: the process attributes, applied in runc's order.
int ApplyPreStartAttributes(const Plan& plan);   // rlimits, oom, apparmor, nnp, ...
int SwitchUser(const Plan& plan);                 // bounding set, ids, caps
int ApplySeccomp(const Plan& plan);
int SetupTerminal(const Plan& plan);
// Runs hooks in order with message `message` of plan.messages on stdin.
int RunHooks(const Plan& plan, const std::vector<Hook>& hooks, int phase, int message);

}  // namespace tsrun
