// The process attributes of the container's init: rlimits, scheduling,
// user and capabilities, seccomp, the terminal, and the hooks the init runs
// itself. Child-side code: async-signal-safe calls only (see init.cc).
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "child.h"

namespace tsrun {
namespace {

// Sends fd with SCM_RIGHTS and a text payload (runc sends the pty's name).
int SendFd(int socket, int fd, const char* text, size_t len) {
  char control[CMSG_SPACE(sizeof(int))] = {};
  struct iovec iov = {const_cast<char*>(text), len};
  struct msghdr msg = {};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  struct cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &fd, sizeof fd);
  ssize_t n;
  do n = sendmsg(socket, &msg, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  return n < 0 ? -1 : 0;
}

void Itoa(char* out, unsigned v) {
  char digits[16];
  int n = 0;
  do digits[n++] = static_cast<char>('0' + v % 10);
  while ((v /= 10) > 0);
  while (n > 0) *out++ = digits[--n];
  *out = '\0';
}

// The message of index i in plan.messages (NUL-separated), or "".
const char* Message(const Plan& plan, int i) {
  const char* p = plan.messages.data();
  const char* end = p + plan.messages.size();
  for (; i > 0 && p < end; i--) p += strlen(p) + 1;
  return p < end ? p : "";
}

// Stdio that is a terminal or a pipe must be usable by the container's user.
// The owner only, as runc: a pty keeps the group devpts gives it (tty, gid=5).
void FixStdioOwner(const Plan& plan) {
  for (int fd = 0; fd < 3; fd++) {
    struct stat st;
    if (fstat(fd, &st) != 0) continue;
    if (S_ISCHR(st.st_mode) && major(st.st_rdev) == 1 && minor(st.st_rdev) == 3) continue;  // /dev/null
    if (st.st_uid == plan.uid) continue;
    fchown(fd, plan.uid, static_cast<gid_t>(-1));  // best effort, as runc
  }
}

}  // namespace

int SetIds(bool set_groups, size_t ngroups, const gid_t* groups, uid_t uid, gid_t gid) {
  if (set_groups && syscall(SYS_setgroups, ngroups, groups) != 0) Fail(PHASE_USER, 0);
  if (syscall(SYS_setresgid, gid, gid, gid) != 0) Fail(PHASE_USER, 1);
  if (syscall(SYS_setresuid, uid, uid, uid) != 0) Fail(PHASE_USER, 2);
  return 0;
}

int ApplyPreStartAttributes(const Plan& plan) {
  for (size_t i = 0; i < plan.rlimits.size(); i++) {
    const Rlimit& r = plan.rlimits[i];
    unsigned long long lim[2] = {r.soft, r.hard};
    if (syscall(SYS_prlimit64, 0, r.resource, lim, nullptr) != 0) Fail(PHASE_RLIMIT, static_cast<int>(i));
  }
  if (plan.personality >= 0 && personality(static_cast<unsigned long>(plan.personality)) < 0) Fail(PHASE_PERSONALITY, 0);
  if (plan.ioprio >= 0 && syscall(SYS_ioprio_set, 1 /* IOPRIO_WHO_PROCESS */, 0, plan.ioprio) != 0) Fail(PHASE_IOPRIO, 0);
  if (plan.set_scheduler) {
    SchedAttr attr = plan.scheduler;
    attr.size = sizeof attr;
    if (syscall(SYS_sched_setattr, 0, &attr, 0) != 0) Fail(PHASE_SCHEDULER, 0);
  }
  if (plan.no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) Fail(PHASE_NNP, 0);
  return 0;
}

int SwitchUser(const Plan& plan) {
  if (plan.set_caps) {
    // The bounding set can only shrink, and only while CAP_SETPCAP is ours.
    for (int cap = 0; cap <= plan.cap_last; cap++) {
      if (!(plan.cap_bounding & (1ULL << cap)) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EINVAL)
        Fail(PHASE_CAPS, 0);
    }
    if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0) Fail(PHASE_CAPS, 1);
  }
  FixStdioOwner(plan);
  SetIds(plan.set_groups, plan.groups.size(), plan.groups.data(), plan.uid, plan.gid);
  if (!plan.set_caps) return 0;
  if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) != 0) Fail(PHASE_CAPS, 1);

  struct __user_cap_header_struct header = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct data[2] = {};
  for (int i = 0; i < 2; i++) {
    data[i].effective = static_cast<__u32>(plan.cap_effective >> (32 * i));
    data[i].permitted = static_cast<__u32>(plan.cap_permitted >> (32 * i));
    data[i].inheritable = static_cast<__u32>(plan.cap_inheritable >> (32 * i));
  }
  if (syscall(SYS_capset, &header, data) != 0) Fail(PHASE_CAPS, 2);
  for (int cap = 0; cap <= plan.cap_last; cap++) {
    // An ambient capability needs it permitted and inheritable; runc only warns.
    if (plan.cap_ambient & (1ULL << cap)) prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0);
  }
  return 0;
}

