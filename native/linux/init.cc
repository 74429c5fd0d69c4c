// The container's init between clone() and execve(). It runs in a child of the
// multi-threaded Node process, so it uses only async-signal-safe calls: raw
// syscalls, stack buffers, and the plan that was built before the fork.
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <grp.h>
#include <limits.h>
#include <linux/keyctl.h>

#include "plan.h"

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

[[noreturn]] void Fail(int phase, int index) {
  Report r = {REPORT_ERROR, phase, index, errno, 0};
  Send(r);
  _exit(1);
}

// "/proc/self/fd/N": how mount(2) and friends reach an fd found safely.
void FdPath(char* buf, int fd) {
  static const char prefix[] = "/proc/self/fd/";
  memcpy(buf, prefix, sizeof prefix - 1);
  char digits[16];
  int n = 0;
  do digits[n++] = static_cast<char>('0' + fd % 10);
  while ((fd /= 10) > 0);
  char* p = buf + sizeof prefix - 1;
  while (n > 0) *p++ = digits[--n];
  *p = '\0';
}

int OpenInRootOnce(int rootfd, const char* path) {
  struct open_how how = {};
  how.flags = O_PATH | O_CLOEXEC;
  // Symlinks resolve as if rootfd were "/": a link can never lead outside.
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  long fd;
  do fd = syscall(SYS_openat2, rootfd, path, &how, sizeof how);
  while (fd < 0 && errno == EAGAIN);
  return static_cast<int>(fd);
}

