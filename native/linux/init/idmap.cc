// Id-mapped bind mounts (mounts[].uidMappings/gidMappings, "idmap"): each
// step's detached tree is made here, in tsrun-init, before the init is
// cloned: still in the host's namespaces, where the kernel grants
// MOUNT_ATTR_IDMAP. The init inherits the trees and moves them into place.
#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child.h"

namespace tsrun {
namespace {

int WriteFile(const char* path, const char* text) {
  int f = open(path, O_WRONLY | O_CLOEXEC);
  if (f < 0) return -1;
  int rc = WriteAll(f, text);
  int e = errno;
  close(f);
  errno = e;
  return rc;
}

// A new user namespace with these maps, as an fd: a child holds it while its
// maps are written and the fd is opened; it only blocks in read, then is killed.
int UsernsFd(const char* uid_map, const char* gid_map) {
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0) return -1;
  long pid = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, nullptr, nullptr, 0);
  if (pid == 0) {
    char c;
    while (read(p[0], &c, 1) < 0 && errno == EINTR) {
    }
    _exit(0);
  }
  int err = errno;
  close(p[0]);
  int fd = -1;
  if (pid > 0) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%ld/uid_map", pid);
    bool ok = WriteFile(path, uid_map) == 0;
    snprintf(path, sizeof path, "/proc/%ld/gid_map", pid);
    ok = ok && WriteFile(path, gid_map) == 0;
    snprintf(path, sizeof path, "/proc/%ld/ns/user", pid);
    if (ok) fd = open(path, O_RDONLY | O_CLOEXEC);
    err = errno;
    kill(static_cast<pid_t>(pid), SIGKILL);
    while (waitpid(static_cast<pid_t>(pid), nullptr, 0) < 0 && errno == EINTR) {
    }
  }
  close(p[1]);
  errno = err;
  return fd;
}

// The detached, id-mapped bind mount of s.source; stage: what failed.
int IdmappedTree(const Step& s, int* stage) {
  *stage = IDMAP_USERNS;
  int userns = UsernsFd(s.uid_map, s.gid_map);
  if (userns < 0) return -1;
  *stage = IDMAP_OPEN_TREE;
  unsigned int clone = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (s.idmap_recursive ? AT_RECURSIVE : 0);
  int tree = static_cast<int>(syscall(SYS_open_tree, AT_FDCWD, s.source, clone));
  if (tree >= 0) {
    *stage = IDMAP_SETATTR;
    struct mount_attr attr = {};
    attr.attr_set = MOUNT_ATTR_IDMAP;
    attr.userns_fd = static_cast<__u64>(userns);
    unsigned int at = AT_EMPTY_PATH | (s.idmap_recursive ? AT_RECURSIVE : 0);
    if (syscall(SYS_mount_setattr, tree, "", at, &attr, sizeof attr) != 0) {
      int e = errno;
      close(tree);
      tree = -1;
      errno = e;
    }
  }
  int e = errno;
  close(userns);
  errno = e;
  return tree;
}

}  // namespace

int MakeIdmappedTrees(Plan& plan, int* index, int* stage) {
  for (size_t i = 0; i < plan.steps.size(); i++) {
    Step& s = plan.steps[i];
    if (!s.uid_map) continue;
    s.tree_fd = IdmappedTree(s, stage);
    if (s.tree_fd < 0) {
      *index = static_cast<int>(i);
      return -1;
    }
  }
  return 0;
}

}  // namespace tsrun
