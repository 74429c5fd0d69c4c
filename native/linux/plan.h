// The container init plan: everything the child needs, decided by TypeScript
// and converted to plain memory BEFORE the fork. The child only reads it: no
// allocation, no locks, no V8 (the parent is multi-threaded).
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace tsrun {

// One rootfs operation. The list is ordered by TypeScript (lib/linux/plan.ts);
// its index is what an error report names.
enum StepOp : int {
  OP_MOUNT = 1,        // mount(source, target, fstype, flags, data)
  OP_REMOUNT,          // mount(NULL, target, NULL, flags | MS_REMOUNT, NULL), keeping locked flags
  OP_PROPAGATION,      // mount(NULL, target, NULL, flags, NULL)
  OP_PRIVATE_PARENT,   // make the mount holding target private (pivot_root needs it)
  OP_MKNOD,            // mknod(target, mode, dev) + chown(uid, gid)
  OP_SYMLINK,          // symlink(source, target)
  OP_PIVOT,            // pivot_root into target (flags != 0: MS_MOVE + chroot)
  OP_MASK,             // hide target: /dev/null over a file, read-only tmpfs over a dir
  OP_READONLY,         // bind target on itself read-only
  OP_HOSTNAME,         // sethostname(source)
  OP_DOMAINNAME,       // setdomainname(source)
  OP_CHDIR,            // chdir(target), creating it
  OP_WRITE_FILE,       // write source into the file target (e.g. /proc/self/timens_offsets)
};

// How a step resolves `target`.
enum StepRoot : int {
  ROOT_HOST = 0,       // an absolute host path, used as is
  ROOT_CONTAINER = 1,  // resolved inside the current root (rootfs before pivot, / after)
};

enum StepCreate : int {
  CREATE_NONE = 0,
  CREATE_DIR = 1,
  CREATE_FILE = 2,
};

struct Step {
  int op = 0;
  int root = ROOT_CONTAINER;
  int create = CREATE_NONE;
  bool optional = false;          // ENOENT on target is not an error
  const char* source = nullptr;
  const char* target = nullptr;
  const char* fstype = nullptr;
  const char* data = nullptr;
  unsigned long flags = 0;
  mode_t mode = 0;
  dev_t dev = 0;
  uid_t uid = 0;
  gid_t gid = 0;
};

struct JoinNamespace {
  int fd;
  int nstype;
};

struct Plan {
  const char* rootfs = nullptr;        // host path of the root filesystem
  int clone_flags = 0;                 // CLONE_NEW* created by clone()
  int unshare_flags = 0;               // created after "go": cgroup, time
  std::vector<JoinNamespace> joins;    // opened before the fork
  bool join_pid = false;               // a pid namespace joined: fork once more
  std::vector<Step> steps;
  std::vector<const char*> exec_candidates;  // absolute paths to try, in order
  std::vector<char*> argv;             // NULL-terminated
  std::vector<char*> envp;             // NULL-terminated
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;
  bool set_groups = true;
  int umask = 022;
  int stdio[3] = {0, 1, 2};
  int preserve_fds = 0;
  int state_dir_fd = -1;               // holds exec.fifo; -1: start at once
  const char* keyring = nullptr;       // session keyring name; nullptr: keep
  // Owns the bytes the pointers above point into.
  std::vector<std::string> strings;
};

// What the child writes on the sync socket.
enum ReportKind : int {
  REPORT_READY = 1,   // set up, waiting for start
  REPORT_ERROR = 2,   // failed; phase/index/err say where
  REPORT_PID = 3,     // the pid of the init forked after joining a pid namespace
};

// Where an error happened, when it is not a step.
enum Phase : int {
  PHASE_STEP = 1,     // index = step index
  PHASE_SYNC,
  PHASE_SETNS,        // index = join index
  PHASE_UNSHARE,
  PHASE_FORK,
  PHASE_SETSID,
  PHASE_EXEC_LOOKUP,  // no candidate is an executable file
  PHASE_FIFO,
  PHASE_USER,
  PHASE_KEYRING,
  PHASE_STDIO,
  PHASE_EXEC,
};

struct Report {
  int kind;
  int phase;
  int index;
  int err;
  int pid;
};

// Runs in the cloned child; never returns.
[[noreturn]] void RunInit(const Plan& plan, int sync_fd);

}  // namespace tsrun
