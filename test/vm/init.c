// PID 1 of the run-in-vm guest (User-mode Linux), built by test/vm/run-in-vm
// with `gcc -static -Os`. Every mount is done by syscall: under UML each exec
// costs ~20 ms, so there is no shell and no helper program before the command.
//
// The host side passes one kernel parameter, tsrunvm.xfer=HOSTDIR, a host dir
// (reached through hostfs) holding:
//   config   "key value" lines: moddir (host path of the UML module tree),
//            release, hostname, share (repeatable), module (repeatable),
//            cgroup (optional cgroup the command is moved into), timings (0/1),
//            systemd (1: boot systemd as PID 1, the command one of its units)
//   argv     the command, NUL-separated
//   env      its environment, NUL-separated KEY=VALUE
//   cwd      its working dir
// and receives stdout, stderr (appended to as the command writes), rc (the
// exit status, written when the command has exited) and timings.
//
// Stage 1 (initramfs): proc, sysfs, devtmpfs; hostfs "/" read-only as the
// lower layer of an overlay whose upper is a tmpfs; the xfer dir at
// /run/vm; then switch_root into the overlay (so pivot_root works inside).
// Stage 2: devpts, shm, mqueue, securityfs, bpf, cgroup2 at /sys/fs/cgroup
// (nsdelegate,memory_recursiveprot, +cpu +io +memory +pids; left to systemd
// in systemd mode), the module tree
// at /lib/modules/RELEASE, requested modules, shares, lo, hostname; then the
// command, reaped (with every orphan) until it exits; then rc, sync, power off.
//
// With "systemd 1", stage 2 ends by exec'ing /lib/systemd/systemd as PID 1
// with --unit=tsrunvm.service, a unit written to /run/systemd/system with
// DefaultDependencies=no: systemd starts that unit and nothing else (the
// host's enabled units are not pulled in, its generators are masked). The
// unit runs a copy of this program with COMMAND_MODE, which forks the
// command, waits for it, writes rc and powers off as above.
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define XFER "/run/vm"
// systemd mode: this program's copy, its argument in the unit, and the unit.
#define SELF_COPY "/run/tsrunvm-init"
#define COMMAND_MODE "--command"
#define UNIT "tsrunvm.service"

static double t_start;
static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void msg(const char *fmt, ...) {
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof buf - 1, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  if (n > (int)sizeof buf - 2) n = sizeof buf - 2;
  buf[n++] = '\n';
  (void)!write(2, "tsrunvm-init: ", 14);
  (void)!write(2, buf, n);
}

// Fatal: say why on the console and power off without an rc, so that the
// host reports 125 with the console tail.
static void __attribute__((noreturn)) die(const char *fmt, ...) {
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  msg("FATAL: %s (errno %d: %s)", buf, errno, strerror(errno));
  sync();
  reboot(RB_POWER_OFF);
  for (;;) pause();
}

static void mkdirs(const char *path, mode_t mode) {
  char p[4096];
  snprintf(p, sizeof p, "%s", path);
  for (char *s = p + 1; *s; s++) {
    if (*s != '/') continue;
    *s = 0;
    mkdir(p, mode);
    *s = '/';
  }
  mkdir(p, mode);
}

static void do_mount(const char *src, const char *dst, const char *type,
                     unsigned long flags, const char *data) {
  mkdirs(dst, 0755);
  if (mount(src, dst, type, flags, data) != 0)
    die("mount %s on %s (%s, %s)", src, dst, type, data ? data : "");
}

// Best effort: a mount the command may not need.
static void try_mount(const char *src, const char *dst, const char *type,
                      unsigned long flags, const char *data) {
  mkdirs(dst, 0755);
  if (mount(src, dst, type, flags, data) != 0)
    msg("warning: mount %s on %s (%s): %s", src, dst, type, strerror(errno));
}

static int write_file(const char *path, const char *s, int flags) {
  int fd = open(path, O_WRONLY | O_CLOEXEC | flags, 0644);
  if (fd < 0) return -1;
  ssize_t n = write(fd, s, strlen(s));
  int e = errno;
  close(fd);
  errno = e;
  return n == (ssize_t)strlen(s) ? 0 : -1;
}

