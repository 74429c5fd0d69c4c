// Node-API surface of the Linux backend: the syscalls TypeScript cannot make.
// Policy (what to mount, which namespaces, which fds) is decided in lib/linux;
// this file converts it to plain memory and hands it to tsrun-init (spawn).
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <linux/sched.h>
#include <linux/seccomp.h>

#include <set>
#include <string>
#include <type_traits>

#include <linux/mount.h>

#include <napi.h>

#include "ebpf.h"
#include "hook-spawn.h"
#include "init-executable.h"
#include "plan-fields.h"
#include "reactor.h"
#include "seccomp.h"

namespace tsrun {
namespace {

Napi::Error ErrnoError(Napi::Env env, const char* what, int err) {
  Napi::Error e = Napi::Error::New(env, std::string(what) + ": " + strerror(err));
  e.Set("errno", Napi::Number::New(env, err));
  e.Set("syscall", Napi::String::New(env, what));
  return e;
}

// Reads the plan from its JavaScript object through Fields() (plan-fields.h):
// a key Fields() does not visit, or a required one the object lacks, or a
// value of the wrong type, is an error naming it ("plan.steps[3].target").
class JsReader {
 public:
  JsReader(Napi::Object o, Plan& plan) : plan_(plan) { Enter(o, "plan"); }

  template <class T>
  void Num(const char* key, T& v, Presence presence = kRequired) {
    Napi::Value x = Take(key, presence);
    if (x.IsUndefined() && presence == kOptional) return;
    if (x.IsBigInt()) {
      bool lossless;
      v = static_cast<T>(x.As<Napi::BigInt>().Uint64Value(&lossless));
    } else if (x.IsNumber()) {
      v = static_cast<T>(x.As<Napi::Number>().Int64Value());
    } else if (x.IsBoolean()) {
      v = static_cast<T>(x.As<Napi::Boolean>().Value());
    } else {
      Fail(Path(key), "a number or boolean");
    }
  }
  template <class S>
  void Str(const char* key, S& s, Presence presence = kRequired) {
    Napi::Value x = Take(key, presence);
    if (x.IsUndefined() && presence == kOptional) return;
    if (x.IsNull()) {
      s = nullptr;
      return;
    }
    if (!x.IsString()) Fail(Path(key), "a string or null");
    plan_.strings.push_back(x.As<Napi::String>().Utf8Value());
    s = const_cast<S>(plan_.strings.back().c_str());
  }
  void Bytes(const char* key, std::string& s) {
    Napi::Value x = Take(key, kRequired);
    if (!x.IsBuffer()) Fail(Path(key), "a Buffer");
    Napi::Buffer<char> b = x.As<Napi::Buffer<char>>();
    s.assign(b.Data(), b.Length());
  }
  template <class V>
  void Nums(const char* key, V& v) {
    Elements(key, v, [&](auto& x, const Napi::Value& e, const std::string& at) {
      if (!e.IsNumber()) Fail(at, "a number");
      x = static_cast<std::remove_reference_t<decltype(x)>>(e.As<Napi::Number>().Int64Value());
    });
  }
  template <class V>
  void Strs(const char* key, V& v) {
    Elements(key, v, [&](auto& x, const Napi::Value& e, const std::string& at) {
      if (!e.IsString()) Fail(at, "a string");
      plan_.strings.push_back(e.As<Napi::String>().Utf8Value());
      x = const_cast<std::remove_reference_t<decltype(x)>>(plan_.strings.back().c_str());
    });
  }
  void NullTerminated(const char* key, std::vector<char*>& v) {
    Strs(key, v);
    v.push_back(nullptr);
  }
  template <class V, class F>
  void List(const char* key, V& v, F fields) {
    Elements(key, v, [&](auto& x, const Napi::Value& e, const std::string& at) {
      if (!e.IsObject()) Fail(at, "an object");
      Enter(e.As<Napi::Object>(), at);
      fields(x);
      Leave();
    });
  }
  template <class F>
  void Maybe(const char* key, bool& present, F fields) {
    Napi::Value x = Take(key, kRequired);
    present = !x.IsNull() && !x.IsUndefined();
    if (!present) return;
    if (!x.IsObject()) Fail(Path(key), "an object or null");
    Enter(x.As<Napi::Object>(), Path(key));
    fields();
    Leave();
  }
  void JsOnly(const char* key) { Take(key, kOptional); }

