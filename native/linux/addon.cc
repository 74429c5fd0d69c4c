// Node-API surface of the Linux backend: the syscalls TypeScript cannot make.
// Policy (what to mount, which namespaces, which fds) is decided in lib/linux;
// this file converts it to plain memory and runs it.
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <napi.h>

#include "plan.h"
#include "reactor.h"

namespace tsrun {
namespace {

Napi::Error ErrnoError(Napi::Env env, const char* what, int err) {
  Napi::Error e = Napi::Error::New(env, std::string(what) + ": " + strerror(err));
  e.Set("errno", Napi::Number::New(env, err));
  e.Set("syscall", Napi::String::New(env, what));
  return e;
}

// Copies a JS string into the plan's arena; returns a pointer that stays valid
// (the arena is reserved up front so it never reallocates).
const char* Keep(Plan& plan, const Napi::Value& v) {
  if (!v.IsString()) return nullptr;
  plan.strings.push_back(v.As<Napi::String>().Utf8Value());
  return plan.strings.back().c_str();
}

int64_t Int(const Napi::Object& o, const char* key, int64_t fallback = 0) {
  Napi::Value v = o.Get(key);
  return v.IsNumber() ? v.As<Napi::Number>().Int64Value() : fallback;
}

size_t CountStrings(const Napi::Object& js) {
  // Upper bound of the strings Keep() stores, so the arena never moves.
  size_t n = 8;
  for (const char* key : {"steps", "execCandidates", "args", "env"}) {
    Napi::Value v = js.Get(key);
    if (v.IsArray()) n += v.As<Napi::Array>().Length() * (strcmp(key, "steps") == 0 ? 4 : 1);
  }
  return n;
}

void StringList(Plan& plan, const Napi::Object& js, const char* key, std::vector<char*>& out) {
  Napi::Array a = js.Get(key).As<Napi::Array>();
  for (uint32_t i = 0; i < a.Length(); i++) out.push_back(const_cast<char*>(Keep(plan, a.Get(i))));
  out.push_back(nullptr);
}

void PlanFromJs(const Napi::Object& js, Plan& plan) {
  plan.strings.reserve(CountStrings(js));
  plan.rootfs = Keep(plan, js.Get("rootfs"));
  plan.clone_flags = static_cast<int>(Int(js, "cloneFlags"));
  plan.unshare_flags = static_cast<int>(Int(js, "unshareFlags"));
  plan.join_pid = js.Get("joinPid").ToBoolean();

  Napi::Array joins = js.Get("joins").As<Napi::Array>();
  for (uint32_t i = 0; i < joins.Length(); i++) {
    Napi::Object j = joins.Get(i).As<Napi::Object>();
    plan.joins.push_back({static_cast<int>(Int(j, "fd", -1)), static_cast<int>(Int(j, "nstype"))});
  }

  Napi::Array steps = js.Get("steps").As<Napi::Array>();
  plan.steps.resize(steps.Length());
  for (uint32_t i = 0; i < steps.Length(); i++) {
    Napi::Object o = steps.Get(i).As<Napi::Object>();
    Step& s = plan.steps[i];
    s.op = static_cast<int>(Int(o, "op"));
    s.root = static_cast<int>(Int(o, "root", ROOT_CONTAINER));
    s.create = static_cast<int>(Int(o, "create"));
    s.optional = o.Get("optional").ToBoolean();
    s.source = Keep(plan, o.Get("source"));
    s.target = Keep(plan, o.Get("target"));
    s.fstype = Keep(plan, o.Get("fstype"));
    s.data = Keep(plan, o.Get("data"));
    s.flags = static_cast<unsigned long>(Int(o, "flags"));
    s.mode = static_cast<mode_t>(Int(o, "mode"));
    s.dev = makedev(static_cast<unsigned>(Int(o, "major")), static_cast<unsigned>(Int(o, "minor")));
    s.uid = static_cast<uid_t>(Int(o, "uid"));
    s.gid = static_cast<gid_t>(Int(o, "gid"));
  }

  Napi::Array cands = js.Get("execCandidates").As<Napi::Array>();
  for (uint32_t i = 0; i < cands.Length(); i++) plan.exec_candidates.push_back(Keep(plan, cands.Get(i)));
  StringList(plan, js, "args", plan.argv);
  StringList(plan, js, "env", plan.envp);

  plan.uid = static_cast<uid_t>(Int(js, "uid"));
  plan.gid = static_cast<gid_t>(Int(js, "gid"));
  Napi::Array groups = js.Get("groups").As<Napi::Array>();
  for (uint32_t i = 0; i < groups.Length(); i++)
    plan.groups.push_back(static_cast<gid_t>(groups.Get(i).As<Napi::Number>().Uint32Value()));
  plan.set_groups = js.Get("setGroups").ToBoolean();
  plan.umask = static_cast<int>(Int(js, "umask", 022));

  Napi::Array stdio = js.Get("stdio").As<Napi::Array>();
  for (uint32_t i = 0; i < 3; i++) plan.stdio[i] = stdio.Get(i).As<Napi::Number>().Int32Value();
  plan.preserve_fds = static_cast<int>(Int(js, "preserveFds"));
  plan.state_dir_fd = static_cast<int>(Int(js, "stateDirFd", -1));
  plan.keyring = Keep(plan, js.Get("keyring"));
}

// spawn(plan) -> { pid, syncFd }: clones the container's init. It waits for
// "go" on syncFd, then sets itself up and reports back on the same socket.
Napi::Value Spawn(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Plan plan;
  PlanFromJs(info[0].As<Napi::Object>(), plan);

  int sv[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
    ErrnoError(env, "socketpair", errno).ThrowAsJavaScriptException();
    return env.Undefined();
  }

  // Block every signal across clone so no Node handler runs in the child
  // before it resets the dispositions.
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  long pid = syscall(SYS_clone, plan.clone_flags | SIGCHLD, 0, nullptr, nullptr, 0);
  if (pid == 0) {
    close(sv[0]);
    RunInit(plan, sv[1]);
  }
  int err = errno;
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  close(sv[1]);
  if (pid < 0) {
    close(sv[0]);
    ErrnoError(env, "clone", err).ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("pid", Napi::Number::New(env, static_cast<double>(pid)));
  out.Set("syncFd", Napi::Number::New(env, sv[0]));
  return out;
}

// send(fd, byte): tells the init to go on.
Napi::Value SendByte(const Napi::CallbackInfo& info) {
  int fd = info[0].As<Napi::Number>().Int32Value();
  char c = static_cast<char>(info[1].As<Napi::Number>().Int32Value());
  ssize_t n;
  do n = send(fd, &c, 1, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  if (n != 1) ErrnoError(info.Env(), "send", errno).ThrowAsJavaScriptException();
  return info.Env().Undefined();
}

// readReport(fd) -> report | null (nothing yet) | false (the init is gone).
Napi::Value ReadReport(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = info[0].As<Napi::Number>().Int32Value();
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
  C(MS_RELATIME); C(MS_STRICTATIME); C(MS_LAZYTIME);
  C(S_IFCHR); C(S_IFBLK); C(S_IFIFO);
  C(OP_MOUNT); C(OP_REMOUNT); C(OP_PROPAGATION); C(OP_PRIVATE_PARENT); C(OP_MKNOD);
  C(OP_SYMLINK); C(OP_PIVOT); C(OP_MASK); C(OP_READONLY); C(OP_HOSTNAME); C(OP_DOMAINNAME);
  C(OP_CHDIR); C(OP_WRITE_FILE);
  C(ROOT_HOST); C(ROOT_CONTAINER); C(CREATE_NONE); C(CREATE_DIR); C(CREATE_FILE);
  C(REPORT_READY); C(REPORT_ERROR); C(REPORT_PID);
  C(PHASE_STEP); C(PHASE_SYNC); C(PHASE_SETNS); C(PHASE_UNSHARE); C(PHASE_FORK);
  C(PHASE_SETSID); C(PHASE_EXEC_LOOKUP); C(PHASE_FIFO); C(PHASE_USER); C(PHASE_KEYRING);
  C(PHASE_STDIO); C(PHASE_EXEC);
#undef C
  return c;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("spawn", Napi::Function::New(env, Spawn));
  exports.Set("send", Napi::Function::New(env, SendByte));
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
  return exports;
}

}  // namespace
}  // namespace tsrun

static Napi::Object InitTsrun(Napi::Env env, Napi::Object exports) {
  return tsrun::Init(env, exports);
}

NODE_API_MODULE(tsrun, InitTsrun)
