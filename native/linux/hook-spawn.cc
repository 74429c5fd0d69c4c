// The hooks the runtime runs itself. child_process.spawn passes a child
// every fd of this process that is not close-on-exec: the caller's (a
// shim's socket, a library user's fds), inherited by Node. A hook gets fds
// 0-2 and nothing else, as runc gives it: the state on stdin, /dev/null for
// stdout, stderr kept for the error message.
#include "hook-spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

namespace tsrun {
namespace {

std::vector<std::string> Strings(const Napi::Value& v) {
  std::vector<std::string> out;
  Napi::Array a = v.As<Napi::Array>();
  for (uint32_t i = 0; i < a.Length(); i++) out.push_back(a.Get(i).As<Napi::String>().Utf8Value());
  return out;
}

std::vector<char*> Pointers(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (std::string& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// A pipe that already holds all of text, then EOF: the hook reads it at its
// pace, or not at all, and nothing here waits for that.
int StdinPipe(const std::string& text, const char** what) {
  int p[2];
  *what = "pipe";
  if (pipe2(p, O_CLOEXEC | O_NONBLOCK) != 0) return -1;
  *what = "write the state to the hook's stdin";
  // A pipe holds 64 KiB unless asked for more.
  bool ok = text.size() <= 65536 || fcntl(p[1], F_SETPIPE_SZ, static_cast<int>(text.size())) >= 0;
  size_t done = 0;
  while (ok && done < text.size()) {
    ssize_t n = write(p[1], text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) done += static_cast<size_t>(n);
  }
  int err = errno;
  close(p[1]);
  if (!ok) {
    close(p[0]);
    errno = err;
    return -1;
  }
  // The hook's end blocks, as a pipe normally does.
  fcntl(p[0], F_SETFL, 0);
  return p[0];
}

// spawnHook(path, argv, env, cwd, stdin) -> { pid, pidfd, stderrFd }: stderr
// goes to a memfd the caller reads once the hook has exited.
Napi::Value SpawnHook(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path = info[0].As<Napi::String>().Utf8Value();
  std::vector<std::string> argv_s = Strings(info[1]), envp_s = Strings(info[2]);
  std::vector<char*> argv = Pointers(argv_s), envp = Pointers(envp_s);
  std::string cwd = info[3].As<Napi::String>().Utf8Value();
  std::string text = info[4].As<Napi::String>().Utf8Value();

  const char* what;
  int in = StdinPipe(text, &what);
  int err_fd = in < 0 ? -1 : static_cast<int>(syscall(SYS_memfd_create, "tsrun-hook-stderr", MFD_CLOEXEC));
  if (in >= 0 && err_fd < 0) what = "memfd_create";
  int err = errno;
  pid_t pid = -1;
  if (err_fd >= 0) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in, 0);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, err_fd, 2);
    posix_spawn_file_actions_addchdir_np(&actions, cwd.c_str());
    posix_spawn_file_actions_addclosefrom_np(&actions, 3);
    // Node's dispositions (SIGPIPE ignored) and mask are not the hook's.
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t all, none;
    sigfillset(&all);
    sigemptyset(&none);
    posix_spawnattr_setsigdefault(&attr, &all);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
    err = posix_spawn(&pid, path.c_str(), &actions, &attr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    what = "spawn";
  }
  if (in >= 0) close(in);
  int pidfd = err == 0 && pid > 0 ? static_cast<int>(syscall(SYS_pidfd_open, pid, 0)) : -1;
  if (err == 0 && pidfd < 0) {
    // Cannot happen for a child of ours short of running out of fds.
    err = errno;
    what = "pidfd_open";
    kill(pid, SIGKILL);
    while (waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
  }
  if (err != 0 || pidfd < 0) {
    if (err_fd >= 0) close(err_fd);
    Napi::Error e = Napi::Error::New(env, std::string(what) + ": " + strerror(err));
    e.Set("errno", Napi::Number::New(env, err));
    e.Set("syscall", Napi::String::New(env, what));
    e.ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("pid", Napi::Number::New(env, pid));
  out.Set("pidfd", Napi::Number::New(env, pidfd));
  out.Set("stderrFd", Napi::Number::New(env, err_fd));
  return out;
}

}  // namespace

void InitHookSpawn(Napi::Env env, Napi::Object exports) {
  exports.Set("spawnHook", Napi::Function::New(env, SpawnHook));
}

}  // namespace tsrun