// Whole file, NUL-terminated (len excludes the terminator); NULL on error.
static char *read_file(const char *path, size_t *len) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return NULL;
  size_t cap = 4096, n = 0;
  char *b = malloc(cap);
  for (;;) {
    if (n + 1 >= cap) b = realloc(b, cap *= 2);
    ssize_t r = read(fd, b + n, cap - n - 1);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) { free(b); close(fd); return NULL; }
    if (r == 0) break;
    n += r;
  }
  close(fd);
  b[n] = 0;
  if (len) *len = n;
  return b;
}

// NUL-separated list -> NULL-terminated vector (pointing into buf).
static char **split0(char *buf, size_t len) {
  size_t count = 0;
  for (size_t i = 0; i < len; i++) if (buf[i] == 0) count++;
  if (len && buf[len - 1] != 0) count++;
  char **v = calloc(count + 1, sizeof *v);
  size_t k = 0;
  for (size_t i = 0; i < len && k < count;) {
    v[k++] = buf + i;
    i += strlen(buf + i) + 1;
  }
  v[k] = NULL;
  return v;
}

// ------------------------------------------------------------------ config

#define MAXLIST 64
static char *cfg_moddir, *cfg_release, *cfg_hostname, *cfg_cgroup;
static char *cfg_share[MAXLIST], *cfg_module[MAXLIST];
static int n_share, n_module, cfg_timings, cfg_systemd;

static void read_config(const char *path) {
  char *text = read_file(path, NULL);
  if (!text) die("read %s", path);
  for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
    char *val = strchr(line, ' ');
    if (!val) continue;
    *val++ = 0;
    if (!strcmp(line, "moddir")) cfg_moddir = val;
    else if (!strcmp(line, "release")) cfg_release = val;
    else if (!strcmp(line, "hostname")) cfg_hostname = val;
    else if (!strcmp(line, "cgroup")) cfg_cgroup = val;
    else if (!strcmp(line, "timings")) cfg_timings = atoi(val);
    else if (!strcmp(line, "systemd")) cfg_systemd = atoi(val);
    else if (!strcmp(line, "share") && n_share < MAXLIST) cfg_share[n_share++] = val;
    else if (!strcmp(line, "module") && n_module < MAXLIST) cfg_module[n_module++] = val;
  }
}

static char *xfer_param(void) {
  char *cmdline = read_file("/proc/cmdline", NULL);
  if (!cmdline) die("read /proc/cmdline");
  for (char *w = strtok(cmdline, " \n"); w; w = strtok(NULL, " \n"))
    if (!strncmp(w, "tsrunvm.xfer=", 13)) return w + 13;
  die("no tsrunvm.xfer= on the kernel command line");
}

// ------------------------------------------------------------------ modules

static void norm(char *s) {
  for (; *s; s++) if (*s == '-') *s = '_';
}

// Module name of a modules.dep path: ".../foo-bar.ko" -> "foo_bar".
static void modname(const char *path, char *out, size_t size) {
  const char *b = strrchr(path, '/');
  b = b ? b + 1 : path;
  snprintf(out, size, "%s", b);
  char *dot = strstr(out, ".ko");
  if (dot) *dot = 0;
  norm(out);
}

static int insmod(const char *dir, const char *rel) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, rel);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) { msg("open %s: %s", path, strerror(errno)); return -1; }
  int r = syscall(SYS_finit_module, fd, "", 0);
  int e = errno;
  close(fd);
  if (r != 0 && e != EEXIST) { msg("finit_module %s: %s", path, strerror(e)); return -1; }
  return 0;
}