  // After Fields(): the keys of the outermost object nothing visited.
  void Finish() { Leave(); }

 private:
  struct Scope {
    Napi::Object object;
    std::string path;
    std::set<std::string> seen;
  };

  std::string Path(const std::string& key) const { return scopes_.back().path + "." + key; }

  [[noreturn]] void Fail(const std::string& at, const char* want) const {
    throw Napi::TypeError::New(scopes_.back().object.Env(), "init plan: " + at + " must be " + want);
  }

  Napi::Value Take(const char* key, Presence presence) {
    Scope& s = scopes_.back();
    s.seen.insert(key);
    if (!s.object.Has(key)) {
      if (presence == kOptional) return s.object.Env().Undefined();
      throw Napi::TypeError::New(s.object.Env(), "init plan: " + Path(key) + " is missing");
    }
    return s.object.Get(key);
  }

  template <class V, class F>
  void Elements(const char* key, V& v, F each) {
    Napi::Value x = Take(key, kRequired);
    if (!x.IsArray()) Fail(Path(key), "an array");
    Napi::Array a = x.As<Napi::Array>();
    v.resize(a.Length());
    for (uint32_t i = 0; i < a.Length(); i++) each(v[i], a.Get(i), Path(key) + "[" + std::to_string(i) + "]");
  }

  void Enter(Napi::Object o, const std::string& path) { scopes_.push_back({o, path, {}}); }

  void Leave() {
    Scope& s = scopes_.back();
    Napi::Array keys = s.object.GetPropertyNames();
    for (uint32_t i = 0; i < keys.Length(); i++) {
      std::string k = keys.Get(i).As<Napi::String>().Utf8Value();
      if (!s.seen.count(k)) throw Napi::TypeError::New(s.object.Env(), "init plan: unknown key " + s.path + "." + k);
    }
    scopes_.pop_back();
  }

  Plan& plan_;
  std::vector<Scope> scopes_;
};

void PlanFromJs(const Napi::Object& js, Plan& plan) {
  JsReader reader(js, plan);
  Fields(reader, plan);
  reader.Finish();
  if (plan.stdio.size() != 3) throw Napi::TypeError::New(js.Env(), "init plan: plan.stdio must have three fds");
}

// The fds the init uses, by number: they must survive the exec of tsrun-init.
std::vector<int> PlanFds(const Plan& plan) {
  std::vector<int> fds(plan.stdio);
  for (int fd = 3; fd < 3 + plan.preserve_fds; fd++) fds.push_back(fd);
  for (const JoinNamespace& j : plan.joins) fds.push_back(j.fd);
  fds.insert(fds.end(), plan.cgroup_task_fds.begin(), plan.cgroup_task_fds.end());
  fds.insert(fds.end(), {plan.cgroup_fd, plan.state_dir_fd, plan.seccomp_listener_fd, plan.console_socket_fd});
  return fds;
}

// The plan's bytes in a memfd that tsrun-init reads.
int PlanMemfd(const Plan& plan) {
  std::string bytes = EncodePlan(plan);
  int fd = static_cast<int>(syscall(SYS_memfd_create, "tsrun-plan", MFD_CLOEXEC));
  if (fd < 0) return -1;
  for (size_t done = 0; done < bytes.size();) {
    ssize_t n = write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      close(fd);
      errno = err;
      return -1;
    }
    done += static_cast<size_t>(n);
  }
  return fd;
}

// spawn(plan) -> { pid, syncFd }: starts tsrun-init, which clones the
// container's init and reports its pid on syncFd (REPORT_PID). The init then
// waits for "go" there, sets itself up and reports back on the same socket.
// posix_spawn (a CLONE_VM|CLONE_VFORK child that only execs) is safe in the
// multi-threaded Node process and copies none of its memory.
Napi::Value Spawn(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Plan plan;
  PlanFromJs(info[0].As<Napi::Object>(), plan);

  const char* why = nullptr;
  int exe = InitExecutable(&why);
  if (exe < 0) {
    ErrnoError(env, why, errno).ThrowAsJavaScriptException();
    return env.Undefined();
  }
  int plan_fd = PlanMemfd(plan);
  if (plan_fd < 0) {
    ErrnoError(env, "write the plan to a memfd", errno).ThrowAsJavaScriptException();
    return env.Undefined();
  }
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
    int err = errno;
    close(plan_fd);
    ErrnoError(env, "socketpair", err).ThrowAsJavaScriptException();
    return env.Undefined();
  }

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  // dup2 of an fd onto itself clears its close-on-exec flag (glibc 2.29+).
  std::vector<int> keep = PlanFds(plan);
  keep.push_back(plan_fd);
  keep.push_back(sv[1]);
  for (int fd : keep) {
    if (fd >= 0) posix_spawn_file_actions_adddup2(&actions, fd, fd);
  }
  // Default dispositions and every signal blocked: no handler of Node's can
  // run in the new process; the init unblocks them once it has reset its own.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t all;
  sigfillset(&all);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setsigmask(&attr, &all);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);

  std::string path = "/proc/self/fd/" + std::to_string(exe);
  std::string plan_arg = std::to_string(plan_fd), sync_arg = std::to_string(sv[1]);
  char* argv[] = {const_cast<char*>("tsrun-init"), plan_arg.data(), sync_arg.data(), nullptr};
  char* envp[] = {nullptr};
  pid_t pid = -1;
  int err = posix_spawn(&pid, path.c_str(), &actions, &attr, argv, envp);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  close(plan_fd);
  close(sv[1]);
  if (err != 0) {
    close(sv[0]);
    ErrnoError(env, "spawn tsrun-init", err).ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("pid", Napi::Number::New(env, static_cast<double>(pid)));
  out.Set("syncFd", Napi::Number::New(env, sv[0]));
  return out;
}

