#pragma once
#include <napi.h>

namespace tsrun {
// One epoll thread that tells JavaScript when an fd (a pidfd, the init's sync
// socket, the exec FIFO) becomes readable, so that waits never hold a thread
// of libuv's pool.
void InitReactor(Napi::Env env, Napi::Object exports);
}
