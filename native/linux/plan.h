// The container init plan: everything the init needs, decided by TypeScript.
// Its fields are listed once, in plan-fields.h. The addon builds it from JS, encodes it (EncodePlan) and hands it to the
// init executable (native/linux/init), which decodes it (DecodePlan) before it
// clones the container's init: that clone is of a small single-threaded
// process, never of Node.
#pragma once

#include <sys/types.h>

#include <deque>
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
  OP_PIVOT,            // make target the root, as `pivot` says
  OP_MASK,             // hide target: /dev/null over a file, read-only tmpfs over a dir
  OP_READONLY,         // bind target on itself read-only
  OP_HOSTNAME,         // sethostname(source)
  OP_DOMAINNAME,       // setdomainname(source)
  OP_CHDIR,            // chdir(target), creating it (only_create: no chdir)
  OP_WRITE_FILE,       // write source into the file target (e.g. /proc/self/timens_offsets)
  OP_LOOPBACK,         // bring up "lo" in the (new) network namespace
  OP_SET_ATTR,         // mount_setattr(target, AT_RECURSIVE): set flags, clear `clear`
  OP_TERMINAL,         // no-op marker: the init sets up the terminal here (before read-only remounts)
};

// How OP_PIVOT makes the rootfs the root.
enum PivotMode : int {
  PIVOT_ROOT = 0,      // pivot_root, the old root detached
  PIVOT_MOVE = 1,      // --no-pivot: the host's proc/sysfs hidden, MS_MOVE onto /, chroot
  PIVOT_CHROOT = 2,    // no mount namespace: chroot only (nothing of the host is changed)
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
  bool keep_mode = false;         // OP_MOUNT: give the new mount the covered directory's mode
  const char* uid_map = nullptr;  // OP_MOUNT: id-mapped (uid_map/gid_map lines): tsrun-init
  const char* gid_map = nullptr;  //   makes the detached tree (tree_fd) the init moves in
  bool idmap_recursive = false;
  int tree_fd = -1;               // not in the plan: made by tsrun-init (MakeIdmappedTrees)
  bool copy_up = false;           // OP_MOUNT of a tmpfs: copy what it covers into it (tmpcopyup)
  int pivot = PIVOT_ROOT;         // OP_PIVOT: a PivotMode
  bool only_create = false;       // OP_CHDIR: create the directory, stay where we are
  const char* source = nullptr;
  const char* target = nullptr;
  const char* fstype = nullptr;
  const char* data = nullptr;
  unsigned long flags = 0;
  unsigned long clear = 0;        // OP_SET_ATTR: MOUNT_ATTR_* to clear
  mode_t mode = 0;
  unsigned int major = 0, minor = 0;  // OP_MKNOD
  uid_t uid = 0;
  gid_t gid = 0;
};

struct Hook {
  const char* path = nullptr;
  std::vector<char*> argv;  // NULL-terminated
  std::vector<char*> envp;  // NULL-terminated
  int timeout = 0;          // seconds; 0: none
  const char* cwd = nullptr;
};

struct Rlimit {
  int resource;
  unsigned long long soft;
  unsigned long long hard;
};

// sched_setattr(2)'s struct, field for field.
struct SchedAttr {
  unsigned int size;
  unsigned int sched_policy;
  unsigned long long sched_flags;
  int sched_nice;
  unsigned int sched_priority;
  unsigned long long sched_runtime;
  unsigned long long sched_deadline;
  unsigned long long sched_period;
};

struct JoinNamespace {
  int fd;
  int nstype;
};

struct Plan {
  const char* rootfs = nullptr;        // host path of the root filesystem
  int clone_flags = 0;                 // CLONE_NEW* created by clone()
  int cgroup_fd = -1;                  // v2: clone3 straight into this cgroup (no cgroup.procs write)
  std::vector<int> cgroup_task_fds;    // v1 `tasks` files: the init writes "0" to each (moves itself)
  int unshare_flags = 0;               // created after "go": cgroup, time
  bool userns = false;                 // in a user namespace: become its root first
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
  std::vector<int> stdio = {0, 1, 2};  // three (the addon checks)
  int preserve_fds = 0;
  int state_dir_fd = -1;               // holds exec.fifo; -1: start at once
  const char* keyring = nullptr;       // session keyring name; nullptr: keep