// send(fd, message): one packet to the init ("go", with the hooks' state).
Napi::Value SendMessage(const Napi::CallbackInfo& info) {
  int fd = info[0].As<Napi::Number>().Int32Value();
  std::string data = info[1].As<Napi::String>().Utf8Value();
  if (data.empty()) data.push_back('\0');
  ssize_t n;
  do n = send(fd, data.data(), data.size(), MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  if (n != static_cast<ssize_t>(data.size())) ErrnoError(info.Env(), "send", errno).ThrowAsJavaScriptException();
  return info.Env().Undefined();
}

// socketpair() -> [a, b]: a console socket whose other end this process keeps.
Napi::Value SocketPair(const Napi::CallbackInfo& info) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
    ErrnoError(info.Env(), "socketpair", errno).ThrowAsJavaScriptException();
    return info.Env().Undefined();
  }
  Napi::Array a = Napi::Array::New(info.Env(), 2);
  a.Set(0u, Napi::Number::New(info.Env(), sv[0]));
  a.Set(1u, Napi::Number::New(info.Env(), sv[1]));
  return a;
}

// connectUnix(path) -> fd: the console socket or seccomp listener of an engine.
Napi::Value ConnectUnix(const Napi::CallbackInfo& info) {
  std::string path = info[0].As<Napi::String>().Utf8Value();
  struct sockaddr_un addr = {};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) {
    ErrnoError(info.Env(), "connect", ENAMETOOLONG).ThrowAsJavaScriptException();
    return info.Env().Undefined();
  }
  memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    int err = errno;
    if (fd >= 0) close(fd);
    ErrnoError(info.Env(), "connect", err).ThrowAsJavaScriptException();
    return info.Env().Undefined();
  }
  return Napi::Number::New(info.Env(), fd);
}

