#include "reactor.h"

#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <thread>

namespace tsrun {
namespace {

int g_epoll = -1;
Napi::ThreadSafeFunction g_dispatch;

void Loop(int epfd, Napi::ThreadSafeFunction dispatch) {
  epoll_event events[32];
  for (;;) {
    int n = epoll_wait(epfd, events, 32, -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;
    }
    for (int i = 0; i < n; i++) {
      int fd = events[i].data.fd;
      napi_status s = dispatch.BlockingCall([fd](Napi::Env env, Napi::Function cb) {
        cb.Call({Napi::Number::New(env, fd)});
      });
      if (s == napi_closing) return;
    }
  }
}

// reactorStart(dispatch): dispatch(fd) is called on the main thread.
Napi::Value Start(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (g_epoll >= 0) return env.Undefined();
  g_epoll = epoll_create1(EPOLL_CLOEXEC);
  if (g_epoll < 0) {
    Napi::Error::New(env, std::string("epoll_create1: ") + strerror(errno)).ThrowAsJavaScriptException();
    return env.Undefined();
  }
  g_dispatch = Napi::ThreadSafeFunction::New(env, info[0].As<Napi::Function>(), "tsrun-reactor", 0, 1);
  // Idle until something is watched: an idle reactor must not keep Node alive.
  g_dispatch.Unref(env);
  std::thread(Loop, g_epoll, g_dispatch).detach();
  return env.Undefined();
}

// watch(fd): one readiness report, then the fd must be watched again.
Napi::Value Watch(const Napi::CallbackInfo& info) {
  int fd = info[0].As<Napi::Number>().Int32Value();
  epoll_event ev = {};
  ev.events = EPOLLIN | EPOLLONESHOT;
  ev.data.fd = fd;
  int rc = epoll_ctl(g_epoll, EPOLL_CTL_ADD, fd, &ev);
  if (rc != 0 && errno == EEXIST) rc = epoll_ctl(g_epoll, EPOLL_CTL_MOD, fd, &ev);
  if (rc != 0)
    Napi::Error::New(info.Env(), std::string("epoll_ctl: ") + strerror(errno)).ThrowAsJavaScriptException();
  return info.Env().Undefined();
}

Napi::Value Unwatch(const Napi::CallbackInfo& info) {
  int fd = info[0].As<Napi::Number>().Int32Value();
  epoll_ctl(g_epoll, EPOLL_CTL_DEL, fd, nullptr);
  return info.Env().Undefined();
}

// reactorRef(true) while something waits, so Node stays alive for it.
Napi::Value Ref(const Napi::CallbackInfo& info) {
  if (info[0].ToBoolean()) g_dispatch.Ref(info.Env());
  else g_dispatch.Unref(info.Env());
  return info.Env().Undefined();
}

}  // namespace

void InitReactor(Napi::Env env, Napi::Object exports) {
  exports.Set("reactorStart", Napi::Function::New(env, Start));
  exports.Set("watch", Napi::Function::New(env, Watch));
  exports.Set("unwatch", Napi::Function::New(env, Unwatch));
  exports.Set("reactorRef", Napi::Function::New(env, Ref));
}

}  // namespace tsrun