int ApplySeccomp(const Plan& plan) {
  if (plan.seccomp_program.empty()) return 0;
  struct sock_fprog prog;
  prog.len = static_cast<unsigned short>(plan.seccomp_program.size() / sizeof(struct sock_filter));
  prog.filter = reinterpret_cast<struct sock_filter*>(const_cast<char*>(plan.seccomp_program.data()));
  long fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, plan.seccomp_flags, &prog);
  if (fd < 0) Fail(PHASE_SECCOMP, 0);
  if (plan.seccomp_flags & SECCOMP_FILTER_FLAG_NEW_LISTENER) {
    // The agent at listenerPath gets the notify fd and the container's state.
    const char* state = Message(plan, 2);
    if (SendFd(plan.seccomp_listener_fd, static_cast<int>(fd), state, strlen(state)) != 0) Fail(PHASE_SECCOMP, 1);
    close(static_cast<int>(fd));
    close(plan.seccomp_listener_fd);
  }
  return 0;
}

int SetupTerminal(const Plan& plan) {
  if (!plan.terminal) return 0;
  // The pty comes from the container's own devpts (/dev/ptmx -> pts/ptmx).
  int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0) Fail(PHASE_TERMINAL, 0);
  int unlock = 0;
  unsigned int n = 0;
  if (ioctl(master, TIOCSPTLCK, &unlock) != 0 || ioctl(master, TIOCGPTN, &n) != 0) Fail(PHASE_TERMINAL, 0);
  char path[32] = "/dev/pts/";
  Itoa(path + 9, n);
  int slave = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (slave < 0) Fail(PHASE_TERMINAL, 0);
  if (plan.console_rows || plan.console_cols) {
    struct winsize ws = {plan.console_rows, plan.console_cols, 0, 0};
    if (ioctl(master, TIOCSWINSZ, &ws) != 0) Fail(PHASE_TERMINAL, 0);
  }
  // /dev/console is the pty, as in runc.
  int console = open("/dev/console", O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0666);
  if (console >= 0) close(console);
  if (mount(path, "/dev/console", nullptr, MS_BIND, nullptr) != 0) Fail(PHASE_TERMINAL, 1);

  static const char name[] = "/dev/ptmx";
  if (SendFd(plan.console_socket_fd, master, name, sizeof name - 1) != 0) Fail(PHASE_TERMINAL, 2);
  close(master);
  close(plan.console_socket_fd);
  for (int fd = 0; fd < 3; fd++) {
    if (dup2(slave, fd) < 0) Fail(PHASE_TERMINAL, 3);
  }
  if (slave > 2) close(slave);
  if (ioctl(0, TIOCSCTTY, 0) != 0) Fail(PHASE_TERMINAL, 3);
  return 0;
}

int RunHooks(const Plan& plan, const std::vector<Hook>& hooks, int phase, int message) {
  const char* state = Message(plan, message);
  size_t len = strlen(state);
  // A hook that exits without reading its stdin must not kill us by SIGPIPE.
  struct sigaction ign = {}, dfl = {};
  ign.sa_handler = SIG_IGN;
  dfl.sa_handler = SIG_DFL;
  sigaction(SIGPIPE, &ign, nullptr);
  for (size_t i = 0; i < hooks.size(); i++) {
    const Hook& h = hooks[i];
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0) Fail(phase, static_cast<int>(i));
    long pid = syscall(SYS_clone, SIGCHLD, 0, nullptr, nullptr, 0);
    if (pid < 0) Fail(phase, static_cast<int>(i));
    if (pid == 0) {
      sigaction(SIGPIPE, &dfl, nullptr);
      if (dup2(p[0], 0) < 0) _exit(127);
      // Stdio only: none of the init's fds (the cgroup, the state dir, ...).
      syscall(SYS_close_range, 3, ~0U, 0);
      if (h.cwd && chdir(h.cwd) != 0) _exit(127);
      execve(h.path, h.argv.data(), h.envp.data());
      _exit(127);
    }
    close(p[0]);
    WriteAll(p[1], state, len);
    close(p[1]);
    long pidfd = syscall(SYS_pidfd_open, pid, 0);
    if (pidfd >= 0 && h.timeout > 0) {
      struct pollfd pfd = {static_cast<int>(pidfd), POLLIN, 0};
      int r;
      do r = poll(&pfd, 1, h.timeout * 1000);
      while (r < 0 && errno == EINTR);
      if (r == 0) {
        kill(static_cast<pid_t>(pid), SIGKILL);
        waitpid(static_cast<pid_t>(pid), nullptr, 0);
        errno = ETIMEDOUT;
        Fail(phase, static_cast<int>(i));
      }
    }
    if (pidfd >= 0) close(static_cast<int>(pidfd));
    int status = 0;
    while (waitpid(static_cast<pid_t>(pid), &status, 0) < 0 && errno == EINTR) {
    }
    if (status != 0) FailStatus(phase, static_cast<int>(i), status);
  }
  sigaction(SIGPIPE, &dfl, nullptr);
  return 0;
}

}  // namespace tsrun