// recvFd(socket) -> fd: blocks for one SCM_RIGHTS message (the pty master).
Napi::Value RecvFd(const Napi::CallbackInfo& info) {
  int sock = info[0].As<Napi::Number>().Int32Value();
  char data[256];
  char control[CMSG_SPACE(sizeof(int))];
  struct iovec iov = {data, sizeof data};
  struct msghdr msg = {};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t n;
  do n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  struct cmsghdr* c = n > 0 ? CMSG_FIRSTHDR(&msg) : nullptr;
  if (!c || c->cmsg_type != SCM_RIGHTS) {
    ErrnoError(info.Env(), "recvmsg", n < 0 ? errno : EBADMSG).ThrowAsJavaScriptException();
    return info.Env().Undefined();
  }
  int fd;
  memcpy(&fd, CMSG_DATA(c), sizeof fd);
  return Napi::Number::New(info.Env(), fd);
}

// readReport(fd) -> report | null (nothing yet) | false (the init is gone).
// readReport(fd, waitMs = 0) -> report | null (none yet) | false (EOF).
// waitMs > 0 first waits that long for one (poll) on the calling thread.
Napi::Value ReadReport(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = info[0].As<Napi::Number>().Int32Value();
  int wait_ms = info.Length() > 1 && info[1].IsNumber() ? info[1].As<Napi::Number>().Int32Value() : 0;
  if (wait_ms > 0) {
    struct pollfd pfd = {fd, POLLIN, 0};
    poll(&pfd, 1, wait_ms);
  }
  Report r;
  ssize_t n;
  do n = recv(fd, &r, sizeof r, MSG_DONTWAIT);
  while (n < 0 && errno == EINTR);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return env.Null();
  if (n < 0 && errno != ECONNRESET) {
    ErrnoError(env, "recv", errno).ThrowAsJavaScriptException();
    return env.Undefined();
  }
  if (n != static_cast<ssize_t>(sizeof r)) return Napi::Boolean::New(env, false);
  Napi::Object o = Napi::Object::New(env);
  o.Set("kind", r.kind);
  o.Set("phase", r.phase);
  o.Set("index", r.index);
  o.Set("errno", r.err);
  o.Set("pid", r.pid);
  return o;
}

Napi::Value PidfdOpen(const Napi::CallbackInfo& info) {
  int pid = info[0].As<Napi::Number>().Int32Value();
  long fd = syscall(SYS_pidfd_open, pid, 0);
  if (fd < 0) {
    ErrnoError(info.Env(), "pidfd_open", errno).ThrowAsJavaScriptException();
    return info.Env().Undefined();
  }
  fcntl(static_cast<int>(fd), F_SETFD, FD_CLOEXEC);
  return Napi::Number::New(info.Env(), static_cast<double>(fd));
}

Napi::Value PidfdSignal(const Napi::CallbackInfo& info) {
  int fd = info[0].As<Napi::Number>().Int32Value();
  int sig = info[1].As<Napi::Number>().Int32Value();
  if (syscall(SYS_pidfd_send_signal, fd, sig, nullptr, 0) != 0)
    ErrnoError(info.Env(), "pidfd_send_signal", errno).ThrowAsJavaScriptException();
  return info.Env().Undefined();
}

// reap(pidfd) -> { code, signal } once exited; null while running;
// undefined when it is not our child (its status is not ours to read).
Napi::Value Reap(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = info[0].As<Napi::Number>().Int32Value();
  siginfo_t si = {};
  if (waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(fd), &si, WEXITED | WNOHANG) != 0) {
    if (errno == ECHILD) return env.Undefined();
    ErrnoError(env, "waitid", errno).ThrowAsJavaScriptException();
    return env.Undefined();
  }
  if (si.si_pid == 0) return env.Null();
  Napi::Object o = Napi::Object::New(env);
  bool exited = si.si_code == CLD_EXITED;
  o.Set("code", exited ? Napi::Value(Napi::Number::New(env, si.si_status)) : env.Null());
  o.Set("signal", exited ? env.Null() : Napi::Value(Napi::Number::New(env, si.si_status)));
  return o;
}

// waitPid(pid): blocking reap of a process known to be exiting (the
// intermediate process that forks into a joined pid namespace).
Napi::Value WaitPid(const Napi::CallbackInfo& info) {
  int pid = info[0].As<Napi::Number>().Int32Value();
  int status;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return info.Env().Undefined();
}