// Opens path inside rootfd (O_PATH), creating missing components as
// directories and the last one as `create` says.
int OpenInRoot(int rootfd, const char* path, int create) {
  int fd = OpenInRootOnce(rootfd, path);
  if (fd >= 0 || errno != ENOENT || create == CREATE_NONE) return fd;

  size_t len = strlen(path);
  if (len >= PATH_MAX) {
    errno = ENAMETOOLONG;
    return -1;
  }
  char prefix[PATH_MAX];
  int parent = OpenInRootOnce(rootfd, "/");
  if (parent < 0) return -1;
  size_t i = 0;
  for (;;) {
    while (path[i] == '/') i++;
    if (path[i] == '\0') return parent;
    size_t start = i;
    while (path[i] != '\0' && path[i] != '/') i++;
    size_t end = i;
    while (path[i] == '/') i++;
    bool last = path[i] == '\0';

    memcpy(prefix, path, end);
    prefix[end] = '\0';
    int next = OpenInRootOnce(rootfd, prefix);
    if (next < 0 && errno == ENOENT) {
      char name[NAME_MAX + 1];
      size_t n = end - start;
      if (n > NAME_MAX) n = NAME_MAX;
      memcpy(name, path + start, n);
      name[n] = '\0';
      int r;
      if (last && create == CREATE_FILE) {
        r = openat(parent, name, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (r >= 0) close(r);
      } else {
        r = mkdirat(parent, name, 0755);
      }
      if (r < 0 && errno != EEXIST) {
        int e = errno;
        close(parent);
        errno = e;
        return -1;
      }
      next = OpenInRootOnce(rootfd, prefix);
    }
    int e = errno;
    close(parent);
    if (next < 0) {
      errno = e;
      return -1;
    }
    parent = next;
  }
}

// Splits "/a/b/c" into the parent fd (created as needed) and "c".
int OpenParentInRoot(int rootfd, const char* path, char* base) {
  const char* slash = strrchr(path, '/');
  const char* name = slash ? slash + 1 : path;
  size_t n = strlen(name);
  if (n == 0 || n > NAME_MAX) {
    errno = EINVAL;
    return -1;
  }
  memcpy(base, name, n + 1);
  char dir[PATH_MAX];
  size_t dlen = slash ? static_cast<size_t>(slash - path) : 0;
  if (dlen >= sizeof dir) {
    errno = ENAMETOOLONG;
    return -1;
  }
  memcpy(dir, path, dlen);
  dir[dlen] = '\0';
  return OpenInRoot(rootfd, dlen ? dir : "/", CREATE_DIR);
}

// The flags a remount must keep: in a user namespace the kernel refuses to
// clear nosuid, nodev, noexec or atime flags that were locked.
unsigned long LockedFlags(const char* path) {
  struct statvfs st;
  if (statvfs(path, &st) != 0) return 0;
  unsigned long flags = 0;
  if (st.f_flag & ST_NOSUID) flags |= MS_NOSUID;
  if (st.f_flag & ST_NODEV) flags |= MS_NODEV;
  if (st.f_flag & ST_NOEXEC) flags |= MS_NOEXEC;
  if (st.f_flag & ST_NOATIME) flags |= MS_NOATIME;
  if (st.f_flag & ST_NODIRATIME) flags |= MS_NODIRATIME;
  if (st.f_flag & ST_RELATIME) flags |= MS_RELATIME;
  return flags;
}

int Remount(const char* path, unsigned long flags) {
  if (mount("", path, nullptr, flags | MS_REMOUNT, nullptr) == 0) return 0;
  if (errno != EPERM) return -1;
  return mount("", path, nullptr, flags | MS_REMOUNT | LockedFlags(path), nullptr);
}

// The root that ROOT_CONTAINER targets resolve in. Reopened after a host-side
// mount so that it sees the rootfs bind mount, and after pivot_root.
struct Root {
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

int PivotRoot(const char* rootfs, bool move) {
  if (move) {
    // --no-pivot: for a rootfs on a filesystem where pivot_root cannot work.
    if (chdir(rootfs) != 0) return -1;
    if (mount(rootfs, "/", nullptr, MS_MOVE, nullptr) != 0) return -1;
    if (chroot(".") != 0) return -1;
    return chdir("/");
  }
  int oldroot = open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  if (oldroot < 0) return -1;
  int newroot = open(rootfs, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  if (newroot < 0) return -1;
  // pivot_root(".", ".") stacks the old root on the new one; detaching it
  // then leaves only the container's tree, with no directory to hold it.
  if (fchdir(newroot) != 0) return -1;
  if (syscall(SYS_pivot_root, ".", ".") != 0) return -1;
  if (fchdir(oldroot) != 0) return -1;
  if (mount("", ".", nullptr, MS_SLAVE | MS_REC, nullptr) != 0) return -1;
  if (umount2(".", MNT_DETACH) != 0) return -1;
  close(oldroot);
  close(newroot);
  return chdir("/");
}

int WriteAll(int fd, const char* data) {
  size_t len = strlen(data);
  while (len > 0) {
    ssize_t n = write(fd, data, len);
    if (n < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    data += n;
    len -= static_cast<size_t>(n);
  }
  return 0;
}

// Runs one step; returns -1 with errno set on failure.
int RunStep(const Step& s, Root& root, const Plan& plan) {
  char fdpath[64];
  int fd = -1;
  const char* target = s.target;
  bool in_root = s.root == ROOT_CONTAINER;

  auto resolve = [&](int create) -> int {
    if (!in_root) return 0;
    int rootfd = root.Get();
    if (rootfd < 0) return -1;
    fd = OpenInRoot(rootfd, s.target, create);
    if (fd < 0) return -1;
    FdPath(fdpath, fd);
    target = fdpath;
    return 0;
  };
  auto done = [&](int rc) {
    int e = errno;
    if (fd >= 0) close(fd);
    fd = -1;
    errno = e;
    if (rc != 0 && s.optional && errno == ENOENT) return 0;
    return rc;
  };

  switch (s.op) {
    case OP_MOUNT:
      if (resolve(s.create) != 0) return done(-1);
      if (mount(s.source, target, s.fstype, s.flags, s.data) != 0) return done(-1);
      if (!in_root) root.Reset();
      return done(0);
    case OP_REMOUNT:
      if (resolve(CREATE_NONE) != 0) return done(-1);
      return done(Remount(target, s.flags));
    case OP_PROPAGATION:
      if (resolve(CREATE_NONE) != 0) return done(-1);
      return done(mount("", target, nullptr, s.flags, nullptr));
    case OP_PRIVATE_PARENT: {
      // Walk up from the rootfs to the mount point that holds it.
      char path[PATH_MAX];
      size_t len = strlen(s.target);
      if (len >= sizeof path) {
        errno = ENAMETOOLONG;
        return -1;
      }
      memcpy(path, s.target, len + 1);
      for (;;) {
        if (mount("", path, nullptr, MS_PRIVATE, nullptr) == 0) return 0;
        if (errno != EINVAL || strcmp(path, "/") == 0) return -1;
        char* slash = strrchr(path, '/');
        if (slash == path) path[1] = '\0';
        else *slash = '\0';
      }
    }
    case OP_MKNOD:
    case OP_SYMLINK: {
      char base[NAME_MAX + 1];
      fd = OpenParentInRoot(root.Get(), s.target, base);
      if (fd < 0) return done(-1);
      int rc = s.op == OP_SYMLINK ? symlinkat(s.source, fd, base)
                                  : mknodat(fd, base, s.mode, s.dev);
      if (rc != 0 && errno != EEXIST) return done(-1);
      if (s.op == OP_MKNOD && fchownat(fd, base, s.uid, s.gid, AT_SYMLINK_NOFOLLOW) != 0)
        return done(-1);
      return done(0);
    }
    case OP_PIVOT:
      root.Reset();
      if (PivotRoot(s.target, s.flags != 0) != 0) return -1;
      root.rootfs = "/";
      return 0;
    case OP_MASK: {
      if (resolve(CREATE_NONE) != 0) return done(-1);
      struct stat st;
      if (fstat(fd, &st) != 0) return done(-1);
      if (S_ISDIR(st.st_mode))
        return done(mount("tmpfs", target, "tmpfs", MS_RDONLY, nullptr));
      return done(mount("/dev/null", target, nullptr, MS_BIND, nullptr));
    }
    case OP_READONLY:
      if (resolve(CREATE_NONE) != 0) return done(-1);
      if (mount(target, target, nullptr, MS_BIND | MS_REC, nullptr) != 0) return done(-1);
      // Remount through a fresh lookup: the old fd is below the new mount.
      done(0);
      if (resolve(CREATE_NONE) != 0) return done(-1);
      return done(Remount(target, MS_BIND | MS_REC | MS_RDONLY));
    case OP_HOSTNAME:
      return sethostname(s.source, strlen(s.source));
    case OP_DOMAINNAME:
      return setdomainname(s.source, strlen(s.source));
    case OP_CHDIR:
      if (resolve(CREATE_DIR) != 0) return done(-1);
      if (in_root) return done(fchdir(fd));
      return chdir(target);
    case OP_WRITE_FILE: {
      if (resolve(CREATE_NONE) != 0) return done(-1);
      int wfd = open(target, O_WRONLY | O_CLOEXEC);
      if (wfd < 0) return done(-1);
      int rc = WriteAll(wfd, s.source);
      int e = errno;
      close(wfd);
      errno = e;
      return done(rc);
    }
  }
  (void)plan;
  errno = EINVAL;
  return -1;
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
    if (plan.stdio[i] == i) {
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

[[noreturn]] void RunInit(const Plan& plan, int sync_fd) {
  g_sync = sync_fd;

  // Node's handlers must never run here, and the program gets the default
  // dispositions (Node ignores SIGPIPE; a container must not).
  struct sigaction dfl = {};
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; sig++) {
    if (sig != SIGKILL && sig != SIGSTOP) sigaction(sig, &dfl, nullptr);
  }
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);

  // Device nodes and directories get exactly the modes the plan asks for.
  umask(0);

  // No other process may ptrace us or open /proc/<pid>/exe before execve.
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);

  // The parent says "go" once cgroups and id maps are in place.
  char go;
  ssize_t n;
  do n = read(sync_fd, &go, 1);
  while (n < 0 && errno == EINTR);
  if (n != 1) _exit(1);

  for (size_t i = 0; i < plan.joins.size(); i++) {
    if (setns(plan.joins[i].fd, plan.joins[i].nstype) != 0) Fail(PHASE_SETNS, static_cast<int>(i));
    close(plan.joins[i].fd);
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
  }

  if (setsid() < 0) Fail(PHASE_SETSID, 0);
  if (plan.keyring && JoinKeyring(plan.keyring) != 0) Fail(PHASE_KEYRING, 0);

  Root root{plan.rootfs};
  for (size_t i = 0; i < plan.steps.size(); i++) {
    if (RunStep(plan.steps[i], root, plan) != 0) Fail(PHASE_STEP, static_cast<int>(i));
  }
  root.Reset();

  int exe = FindExecutable(plan);
  if (exe < 0) Fail(PHASE_EXEC_LOOKUP, 0);

  Report ready = {REPORT_READY, 0, 0, 0, 0};
  Send(ready);

  if (plan.state_dir_fd >= 0 && WaitForStart(plan.state_dir_fd) != 0) Fail(PHASE_FIFO, 0);

  umask(static_cast<mode_t>(plan.umask));
  if (plan.set_groups && setgroups(plan.groups.size(), plan.groups.data()) != 0) Fail(PHASE_USER, 0);
  if (setresgid(plan.gid, plan.gid, plan.gid) != 0) Fail(PHASE_USER, 1);
  if (setresuid(plan.uid, plan.uid, plan.uid) != 0) Fail(PHASE_USER, 2);

  if (SetupStdio(plan) != 0) Fail(PHASE_STDIO, 0);
  // Nothing of the runtime's reaches the program but stdio and preserved fds.
  syscall(SYS_close_range, 3 + plan.preserve_fds, ~0U, CLOSE_RANGE_CLOEXEC);

  execve(plan.exec_candidates[static_cast<size_t>(exe)], plan.argv.data(), plan.envp.data());
  Fail(PHASE_EXEC, 0);
}

}  // namespace tsrun