  // Process attributes (process.*), applied in runc's order.
  bool set_caps = false;
  unsigned long long cap_bounding = 0, cap_effective = 0, cap_permitted = 0,
                     cap_inheritable = 0, cap_ambient = 0;
  int cap_last = 40;                   // the highest capability the kernel knows
  std::vector<Rlimit> rlimits;
  bool no_new_privs = false;
  long personality = -1;
  int ioprio = -1;
  bool set_scheduler = false;
  SchedAttr scheduler = {};

  // Seccomp: a compiled BPF program (struct sock_filter[]), loaded last.
  bool set_seccomp = false;
  std::string seccomp_program;
  unsigned int seccomp_flags = 0;
  int seccomp_listener_fd = -1;        // connected to listenerPath: gets the notify fd

  // Terminal: a pty made inside the container, its master sent over this socket.
  bool terminal = false;
  int console_socket_fd = -1;
  unsigned short console_rows = 0, console_cols = 0;

  // Hooks run by the init itself (in the container's namespaces).
  std::vector<Hook> create_container_hooks;
  std::vector<Hook> start_container_hooks;
  // Pause after the namespaces exist, so the parent can run prestart and
  // createRuntime hooks, which must see them.
  bool runtime_hooks = false;
  // The size of the "go" message (the state texts), for `messages`.
  size_t message_size = 0;
  // Filled from the parent's "go" message: NUL-separated state texts for the
  // hooks (createContainer, startContainer) and the seccomp listener.
  std::vector<char> messages;
  // Owns the bytes the pointers above point into (a deque: they never move).
  std::deque<std::string> strings;
};

// The plan as bytes, and back; DecodePlan returns false on a malformed one.
std::string EncodePlan(const Plan& plan);
bool DecodePlan(const std::string& bytes, Plan& plan);

// What the child writes on the sync socket.
enum ReportKind : int {
  REPORT_READY = 1,   // set up, waiting for start
  REPORT_ERROR = 2,   // failed; phase/index/err say where
  REPORT_PID = 3,     // the pid of the next process: the init (from the launcher, index 1 if
                      // born in its cgroup), or the one forked after joining a pid namespace
  REPORT_HOOKS = 4,   // namespaces exist: the parent runs its hooks, then says "go"
};

// Where an error happened, when it is not a step.
enum Phase : int {
  PHASE_STEP = 1,     // index = step index
  PHASE_SYNC,         // the launcher could not read its plan
  PHASE_SETNS,        // index = join index
  PHASE_UNSHARE,
  PHASE_FORK,         // index: 0 fork after joining a pid namespace, 1 clone the init
  PHASE_SETSID,
  PHASE_EXEC_LOOKUP,  // no candidate is an executable file
  PHASE_FIFO,
  PHASE_USER,
  PHASE_KEYRING,
  PHASE_STDIO,
  PHASE_EXEC,
  PHASE_RLIMIT,       // index = rlimit index
  PHASE_PERSONALITY,
  PHASE_IOPRIO,
  PHASE_SCHEDULER,
  PHASE_NNP,
  PHASE_CAPS,         // index: 0 bounding, 1 keepcaps, 2 capset, 3 ambient
  PHASE_SECCOMP,      // index: 0 load, 1 send listener
  PHASE_TERMINAL,     // index: 0 open pty, 1 console, 2 send, 3 stdio
  PHASE_HOOK_CREATE,  // index = hook index
  PHASE_HOOK_START,   // index = hook index
  PHASE_CGROUP,       // index = cgroup_task_fds index
  PHASE_IDMAP,        // index = step index; pid = an IdmapStage
};

// What failed making an id-mapped tree (in PHASE_IDMAP reports).
enum IdmapStage : int {
  IDMAP_USERNS = 0,   // the user namespace of the mapping
  IDMAP_OPEN_TREE,
  IDMAP_SETATTR,      // mount_setattr(MOUNT_ATTR_IDMAP)
};

struct Report {
  int kind;
  int phase;
  int index;
  int err;
  int pid;
};

}  // namespace tsrun