// setWinsize(fd, rows, cols): resizes a pty.
Napi::Value SetWinsize(const Napi::CallbackInfo& info) {
  int fd = info[0].As<Napi::Number>().Int32Value();
  struct winsize ws = {};
  ws.ws_row = static_cast<unsigned short>(info[1].As<Napi::Number>().Uint32Value());
  ws.ws_col = static_cast<unsigned short>(info[2].As<Napi::Number>().Uint32Value());
  if (ioctl(fd, TIOCSWINSZ, &ws) != 0) ErrnoError(info.Env(), "ioctl(TIOCSWINSZ)", errno).ThrowAsJavaScriptException();
  return info.Env().Undefined();
}

// makeRaw(fd) -> the old termios: raw as cfmakeraw (no output processing
// either, unlike libuv's raw mode), for relaying a container's pty.
Napi::Value MakeRaw(const Napi::CallbackInfo& info) {
  int fd = info[0].As<Napi::Number>().Int32Value();
  struct termios old;
  if (tcgetattr(fd, &old) != 0) {
    ErrnoError(info.Env(), "tcgetattr", errno).ThrowAsJavaScriptException();
    return info.Env().Undefined();
  }
  struct termios raw = old;
  cfmakeraw(&raw);
  if (tcsetattr(fd, TCSANOW, &raw) != 0) {
    ErrnoError(info.Env(), "tcsetattr", errno).ThrowAsJavaScriptException();
    return info.Env().Undefined();
  }
  return Napi::Buffer<char>::Copy(info.Env(), reinterpret_cast<char*>(&old), sizeof old);
}

// restoreTerminal(fd, saved): undoes makeRaw.
Napi::Value RestoreTerminal(const Napi::CallbackInfo& info) {
  int fd = info[0].As<Napi::Number>().Int32Value();
  Napi::Buffer<char> saved = info[1].As<Napi::Buffer<char>>();
  if (saved.Length() == sizeof(struct termios)) {
    tcsetattr(fd, TCSANOW, reinterpret_cast<const struct termios*>(saved.Data()));
  }
  return info.Env().Undefined();
}

Napi::Value Mkfifo(const Napi::CallbackInfo& info) {
  std::string path = info[0].As<Napi::String>().Utf8Value();
  mode_t mode = static_cast<mode_t>(info[1].As<Napi::Number>().Uint32Value());
  if (mkfifo(path.c_str(), mode) != 0) ErrnoError(info.Env(), "mkfifo", errno).ThrowAsJavaScriptException();
  return info.Env().Undefined();
}

Napi::Value Close(const Napi::CallbackInfo& info) {
  close(info[0].As<Napi::Number>().Int32Value());
  return info.Env().Undefined();
}

Napi::Value StrError(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), strerror(info[0].As<Napi::Number>().Int32Value()));
}

