// The container's init between clone() and execve(), cloned by tsrun-init
// (main.cc) from the plan the runtime sent. The order of the work follows
// runc's init.
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/keyctl.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "child.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

namespace tsrun {
namespace {

int g_sync = -1;

void Send(const Report& r) {
  // SOCK_SEQPACKET keeps each report whole; nothing to do if the parent is gone.
  ssize_t n;
  do n = send(g_sync, &r, sizeof r, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
}

// Waits for the parent's next message (a "go"); its bytes land in buf.
void Receive(char* buf, size_t size) {
  ssize_t n;
  do n = recv(g_sync, buf, size, 0);
  while (n < 0 && errno == EINTR);
  if (n <= 0) _exit(1);
}

// The first candidate that is an executable regular file, as PATH lookup does.
int FindExecutable(const Plan& plan) {
  int err = ENOENT;
  for (size_t i = 0; i < plan.exec_candidates.size(); i++) {
    struct stat st;
    const char* path = plan.exec_candidates[i];
    if (stat(path, &st) != 0) {
      if (errno != ENOENT && errno != ENOTDIR) err = errno;
      continue;
    }
    if (S_ISREG(st.st_mode) && access(path, X_OK) == 0) return static_cast<int>(i);
    err = S_ISDIR(st.st_mode) ? EISDIR : EACCES;
  }
  errno = err;
  return -1;
}

// Joins a session keyring of its own, searchable by its owner, as runc does,
// so containers do not share the caller's keys.
constexpr unsigned long kKeyUserSearch = 0x00080000;  // KEY_USR_SEARCH, <keyutils.h>

int JoinKeyring(const char* name) {
  long id = syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, name, 0, 0, 0);
  if (id < 0) return errno == ENOSYS ? 0 : -1;
  char desc[256];
  long n = syscall(SYS_keyctl, KEYCTL_DESCRIBE, id, desc, sizeof desc - 1, 0);
  if (n < 0) return -1;
  desc[n < static_cast<long>(sizeof desc) ? n : sizeof desc - 1] = '\0';
  // "type;uid;gid;perm;description": perm is the fourth field, in hex.
  const char* p = desc;
  for (int field = 0; field < 3 && p; field++) {
    p = strchr(p, ';');
    if (p) p++;
  }
  if (!p) return -1;
  unsigned long perm = 0;
  for (; *p && *p != ';'; p++) {
    int c = *p;
    int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (v < 0) break;
    perm = perm * 16 + static_cast<unsigned long>(v);
  }
  return static_cast<int>(syscall(SYS_keyctl, KEYCTL_SETPERM, id, perm | kKeyUserSearch, 0, 0));
}

int WaitForStart(int state_dir_fd) {
  // Opening the FIFO for writing blocks until `start` opens it for reading.
  int fd;
  do fd = openat(state_dir_fd, "exec.fifo", O_WRONLY | O_CLOEXEC);
  while (fd < 0 && errno == EINTR);
  if (fd < 0) return -1;
  int rc = WriteAll(fd, "0");
  int e = errno;
  close(fd);
  close(state_dir_fd);
  errno = e;
  return rc;
}

int SetupStdio(const Plan& plan) {
  // Move the sources above every target first, so a permutation of 0..2
  // cannot clobber a source before it is used.
  int moved[3];
  int floor = 3 + plan.preserve_fds;
  for (int i = 0; i < 3; i++) {
    if (plan.terminal || plan.stdio[i] == i) {
      // Node marks its own stdio close-on-exec; the program must keep it.
      moved[i] = -1;
      if (fcntl(i, F_SETFD, 0) != 0) return -1;
      continue;
    }
    moved[i] = fcntl(plan.stdio[i], F_DUPFD_CLOEXEC, floor);
    if (moved[i] < 0) return -1;
  }
  for (int i = 0; i < 3; i++) {
    if (moved[i] < 0) continue;
    if (dup2(moved[i], i) < 0) return -1;
    close(moved[i]);
  }
  for (int fd = 3; fd < floor; fd++) {
    if (fcntl(fd, F_SETFD, 0) != 0) return -1;
  }
  return 0;
}


}  // namespace

[[noreturn]] void Fail(int phase, int index) {
  Report r = {REPORT_ERROR, phase, index, errno, 0};
  Send(r);
  _exit(1);
}

[[noreturn]] void FailStatus(int phase, int index, int status) {
  Report r = {REPORT_ERROR, phase, index, 0, status};
  Send(r);
  _exit(1);
}

[[noreturn]] void RunInit(const Plan& plan, int sync_fd) {
  g_sync = sync_fd;

  // Every signal was blocked since the spawn. The program gets the default
  // dispositions: posix_spawn reset Node's (Node ignores SIGPIPE; a container
  // must not) but leaves glibc's two internal signals (32, 33) ignored, and
  // glibc's sigaction() refuses to touch those: the raw call. A zeroed
  // struct is SIG_DFL, no flags, empty mask, whatever the arch's layout.
  const unsigned long dfl[4] = {};
  for (int sig = 1; sig < NSIG; sig++) {
    if (sig != SIGKILL && sig != SIGSTOP) syscall(SYS_rt_sigaction, sig, dfl, nullptr, NSIG / 8);
  }
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);

