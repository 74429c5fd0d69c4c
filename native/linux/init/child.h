// Shared by the files of tsrun-init (main.cc, init.cc, rootfs.cc,
// process.cc): the container's init between clone() and execve(). It is a
// copy of the single-threaded tsrun-init, and keeps to raw syscalls and stack
// buffers all the same: it forks hooks and (after joining a pid namespace)
// itself, and the plan, decoded before the clone, is only read.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include "../plan.h"

namespace tsrun {

// main.cc, before the clone: the steps' id-mapped trees (idmap.cc); on
// failure, index is the step's, stage an IdmapStage, errno set.
int MakeIdmappedTrees(Plan& plan, int* index, int* stage);

// Runs in the cloned init; never returns.
[[noreturn]] void RunInit(const Plan& plan, int sync_fd);

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

// The credentials of this process only, by raw syscalls (glibc's wrappers
// would broadcast to every thread of the process).
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