// Load a module and its dependencies (modules.dep lists them, the deepest
// last); modules built into the kernel are fine as they are.
static int modprobe(const char *dir, const char *name) {
  char want[256], got[256], path[4096];
  snprintf(want, sizeof want, "%s", name);
  norm(want);
  snprintf(path, sizeof path, "%s/modules.builtin", dir);
  char *builtin = read_file(path, NULL);
  if (builtin) {
    for (char *l = strtok(builtin, "\n"); l; l = strtok(NULL, "\n")) {
      modname(l, got, sizeof got);
      if (!strcmp(got, want)) { free(builtin); return 0; }
    }
    free(builtin);
  }
  snprintf(path, sizeof path, "%s/modules.dep", dir);
  char *dep = read_file(path, NULL);
  if (!dep) { msg("read %s: %s", path, strerror(errno)); return -1; }
  int rc = -1;
  char *save = NULL;
  for (char *l = strtok_r(dep, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
    char *colon = strchr(l, ':');
    if (!colon) continue;
    *colon = 0;
    modname(l, got, sizeof got);
    if (strcmp(got, want)) continue;
    char *deps[128];
    int n = 0;
    for (char *d = strtok(colon + 1, " \t"); d && n < 128; d = strtok(NULL, " \t")) deps[n++] = d;
    rc = 0;
    for (int i = n - 1; i >= 0 && rc == 0; i--) rc = insmod(dir, deps[i]);
    if (rc == 0) rc = insmod(dir, l);
    break;
  }
  if (rc != 0 && !strstr(dep, want)) msg("module %s not found in %s", name, path);
  free(dep);
  return rc;
}

// ------------------------------------------------------------------ stages

static void stage1(const char *xfer) {
  char path[4096];
  do_mount("hostfs", "/mnt/lower", "hostfs", MS_RDONLY, "/");
  snprintf(path, sizeof path, "/mnt/lower%s/config", xfer);
  read_config(path);
  if (!cfg_moddir || !cfg_release) die("config has no moddir/release");
  snprintf(path, sizeof path, "/mnt/lower%s", cfg_moddir);
  if (modprobe(path, "overlay") != 0) die("loading overlay from %s", path);

  do_mount("tmpfs", "/mnt/rw", "tmpfs", 0, "mode=0755");
  mkdirs("/mnt/rw/upper", 0755);
  mkdirs("/mnt/rw/work", 0755);
  do_mount("overlay", "/newroot", "overlay", 0,
           "lowerdir=/mnt/lower,upperdir=/mnt/rw/upper,workdir=/mnt/rw/work");
  // A fresh /run (the host's holds its runtimes' state) with the xfer dir.
  do_mount("tmpfs", "/newroot/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755");
  do_mount("hostfs", "/newroot" XFER, "hostfs", 0, xfer);
  const char *moves[] = {"/dev", "/proc", "/sys"};
  for (int i = 0; i < 3; i++) {
    snprintf(path, sizeof path, "/newroot%s", moves[i]);
    do_mount(moves[i], path, NULL, MS_MOVE, NULL);
  }
  // What switch_root does (the initramfs cannot be pivot_root'ed away).
  if (chdir("/newroot") != 0) die("chdir /newroot");
  if (mount(".", "/", NULL, MS_MOVE, NULL) != 0) die("move the new root onto /");
  if (chroot(".") != 0) die("chroot");
  if (chdir("/") != 0) die("chdir /");
}

static void lo_up(void) {
  int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) { msg("warning: socket: %s", strerror(errno)); return; }
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  strcpy(ifr.ifr_name, "lo");
  if (ioctl(s, SIOCGIFFLAGS, &ifr) == 0) {
    ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
    if (ioctl(s, SIOCSIFFLAGS, &ifr) != 0) msg("warning: lo up: %s", strerror(errno));
  }
  close(s);
}

