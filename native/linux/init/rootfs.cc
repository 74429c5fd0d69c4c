// Rootfs operations of the container's init: the step program that lib/linux
// composes (mounts, device nodes, links, pivot_root, masks). Child-side code:
// async-signal-safe calls only (see init.cc).
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <string.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <linux/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "child.h"

namespace tsrun {
namespace {

// "/proc/self/fd/N": how mount(2) and friends reach an fd found safely.
}  // namespace

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

namespace {

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

// Walks path inside rootfd one component at a time, as runc's securejoin
// does: a symlink is followed by hand (an absolute one restarts at rootfd,
// ".." never climbs above it), and missing components are created, the last
// one as `create` says. So a link's target is made inside the root, never
// outside it.
int WalkInRoot(int rootfd, const char* path, int create) {
  char buf[2 * PATH_MAX];  // what is left to walk; a link's target is spliced in front
  size_t len = strlen(path);
  if (len >= sizeof buf) {
    errno = ENAMETOOLONG;
    return -1;
  }
  memcpy(buf, path, len + 1);
  size_t pos = 0;
  int depth = 0;  // components below rootfd
  int links = 0;
  int cur = openat(rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
  auto fail = [&](int next) {
    int e = errno;
    if (next >= 0) close(next);
    close(cur);
    errno = e;
    return -1;
  };
  while (cur >= 0) {
    while (buf[pos] == '/') pos++;
    if (buf[pos] == '\0') return cur;
    size_t start = pos;
    while (buf[pos] != '\0' && buf[pos] != '/') pos++;
    size_t n = pos - start;
    if (n > NAME_MAX) {
      errno = ENAMETOOLONG;
      return fail(-1);
    }
    char name[NAME_MAX + 1];
    memcpy(name, buf + start, n);
    name[n] = '\0';
    size_t rest = pos;
    while (buf[rest] == '/') rest++;
    bool last = buf[rest] == '\0';

    if (strcmp(name, ".") == 0) continue;
    if (strcmp(name, "..") == 0) {
      if (depth == 0) continue;
      int up = openat(cur, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
      if (up < 0) return fail(-1);
      close(cur);
      cur = up;
      depth--;
      continue;
    }
    int next = openat(cur, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (next < 0 && errno == ENOENT && create != CREATE_NONE) {
      int r;
      if (last && create == CREATE_FILE) {
        r = openat(cur, name, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0755);
        if (r >= 0) close(r);
      } else {
        r = mkdirat(cur, name, 0755);
      }
      if (r < 0 && errno != EEXIST) return fail(-1);
      next = openat(cur, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    }
    if (next < 0) return fail(-1);
    struct stat st;
    if (fstat(next, &st) != 0) return fail(next);
    if (!S_ISLNK(st.st_mode)) {
      close(cur);
      cur = next;
      depth++;
      continue;
    }
    if (++links > 40) {
      errno = ELOOP;
      return fail(next);
    }
    char target[PATH_MAX];
    ssize_t t = readlinkat(next, "", target, sizeof target - 1);
    if (t <= 0) return fail(next);
    close(next);
    size_t restlen = strlen(buf + pos);
    if (static_cast<size_t>(t) + 1 + restlen >= sizeof buf) {
      errno = ENAMETOOLONG;
      return fail(-1);
    }
    memmove(buf + t + 1, buf + pos, restlen + 1);
    memcpy(buf, target, static_cast<size_t>(t));
    buf[t] = '/';
    pos = 0;
    if (target[0] == '/') {
      close(cur);
      cur = openat(rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
      depth = 0;
    }
  }
  return -1;
}

// Opens path inside rootfd (O_PATH), creating what is missing.
int OpenInRoot(int rootfd, const char* path, int create) {
  int fd = OpenInRootOnce(rootfd, path);
  if (fd >= 0 || errno != ENOENT || create == CREATE_NONE) return fd;
  return WalkInRoot(rootfd, path, create);
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

// One line of /proc/self/mountinfo, the fields HideHostProcfs needs.
struct MountLine {
  long id = 0;
  bool whole = false;         // its root is the filesystem's root ("/")
  char point[PATH_MAX] = {};  // unescaped
  char fstype[32] = {};
};

// Reads mountinfo line by line through a small buffer (a line can be long:
// overlay options), keeping only id, root, mount point and fstype.
class MountinfoReader {
 public:
  MountinfoReader() : fd_(open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC)) {}
  ~MountinfoReader() {
    if (fd_ >= 0) close(fd_);
  }
  bool ok() const { return fd_ >= 0; }
  // From the top again, as the mounts are now (the file stays readable after
  // its /proc is detached).
  bool Rewind() {
    pos_ = end_ = 0;
    return lseek(fd_, 0, SEEK_SET) == 0;
  }

  // false at the end of the file (or on a read error, with errno set).
  bool Next(MountLine& m) {
    m = MountLine{};
    int field = 0;        // 0 id, 1 parent, 2 dev, 3 root, 4 mount point, ...; -1 after " - "
    size_t len = 0;       // of the current field's copy
    char root[2] = {};
    bool separator = false;
    for (;;) {
      int c = Get();
      if (c < 0) return false;
      if (c == '\n') return true;
      if (c == ' ') {
        if (field == 4) m.point[len < sizeof m.point ? len : sizeof m.point - 1] = '\0';
        if (field == 3) m.whole = len == 1 && root[0] == '/';
        if (separator) {
          field = -1;
          separator = false;
        } else if (field >= 0) {
          field++;
        } else {
          field--;
        }
        len = 0;
        continue;
      }
      if (field == 0) m.id = m.id * 10 + (c - '0');
      if (field == 3 && len < sizeof root) root[len] = static_cast<char>(c);
      if (field == 4) {
        if (c == '\\') c = Octal();
        if (len < sizeof m.point - 1) m.point[len] = static_cast<char>(c);
      }
      if (field >= 6 && len == 0 && c == '-') separator = true;
      else if (field >= 6) separator = false;
      if (field == -1 && len < sizeof m.fstype - 1) m.fstype[len] = static_cast<char>(c);
      len++;
    }
  }

 private:
  int Get() {
    if (pos_ == end_) {
      ssize_t n;
      do n = read(fd_, buf_, sizeof buf_);
      while (n < 0 && errno == EINTR);
      if (n <= 0) return -1;
      pos_ = 0;
      end_ = static_cast<size_t>(n);
    }
    return static_cast<unsigned char>(buf_[pos_++]);
  }
  // "\040": the kernel escapes space, tab, newline and backslash.
  int Octal() {
    int v = 0;
    for (int i = 0; i < 3; i++) {
      int d = Get();
      if (d < '0' || d > '7') return '?';
      v = v * 8 + (d - '0');
    }
    return v;
  }
  int fd_;
  char buf_[4096];
  size_t pos_ = 0, end_ = 0;
};

bool Under(const char* path, const char* dir) {
  size_t n = strlen(dir);
  while (n > 1 && dir[n - 1] == '/') n--;
  return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

// --no-pivot leaves the old root in the mount namespace. A whole procfs or
// sysfs mount there would let the container mount a fresh one in a new user
// namespace (the kernel allows it when one is fully visible): detach each
// one outside the rootfs, or cover it with a tmpfs where that is refused,
// as runc does.
int HideHostProcfs(const char* rootfs) {
  long done[64];
  size_t ndone = 0;
  MountinfoReader r;
  if (!r.ok()) return -1;
  for (;;) {
    if (!r.Rewind()) return -1;
    MountLine m;
    bool found = false;
    errno = 0;
    while (!found && r.Next(m)) {
      if (!m.whole || (strcmp(m.fstype, "proc") != 0 && strcmp(m.fstype, "sysfs") != 0)) continue;
      if (Under(m.point, rootfs)) continue;
      found = true;
      for (size_t i = 0; i < ndone; i++) found = found && done[i] != m.id;
    }
    if (!found) return errno == 0 ? 0 : -1;
    if (ndone == sizeof done / sizeof done[0]) {
      errno = E2BIG;
      return -1;
    }
    done[ndone++] = m.id;
    // rslave first: the unmount must not propagate to the host.
    if (mount("", m.point, nullptr, MS_SLAVE | MS_REC, nullptr) != 0) {
      if (errno == ENOENT) continue;  // under one detached already
      return -1;
    }
    if (umount2(m.point, MNT_DETACH) == 0) continue;
    if (errno != EINVAL && errno != EPERM) return -1;
    if (mount("tmpfs", m.point, "tmpfs", 0, nullptr) != 0) return -1;
  }
}

int PivotRoot(const char* rootfs, int mode) {
  if (mode == PIVOT_CHROOT) {
    if (chdir(rootfs) != 0 || chroot(".") != 0) return -1;
    return chdir("/");
  }
  if (mode == PIVOT_MOVE) {
    // --no-pivot: for a rootfs on a filesystem where pivot_root cannot work.
    if (HideHostProcfs(rootfs) != 0) return -1;
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

}  // namespace

int WriteAll(int fd, const char* data, size_t len) {
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

namespace {

// Copies the tree under src into dst (both directory fds): regular files,
// directories, symlinks, with owner and mode. For tmpcopyup: a tmpfs that
// covers an image directory starts with its content. No allocation: a
// getdents buffer and names on the stack, depth bounded.
int CopyTree(int src, int dst, int depth) {
  if (depth > 32) {
    errno = ELOOP;
    return -1;
  }
  char buf[4096];
  for (;;) {
    long n = syscall(SYS_getdents64, src, buf, sizeof buf);
    if (n < 0) return -1;
    if (n == 0) return 0;
    for (long off = 0; off < n;) {
      struct linux_dirent64 {
        unsigned long long d_ino;
        long long d_off;
        unsigned short d_reclen;
        unsigned char d_type;
        char d_name[1];
      };
      auto* d = reinterpret_cast<linux_dirent64*>(buf + off);
      off += d->d_reclen;
      const char* name = d->d_name;
      if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) continue;
      struct stat st;
      if (fstatat(src, name, &st, AT_SYMLINK_NOFOLLOW) != 0) return -1;
      int rc = 0;
      if (S_ISDIR(st.st_mode)) {
        if (mkdirat(dst, name, st.st_mode & 07777) != 0 && errno != EEXIST) return -1;
        int s2 = openat(src, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        int d2 = openat(dst, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        rc = s2 >= 0 && d2 >= 0 ? CopyTree(s2, d2, depth + 1) : -1;
        int e = errno;
        if (s2 >= 0) close(s2);
        if (d2 >= 0) close(d2);
        errno = e;
      } else if (S_ISLNK(st.st_mode)) {
        char target[PATH_MAX];
        ssize_t t = readlinkat(src, name, target, sizeof target - 1);
        if (t < 0) return -1;
        target[t] = '\0';
        rc = symlinkat(target, dst, name);
      } else if (S_ISREG(st.st_mode)) {
        int in = openat(src, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        int out = openat(dst, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, st.st_mode & 07777);
        rc = in >= 0 && out >= 0 ? 0 : -1;
        while (rc == 0) {
          char chunk[8192];
          ssize_t r = read(in, chunk, sizeof chunk);
          if (r <= 0) {
            rc = r < 0 ? -1 : 0;
            break;
          }
          if (WriteAll(out, chunk, static_cast<size_t>(r)) != 0) rc = -1;
        }
        int e = errno;
        if (in >= 0) close(in);
        if (out >= 0) close(out);
        errno = e;
      } else {
        continue;  // devices, fifos, sockets: not copied, as crun
      }
      if (rc != 0) return -1;
      fchownat(dst, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW);
    }
  }
}

// Runs one step; returns -1 with errno set on failure.
int RunStep(const Step& s, RootState& root, const Plan& plan) {
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
    case OP_MOUNT: {
      // A tmpfs takes the mode of a directory it covers, as under runc; one
      // on a directory made for it keeps its mode= option.
      struct stat before;
      bool keep = false;
      if (s.keep_mode && in_root) {
        int probe = OpenInRoot(root.Get(), s.target, CREATE_NONE);
        keep = probe >= 0 && fstat(probe, &before) == 0;
        if (probe >= 0) close(probe);
      }
      if (resolve(s.create) != 0) return done(-1);
      // tmpcopyup: keep a handle on what the tmpfs is about to cover.
      int covered = s.copy_up ? openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
      if (s.copy_up && covered < 0) return done(-1);
      if (s.copy_up) {
        if (mount(s.source, target, s.fstype, s.flags, s.data) != 0) {
          int e = errno;
          close(covered);
          errno = e;
          return done(-1);
        }
        done(0);
        int rc = resolve(CREATE_NONE);
        int top = rc == 0 ? openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
        rc = top >= 0 ? CopyTree(covered, top, 0) : -1;
        int e = errno;
        close(covered);
        if (top >= 0) close(top);
        errno = e;
        if (rc != 0) return done(-1);
        if (!keep) return done(0);
        return done(chmod(target, before.st_mode & 07777));
      }
      if (s.tree_fd >= 0) {
        // An id-mapped tree tsrun-init made: moved into place by fd (move_mount
        // does not follow a /proc/self/fd link).
        int rc = static_cast<int>(syscall(SYS_move_mount, s.tree_fd, "", fd, "",
                                          MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH));
        if (rc != 0 && errno == EPERM) {
          // In a user namespace the detached tree cannot be moved in: bind it.
          char tree[64];
          FdPath(tree, s.tree_fd);
          rc = mount(tree, target, nullptr, MS_BIND | (s.flags & MS_REC), nullptr);
        }
        return done(rc);
      }
      if (mount(s.source, target, s.fstype, s.flags, s.data) != 0) return done(-1);
      if (!in_root) root.Reset();
      done(0);
      if (!keep) return 0;
      if (resolve(CREATE_NONE) != 0) return done(-1);
      return done(chmod(target, before.st_mode & 07777));
    }
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
                                  : mknodat(fd, base, s.mode, makedev(s.major, s.minor));
      if (rc != 0 && errno != EEXIST) return done(-1);
      if (s.op == OP_MKNOD && fchownat(fd, base, s.uid, s.gid, AT_SYMLINK_NOFOLLOW) != 0)
        return done(-1);
      return done(0);
    }
    case OP_PIVOT:
      root.Reset();
      if (PivotRoot(s.target, s.pivot) != 0) return -1;
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
      // only_create: before the root turns read-only.
      if (resolve(CREATE_DIR) != 0) return done(-1);
      if (s.only_create) return done(0);
      if (in_root) return done(fchdir(fd));
      return chdir(target);
    case OP_LOOPBACK: {
      int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
      if (sock < 0) return -1;
      struct ifreq ifr = {};
      memcpy(ifr.ifr_name, "lo", 3);
      int rc = ioctl(sock, SIOCGIFFLAGS, &ifr);
      if (rc == 0) {
        ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP);
        rc = ioctl(sock, SIOCSIFFLAGS, &ifr);
      }
      int e = errno;
      close(sock);
      errno = e;
      return rc;
    }
    case OP_SET_ATTR: {
      if (resolve(CREATE_NONE) != 0) return done(-1);
      struct mount_attr attr = {};
      attr.attr_set = s.flags;
      attr.attr_clr = s.clear;
      return done(static_cast<int>(syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | AT_RECURSIVE,
                                           &attr, sizeof attr)));
    }
    case OP_TERMINAL:
      return 0;  // init.cc sets the terminal up between the steps around it
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

}  // namespace

int RunSteps(const Plan& plan, size_t from, size_t to, RootState& root) {
  for (size_t i = from; i < to; i++) {
    if (RunStep(plan.steps[i], root, plan) != 0) return static_cast<int>(i);
  }
  return -1;
}

}  // namespace tsrun
