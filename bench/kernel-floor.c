// The kernel's floor for starting a container on this host: the least work
// any OCI runtime must have the kernel do to run /bin/true in a bundle, with
// no runtime logic around it. It makes a cgroup in every cgroup hierarchy the
// process is in (as runc, crun and tsrun do), clones with new pid, mount,
// uts, ipc and net namespaces (straight into the cgroup2 one, clone3
// CLONE_INTO_CGROUP), the child moves itself into the v1 ones ("0" into
// tasks: the cheapest way, no RCU grace period), pivots into the rootfs,
// mounts /proc and execs /bin/true; then wait, and remove the cgroups.
//
//   kernel-floor ROOTFS
//
// Prints the milliseconds from the first mkdir to the last rmdir (its own
// process start is not counted, so it compares with a warm library call).
// Built and run by bench/start-latency.mjs; exits non-zero on any failure,
// after removing what it made.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_HIERARCHIES 32

static char cgroups[MAX_HIERARCHIES][1024];
static int is_cgroup2[MAX_HIERARCHIES];
static int ncgroups;

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static void cleanup(void) {
  // A cgroup whose last task was just reaped can be busy for a moment.
  for (int i = ncgroups - 1; i >= 0; i--) {
    for (int tries = 0; rmdir(cgroups[i]) != 0 && errno == EBUSY && tries < 100; tries++) usleep(1000);
  }
}

static void die(const char* what) {
  fprintf(stderr, "kernel-floor: %s: %s\n", what, strerror(errno));
  cleanup();
  exit(1);
}

// Does the comma-separated `opts` hold every controller of `controllers`?
static int holds(const char* opts, const char* controllers) {
  char want[256];
  snprintf(want, sizeof want, "%s", controllers);
  for (char* c = strtok(want, ","); c; c = strtok(NULL, ",")) {
    size_t n = strlen(c);
    const char* p = opts;
    int found = 0;
    while ((p = strstr(p, c)) != NULL) {
      if ((p == opts || p[-1] == ',') && (p[n] == ',' || p[n] == '\0')) { found = 1; break; }
      p += n;
    }
    if (!found) return 0;
  }
  return 1;
}

// One new cgroup per hierarchy of /proc/self/cgroup, at the mount that
// serves it, under the cgroup this process is in.
static void find_cgroups(const char* name) {
  FILE* self = fopen("/proc/self/cgroup", "r");
  if (!self) die("/proc/self/cgroup");
  char line[1024];
  while (fgets(line, sizeof line, self) && ncgroups < MAX_HIERARCHIES) {
    line[strcspn(line, "\n")] = '\0';
    char* controllers = strchr(line, ':');
    char* path = controllers ? strchr(controllers + 1, ':') : NULL;
    if (!path) continue;
    *controllers++ = '\0';
    *path++ = '\0';
    FILE* mi = fopen("/proc/self/mountinfo", "r");
    if (!mi) die("/proc/self/mountinfo");
    char m[2048];
    while (fgets(m, sizeof m, mi)) {
      char mountpoint[512], fstype[64], opts[512];
      const char* dash = strstr(m, " - ");
      if (!dash || sscanf(m, "%*s %*s %*s %*s %511s", mountpoint) != 1) continue;
      if (sscanf(dash + 3, "%63s %*s %511s", fstype, opts) != 2) continue;
      int v2 = strcmp(fstype, "cgroup2") == 0;
      if (v2 != (*controllers == '\0')) continue;
      if (!v2 && (strcmp(fstype, "cgroup") != 0 || !holds(opts, controllers))) continue;
      is_cgroup2[ncgroups] = v2;
      snprintf(cgroups[ncgroups++], sizeof cgroups[0], "%s%s/%s", mountpoint, strcmp(path, "/") ? path : "", name);
      break;
    }
    fclose(mi);
  }
  fclose(self);
}

static int inherit(const char* dir, const char* file) {
  char path[1100], value[256];
  snprintf(path, sizeof path, "%s/../%s", dir, file);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  ssize_t n = fd < 0 ? -1 : read(fd, value, sizeof value);
  if (fd >= 0) close(fd);
  if (n <= 0) return -1;
  snprintf(path, sizeof path, "%s/%s", dir, file);
  fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  int rc = write(fd, value, (size_t)n) == n ? 0 : -1;
  close(fd);
  return rc;
}

// The child: into its v1 cgroups by itself, then the rootfs and exec.
static void child(const char* rootfs, const int* tasks, int ntasks) {
  for (int i = 0; i < ntasks; i++) {
    if (write(tasks[i], "0", 1) != 1) _exit(10);
  }
  if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) _exit(11);
  if (mount(rootfs, rootfs, NULL, MS_BIND | MS_REC, NULL) != 0) _exit(12);
  if (chdir(rootfs) != 0) _exit(13);
  if (syscall(SYS_pivot_root, ".", ".") != 0) _exit(14);
  if (umount2(".", MNT_DETACH) != 0) _exit(15);
  if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0) _exit(16);
  char* argv[] = {"/bin/true", NULL};
  char* envp[] = {NULL};
  execve(argv[0], argv, envp);
  _exit(17);
}

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: kernel-floor ROOTFS\n");
    return 2;
  }
  char name[64];
  snprintf(name, sizeof name, "kernel-floor-%d", getpid());
  find_cgroups(name);

  double t0 = now_ms();
  int tasks[MAX_HIERARCHIES], ntasks = 0, cgroup2 = -1;
  for (int i = 0; i < ncgroups; i++) {
    if (mkdir(cgroups[i], 0755) != 0) {
      ncgroups = i;
      die(cgroups[i]);
    }
    if (strstr(cgroups[i], "/cpuset/")) {
      // A v1 cpuset starts empty: it takes its parent's CPUs and memory nodes.
      if (inherit(cgroups[i], "cpuset.cpus") != 0 || inherit(cgroups[i], "cpuset.mems") != 0) die(cgroups[i]);
    }
    if (is_cgroup2[i]) {
      cgroup2 = open(cgroups[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (cgroup2 < 0) die(cgroups[i]);
      continue;
    }
    char file[1100];
    snprintf(file, sizeof file, "%s/tasks", cgroups[i]);
    tasks[ntasks] = open(file, O_WRONLY | O_CLOEXEC);
    if (tasks[ntasks++] < 0) die(file);
  }
  struct clone_args args = {0};
  args.flags = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET;
  args.exit_signal = SIGCHLD;
  if (cgroup2 >= 0) {
    args.flags |= CLONE_INTO_CGROUP;
    args.cgroup = (unsigned long long)cgroup2;
  }
  pid_t pid = (pid_t)syscall(SYS_clone3, &args, sizeof args);
  if (pid < 0) die("clone3");
  if (pid == 0) child(argv[1], tasks, ntasks);
  for (int i = 0; i < ntasks; i++) close(tasks[i]);
  if (cgroup2 >= 0) close(cgroup2);
  int status;
  if (waitpid(pid, &status, 0) != pid) die("waitpid");
  cleanup();
  double t1 = now_ms();
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    fprintf(stderr, "kernel-floor: the child failed (status %#x)\n", status);
    return 1;
  }
  printf("%.3f\n", t1 - t0);
  return 0;
}
