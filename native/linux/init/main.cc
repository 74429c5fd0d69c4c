// tsrun-init: the executable the addon spawns (from a sealed memfd) for each
// container process. It reads the plan, clones the init into the container's
// namespaces (and, on cgroup v2, straight into its cgroup) as a child of the
// runtime (CLONE_PARENT), reports the init's pid, and exits.
//
//   tsrun-init PLAN_FD SYNC_FD
//
// Cloning here rather than in the addon means the init is a copy of this small
// single-threaded process, not of Node: no page tables of Node to copy at
// clone or to tear down at the init's execve, and /proc/self/exe of the init
// is the sealed memfd, never a host binary that a container could reopen
// for writing (CVE-2019-5736).
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <string>

#include "child.h"

namespace {

bool ReadAll(int fd, std::string& out) {
  struct stat st;
  if (fstat(fd, &st) != 0) return false;
  out.resize(static_cast<size_t>(st.st_size));
  size_t done = 0;
  while (done < out.size()) {
    ssize_t n = pread(fd, &out[done], out.size() - done, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

void Report(int sync, int kind, int phase, int index, int err, int pid) {
  tsrun::Report r = {kind, phase, index, err, pid};
  ssize_t n;
  do n = send(sync, &r, sizeof r, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
}

// clone3 with CLONE_INTO_CGROUP where the plan has a cgroup and the kernel
// can (5.7+); plain clone otherwise, the runtime then moves the init.
long CloneInit(const tsrun::Plan& plan, bool& into_cgroup) {
  unsigned long flags = static_cast<unsigned long>(plan.clone_flags) | CLONE_PARENT;
  into_cgroup = false;
  if (plan.cgroup_fd >= 0) {
    struct clone_args args = {};
    args.flags = flags | CLONE_INTO_CGROUP;
    // With CLONE_PARENT the exit signal is ours (SIGCHLD): clone3 refuses another.
    args.exit_signal = 0;
    args.cgroup = static_cast<__u64>(plan.cgroup_fd);
    long pid = syscall(SYS_clone3, &args, sizeof args);
    if (pid >= 0) {
      into_cgroup = true;
      return pid;
    }
  }
  return syscall(SYS_clone, flags | SIGCHLD, 0, nullptr, nullptr, 0);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) return 2;
  // Run from /proc/self/fd/N, we would be called "N" in ps.
  prctl(PR_SET_NAME, "tsrun-init", 0, 0, 0);
  int plan_fd = atoi(argv[1]);
  int sync = atoi(argv[2]);
  // Kept by the init until its execve: EOF there tells the runtime it happened.
  fcntl(sync, F_SETFD, FD_CLOEXEC);

  tsrun::Plan plan;
  std::string bytes;
  bool ok = ReadAll(plan_fd, bytes) && tsrun::DecodePlan(bytes, plan);
  close(plan_fd);
  if (!ok) {
    Report(sync, tsrun::REPORT_ERROR, tsrun::PHASE_SYNC, 0, EINVAL, 0);
    return 1;
  }
  int index, stage;
  if (tsrun::MakeIdmappedTrees(plan, &index, &stage) != 0) {
    Report(sync, tsrun::REPORT_ERROR, tsrun::PHASE_IDMAP, index, errno, stage);
    return 1;
  }
  bool into_cgroup;
  long pid = CloneInit(plan, into_cgroup);
  if (pid == 0) tsrun::RunInit(plan, sync);
  if (pid < 0) {
    Report(sync, tsrun::REPORT_ERROR, tsrun::PHASE_FORK, 1, errno, 0);
    return 1;
  }
  Report(sync, tsrun::REPORT_PID, 0, into_cgroup ? 1 : 0, 0, static_cast<int>(pid));
  return 0;
}