static void stage2(void) {
  char path[4096];
  try_mount("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
            "newinstance,ptmxmode=0666,mode=0620,gid=5");
  try_mount("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777");
  try_mount("mqueue", "/dev/mqueue", "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
  symlink("/proc/self/fd", "/dev/fd");
  symlink("/proc/self/fd/0", "/dev/stdin");
  symlink("/proc/self/fd/1", "/dev/stdout");
  symlink("/proc/self/fd/2", "/dev/stderr");
  try_mount("securityfs", "/sys/kernel/security", "securityfs",
            MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
  try_mount("bpf", "/sys/fs/bpf", "bpf", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0700");
  // systemd mounts its own (unified, or hybrid as the kernel command line says).
  if (!cfg_systemd) {
    do_mount("cgroup2", "/sys/fs/cgroup", "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC,
             "nsdelegate,memory_recursiveprot");
    if (write_file("/sys/fs/cgroup/cgroup.subtree_control", "+cpu +io +memory +pids", 0) != 0) {
      const char *c[] = {"+cpu", "+io", "+memory", "+pids"};
      for (int i = 0; i < 4; i++)
        if (write_file("/sys/fs/cgroup/cgroup.subtree_control", c[i], 0) != 0)
          msg("warning: enabling %s in the root cgroup: %s", c[i] + 1, strerror(errno));
    }
  }
  // The guest kernel's modules, where modprobe would look for them.
  snprintf(path, sizeof path, "/lib/modules/%s", cfg_release);
  do_mount("hostfs", path, "hostfs", MS_RDONLY, cfg_moddir);
  for (int i = 0; i < n_module; i++)
    if (modprobe(path, cfg_module[i]) != 0) die("loading module %s", cfg_module[i]);
  for (int i = 0; i < n_share; i++) do_mount("hostfs", cfg_share[i], "hostfs", 0, cfg_share[i]);
  lo_up();
  if (cfg_hostname && sethostname(cfg_hostname, strlen(cfg_hostname)) != 0)
    msg("warning: sethostname: %s", strerror(errno));
  if (cfg_cgroup) {
    snprintf(path, sizeof path, "/sys/fs/cgroup/%s", cfg_cgroup);
    mkdirs(path, 0755);
  }
}

static void stamp(const char *what) {
  if (!cfg_timings) return;
  char buf[64];
  snprintf(buf, sizeof buf, "%s %.6f\n", what, now());
  write_file(XFER "/timings", buf, O_APPEND | O_CREAT);
}

static void __attribute__((noreturn)) run_command(void) {
  size_t alen, elen;
  char *a = read_file(XFER "/argv", &alen);
  char *e = read_file(XFER "/env", &elen);
  char *cwd = read_file(XFER "/cwd", NULL);
  if (cwd) cwd[strcspn(cwd, "\n")] = 0;
  int devnull = open("/dev/null", O_RDWR);
  int out = open(XFER "/stdout", O_WRONLY | O_APPEND | O_CREAT, 0644);
  int err = open(XFER "/stderr", O_WRONLY | O_APPEND | O_CREAT, 0644);
  if (!a || !e || devnull < 0 || out < 0 || err < 0) {
    msg("cannot read the command or open its output in " XFER ": %s", strerror(errno));
    _exit(125);
  }
  dup2(devnull, 0);
  dup2(out, 1);
  dup2(err, 2);
  for (int fd = 3; fd < 64; fd++) close(fd);
  setsid();
  if (cfg_cgroup) {
    char path[4096];
    snprintf(path, sizeof path, "/sys/fs/cgroup/%s/cgroup.procs", cfg_cgroup);
    if (write_file(path, "0", 0) != 0) {
      msg("moving the command into cgroup %s: %s", cfg_cgroup, strerror(errno));
      _exit(125);
    }
  }
  char **argv = split0(a, alen);
  environ = split0(e, elen);
  if (!argv[0]) { msg("no command"); _exit(125); }
  if (cwd && *cwd && chdir(cwd) != 0) {
    msg("warning: chdir %s: %s (staying in /)", cwd, strerror(errno));
  }
  stamp("exec");
  execvp(argv[0], argv);
  int code = errno == ENOENT ? 127 : 126;
  msg("%s: %s", argv[0], strerror(errno));
  _exit(code);
}

// Forks the command and reaps children (every orphan, as PID 1) until it
// exits; then its status to rc, sync, power off.
static void __attribute__((noreturn)) run_and_power_off(void) {
  pid_t child = fork();
  if (child < 0) die("fork");
  if (child == 0) run_command();
  int status = 0;
  for (;;) {
    int st;
    pid_t p = wait(&st);
    if (p < 0 && errno == EINTR) continue;
    if (p < 0) die("wait");
    if (p == child) { status = st; break; }
  }
  int rc = WIFEXITED(status) ? WEXITSTATUS(status)
         : WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 125;
  stamp("exit");
  char buf[64];
  snprintf(buf, sizeof buf, "%d\n", rc);
  if (write_file(XFER "/rc", buf, O_CREAT | O_TRUNC) != 0) msg("writing rc: %s", strerror(errno));
  sync();
  reboot(RB_POWER_OFF);
  for (;;) pause();
}

// /proc/self/exe (in the initramfs, out of reach by path after the switch)
// to SELF_COPY, for the unit to run.
static void copy_self(void) {
  size_t len;
  char *text = read_file("/proc/self/exe", &len);
  if (!text) die("read /proc/self/exe");
  int fd = open(SELF_COPY, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
  if (fd < 0 || write(fd, text, len) != (ssize_t)len || close(fd) != 0) die("write " SELF_COPY);
  free(text);
}

// Every generator (each one a process, ~20 ms here) masked by a /dev/null
// link in /etc (the overlay's, so the guest's only): the guest's units are
// the one below, nothing from the host's fstab, gettys or disks.
static void mask_generators(void) {
  const char *dirs[] = {"/usr/lib/systemd/system-generators", "/usr/local/lib/systemd/system-generators",
                        "/etc/systemd/system-generators"};
  const char *masks = "/etc/systemd/system-generators";
  mkdirs(masks, 0755);
  for (int i = 0; i < 3; i++) {
    DIR *d = opendir(dirs[i]);
    if (!d) continue;
    struct dirent *e;
    while ((e = readdir(d))) {
      if (e->d_name[0] == '.') continue;
      char path[4096];
      snprintf(path, sizeof path, "%s/%s", masks, e->d_name);
      unlink(path);
      if (symlink("/dev/null", path) != 0) msg("warning: masking generator %s: %s", e->d_name, strerror(errno));
    }
    closedir(d);
  }
}

static const char unit_text[] =
    "[Unit]\n"
    "Description=run-in-vm command\n"
    "DefaultDependencies=no\n"
    "[Service]\n"
    "ExecStart=" SELF_COPY " " COMMAND_MODE "\n"
    "StandardInput=null\n"
    "StandardOutput=file:/dev/console\n"
    "StandardError=file:/dev/console\n";

// PID 1 becomes systemd, which starts UNIT only (its default target's
// dependencies would be the host's enabled services).
static void __attribute__((noreturn)) boot_systemd(void) {
  copy_self();
  mask_generators();
  mkdirs("/run/systemd/system", 0755);
  if (write_file("/run/systemd/system/" UNIT, unit_text, O_CREAT | O_TRUNC) != 0) die("write the unit " UNIT);
  stamp("systemd");
  char *argv[] = {"/lib/systemd/systemd", "--unit=" UNIT, "--show-status=no", "--log-level=warning", NULL};
  // An empty $container tells systemd it is not in one, whatever it finds
  // (the host's /.dockerenv, say): it then reads the kernel command line.
  char *envp[] = {"container=", NULL};
  execve(argv[0], argv, envp);
  die("exec %s", argv[0]);
}

int main(int argc, char **argv) {
  if (argc > 1 && !strcmp(argv[1], COMMAND_MODE)) {
    // The unit's process, under systemd: the guest is set up already.
    read_config(XFER "/config");
    run_and_power_off();
  }
  t_start = now();
  // Before anything creates a device: no /sbin/hotplug fork per uevent.
  mkdir("/proc", 0755);
  if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0) die("mount /proc");
  write_file("/proc/sys/kernel/hotplug", "\n", O_TRUNC);
  do_mount("devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755");
  int con = open("/dev/console", O_RDWR);
  if (con >= 0) {
    dup2(con, 0);
    dup2(con, 1);
    dup2(con, 2);
    if (con > 2) close(con);
  }
  do_mount("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
  const char *xfer = xfer_param();
  stage1(xfer);
  stage2();
  if (cfg_timings) {
    char buf[64];
    snprintf(buf, sizeof buf, "init %.6f\nready %.6f\n", t_start, now());
    write_file(XFER "/timings", buf, O_APPEND | O_CREAT);
  }
  if (cfg_systemd) boot_systemd();
  run_and_power_off();
}