  // Device nodes and directories get exactly the modes the plan asks for.
  umask(0);
  // The runtime says "go" once cgroups and id maps are in place; the message
  // carries the state texts for the hooks (our copy of the plan is private).
  char* messages = const_cast<char*>(plan.messages.data());
  Receive(messages, plan.messages.size() - 1);
  // Into the v1 hierarchies, by ourselves: a single-threaded process that
  // moves itself ("0" in tasks) takes no global lock, where the runtime
  // writing our pid to cgroup.procs waits for an RCU grace period (~10 ms).
  for (size_t i = 0; i < plan.cgroup_task_fds.size(); i++) {
    if (WriteAll(plan.cgroup_task_fds[i], "0") != 0) Fail(PHASE_CGROUP, static_cast<int>(i));
    close(plan.cgroup_task_fds[i]);
  }
  // From here no other process may ptrace us or open /proc/<pid>/exe before
  // execve. (Until "go" an unprivileged parent must write our id maps.)
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);

  for (size_t i = 0; i < plan.joins.size(); i++) {
    if (setns(plan.joins[i].fd, plan.joins[i].nstype) != 0) Fail(PHASE_SETNS, static_cast<int>(i));
    close(plan.joins[i].fd);
  }
  if (plan.userns) {
    // Our ids were fixed before the maps existed: take the namespace's root
    // so that the files we create (devpts, tmpfs) have a mapped owner.
    SetIds(plan.set_groups, 0, nullptr, 0, 0);
  }
  if (plan.unshare_flags && unshare(plan.unshare_flags) != 0) Fail(PHASE_UNSHARE, 0);

  if (plan.join_pid) {
    // setns(CLONE_NEWPID) only moves our children. CLONE_PARENT makes the
    // real init a child of the runtime, which can then reap it.
    long pid = syscall(SYS_clone, CLONE_PARENT, 0, nullptr, nullptr, 0);
    if (pid < 0) Fail(PHASE_FORK, 0);
    if (pid > 0) {
      Report r = {REPORT_PID, 0, 0, 0, static_cast<int>(pid)};
      Send(r);
      _exit(0);
    }
    // The state texts named our parent: the runtime sends them again with our pid.
    memset(messages, 0, plan.messages.size());
    Receive(messages, plan.messages.size() - 1);
  }

  if (plan.runtime_hooks) {
    // prestart and createRuntime hooks run in the runtime, seeing our namespaces.
    Report r = {REPORT_HOOKS, 0, 0, 0, 0};
    Send(r);
    char resume;
    Receive(&resume, 1);
  }

  if (setsid() < 0) Fail(PHASE_SETSID, 0);
  if (plan.keyring && JoinKeyring(plan.keyring) != 0) Fail(PHASE_KEYRING, 0);

  // The rootfs program, with the createContainer hooks just before pivot_root
  // and the terminal (/dev/console) at its marker, before what turns read-only.
  size_t pivot = plan.steps.size(), terminal = plan.steps.size();
  for (size_t i = 0; i < plan.steps.size(); i++) {
    if (plan.steps[i].op == OP_PIVOT) pivot = i;
    if (plan.steps[i].op == OP_TERMINAL) terminal = i;
  }
  RootState root{plan.rootfs};
  int failed = RunSteps(plan, 0, pivot, root);
  if (failed >= 0) Fail(PHASE_STEP, failed);
  RunHooks(plan, plan.create_container_hooks, PHASE_HOOK_CREATE, 0);
  failed = RunSteps(plan, pivot, terminal, root);
  if (failed >= 0) Fail(PHASE_STEP, failed);
  SetupTerminal(plan);
  failed = RunSteps(plan, terminal, plan.steps.size(), root);
  if (failed >= 0) Fail(PHASE_STEP, failed);
  root.Reset();
  ApplyPreStartAttributes(plan);
  // Without no_new_privs, loading a filter needs CAP_SYS_ADMIN: before the
  // user switch. With it, as late as possible, so the filter sees only the program.
  if (!plan.no_new_privs) ApplySeccomp(plan);
  SwitchUser(plan);

  int exe = FindExecutable(plan);
  if (exe < 0) Fail(PHASE_EXEC_LOOKUP, 0);

  Report ready = {REPORT_READY, 0, 0, 0, 0};
  Send(ready);

  if (plan.state_dir_fd >= 0 && WaitForStart(plan.state_dir_fd) != 0) Fail(PHASE_FIFO, 0);
  if (plan.no_new_privs) ApplySeccomp(plan);
  RunHooks(plan, plan.start_container_hooks, PHASE_HOOK_START, 1);

  umask(static_cast<mode_t>(plan.umask));
  if (SetupStdio(plan) != 0) Fail(PHASE_STDIO, 0);
  // Nothing of the runtime's reaches the program but stdio and preserved fds.
  syscall(SYS_close_range, 3 + plan.preserve_fds, ~0U, CLOSE_RANGE_CLOEXEC);

  execve(plan.exec_candidates[static_cast<size_t>(exe)], plan.argv.data(), plan.envp.data());
  Fail(PHASE_EXEC, 0);
}

}  // namespace tsrun