Napi::Object Constants(Napi::Env env) {
  Napi::Object c = Napi::Object::New(env);
#define C(name) c.Set(#name, Napi::Number::New(env, static_cast<double>(name)))
  C(CLONE_NEWNS); C(CLONE_NEWUTS); C(CLONE_NEWIPC); C(CLONE_NEWNET); C(CLONE_NEWPID);
  C(CLONE_NEWUSER); C(CLONE_NEWCGROUP); C(CLONE_NEWTIME);
  C(MS_RDONLY); C(MS_NOSUID); C(MS_NODEV); C(MS_NOEXEC); C(MS_SYNCHRONOUS); C(MS_REMOUNT);
  C(MS_MANDLOCK); C(MS_DIRSYNC); C(MS_NOATIME); C(MS_NODIRATIME); C(MS_BIND); C(MS_MOVE);
  C(MS_REC); C(MS_SILENT); C(MS_UNBINDABLE); C(MS_PRIVATE); C(MS_SLAVE); C(MS_SHARED);
  C(MS_RELATIME); C(MS_STRICTATIME); C(MS_LAZYTIME); C(MS_NOSYMFOLLOW); C(MS_I_VERSION);
  C(MOUNT_ATTR_RDONLY); C(MOUNT_ATTR_NOSUID); C(MOUNT_ATTR_NODEV); C(MOUNT_ATTR_NOEXEC);
  C(MOUNT_ATTR__ATIME); C(MOUNT_ATTR_RELATIME); C(MOUNT_ATTR_NOATIME); C(MOUNT_ATTR_STRICTATIME);
  C(MOUNT_ATTR_NODIRATIME); C(MOUNT_ATTR_NOSYMFOLLOW);
  C(S_IFCHR); C(S_IFBLK); C(S_IFIFO);
  C(OP_MOUNT); C(OP_REMOUNT); C(OP_PROPAGATION); C(OP_PRIVATE_PARENT); C(OP_MKNOD);
  C(OP_SYMLINK); C(OP_PIVOT); C(OP_MASK); C(OP_READONLY); C(OP_HOSTNAME); C(OP_DOMAINNAME);
  C(OP_CHDIR); C(OP_WRITE_FILE); C(OP_LOOPBACK); C(OP_SET_ATTR); C(OP_TERMINAL);
  C(PIVOT_ROOT); C(PIVOT_MOVE); C(PIVOT_CHROOT);
  C(ROOT_HOST); C(ROOT_CONTAINER); C(CREATE_NONE); C(CREATE_DIR); C(CREATE_FILE);
  C(REPORT_READY); C(REPORT_ERROR); C(REPORT_PID); C(REPORT_HOOKS);
  C(PHASE_STEP); C(PHASE_SYNC); C(PHASE_SETNS); C(PHASE_UNSHARE); C(PHASE_FORK);
  C(PHASE_SETSID); C(PHASE_EXEC_LOOKUP); C(PHASE_FIFO); C(PHASE_USER); C(PHASE_KEYRING);
  C(PHASE_STDIO); C(PHASE_EXEC); C(PHASE_RLIMIT); C(PHASE_PERSONALITY);
  C(PHASE_IOPRIO); C(PHASE_SCHEDULER); C(PHASE_NNP);
  C(PHASE_CAPS); C(PHASE_SECCOMP); C(PHASE_TERMINAL); C(PHASE_HOOK_CREATE); C(PHASE_HOOK_START);
  C(PHASE_CGROUP); C(PHASE_IDMAP);
  C(SECCOMP_FILTER_FLAG_TSYNC); C(SECCOMP_FILTER_FLAG_LOG); C(SECCOMP_FILTER_FLAG_SPEC_ALLOW);
  C(SECCOMP_FILTER_FLAG_NEW_LISTENER);
#undef C
  return c;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("spawn", Napi::Function::New(env, Spawn));
  exports.Set("send", Napi::Function::New(env, SendMessage));
  exports.Set("socketpair", Napi::Function::New(env, SocketPair));
  exports.Set("connectUnix", Napi::Function::New(env, ConnectUnix));
  exports.Set("recvFd", Napi::Function::New(env, RecvFd));
  exports.Set("setWinsize", Napi::Function::New(env, SetWinsize));
  exports.Set("makeRaw", Napi::Function::New(env, MakeRaw));
  exports.Set("restoreTerminal", Napi::Function::New(env, RestoreTerminal));
  exports.Set("readReport", Napi::Function::New(env, ReadReport));
  exports.Set("pidfdOpen", Napi::Function::New(env, PidfdOpen));
  exports.Set("pidfdSignal", Napi::Function::New(env, PidfdSignal));
  exports.Set("reap", Napi::Function::New(env, Reap));
  exports.Set("waitPid", Napi::Function::New(env, WaitPid));
  exports.Set("mkfifo", Napi::Function::New(env, Mkfifo));
  exports.Set("close", Napi::Function::New(env, Close));
  exports.Set("strerror", Napi::Function::New(env, StrError));
  exports.Set("constants", Constants(env));
  InitReactor(env, exports);
  InitSeccomp(env, exports);
  InitEbpf(env, exports);
  InitHookSpawn(env, exports);
  return exports;
}

}  // namespace
}  // namespace tsrun

static Napi::Object InitTsrun(Napi::Env env, Napi::Object exports) {
  return tsrun::Init(env, exports);
}

NODE_API_MODULE(tsrun, InitTsrun)
