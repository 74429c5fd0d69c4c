// Process stdio: the pipe handles HCS returns, read on a thread of their own
// one chunk per request (so a paused JS stream stops the reading:
// backpressure), and written from the libuv pool.
#include "pipes.h"
#include <memory>

namespace {

HANDLE ToHandle(const Napi::Value &v) {
  return reinterpret_cast<HANDLE>(static_cast<uintptr_t>(v.As<Napi::Number>().Int64Value()));
}

struct Reader {
  HANDLE pipe;
  HANDLE wake = CreateEventW(nullptr, FALSE, FALSE, nullptr);
  HANDLE thread = nullptr;
  volatile LONG closed = 0;
  Napi::ThreadSafeFunction deliver;
};

struct Chunk {
  std::string bytes;
  bool end;
  DWORD error;
};

DWORD WINAPI ReadLoop(void *context) {
  auto *keep = static_cast<std::shared_ptr<Reader> *>(context);
  std::shared_ptr<Reader> r = *keep;
  delete keep;
  static const DWORD kChunk = 64 * 1024;
  for (;;) {
    WaitForSingleObject(r->wake, INFINITE);
    if (InterlockedCompareExchange(&r->closed, 0, 0)) break;
    auto *chunk = new Chunk{std::string(kChunk, '\0'), false, 0};
    DWORD n = 0;
    if (!ReadFile(r->pipe, chunk->bytes.data(), kChunk, &n, nullptr) || n == 0) {
      DWORD error = GetLastError();
      chunk->bytes.clear();
      chunk->end = true;
      // The writer closing its end is the normal end of a stream.
      chunk->error = (n == 0 && (error == ERROR_BROKEN_PIPE || error == ERROR_HANDLE_EOF || error == ERROR_SUCCESS || error == ERROR_OPERATION_ABORTED)) ? 0 : error;
    }
    chunk->bytes.resize(n);
    bool end = chunk->end;
    r->deliver.BlockingCall(chunk, [](Napi::Env env, Napi::Function cb, Chunk *c) {
      if (c->end) cb.Call({env.Null(), Napi::Number::New(env, c->error)});
      else cb.Call({Napi::Buffer<char>::Copy(env, c->bytes.data(), c->bytes.size())});
      delete c;
    });
    if (end) break;
  }
  CloseHandle(r->pipe);
  r->deliver.Release();
  return 0;
}

// (handle, onChunk(buffer | null, error?)) → reader. The reader owns the handle and closes it at the end.
Napi::Value ReaderStart(const Napi::CallbackInfo &info) {
  auto r = std::make_shared<Reader>();
  r->pipe = ToHandle(info[0]);
  r->deliver = Napi::ThreadSafeFunction::New(info.Env(), info[1].As<Napi::Function>(), "hcs-stdio", 0, 1);
  r->thread = CreateThread(nullptr, 0, ReadLoop, new std::shared_ptr<Reader>(r), 0, nullptr);
  if (!r->thread) {
    r->deliver.Release();
    throw Napi::Error::New(info.Env(), "CreateThread failed for a stdio reader");
  }
  return Napi::External<std::shared_ptr<Reader>>::New(info.Env(), new std::shared_ptr<Reader>(r),
                                                      [](Napi::Env, std::shared_ptr<Reader> *p) {
                                                        CloseHandle((*p)->thread);
                                                        delete p;
                                                      });
}

Napi::Value ReaderRequest(const Napi::CallbackInfo &info) {
  SetEvent((*info[0].As<Napi::External<std::shared_ptr<Reader>>>().Data())->wake);
  return info.Env().Undefined();
}

Napi::Value ReaderClose(const Napi::CallbackInfo &info) {
  Reader &r = **info[0].As<Napi::External<std::shared_ptr<Reader>>>().Data();
  InterlockedExchange(&r.closed, 1);
  SetEvent(r.wake);
  CancelSynchronousIo(r.thread);
  return info.Env().Undefined();
}

class WriteWorker : public Napi::AsyncWorker {
 public:
  WriteWorker(Napi::Env env, HANDLE pipe, Napi::Buffer<char> data)
      : Napi::AsyncWorker(env), pipe_(pipe), data_(data.Data(), data.Length()), deferred_(Napi::Promise::Deferred::New(env)) {}
  Napi::Promise Promise() { return deferred_.Promise(); }
  void Execute() override {
    size_t done = 0;
    while (done < data_.size()) {
      DWORD n = 0;
      if (!WriteFile(pipe_, data_.data() + done, static_cast<DWORD>(data_.size() - done), &n, nullptr)) {
        SetError("WriteFile failed: Windows error " + std::to_string(GetLastError()));
        return;
      }
      done += n;
    }
  }
  void OnOK() override { deferred_.Resolve(Env().Undefined()); }
  void OnError(const Napi::Error &e) override { deferred_.Reject(e.Value()); }

 private:
  HANDLE pipe_;
  std::string data_;
  Napi::Promise::Deferred deferred_;
};

Napi::Value Write(const Napi::CallbackInfo &info) {
  auto *worker = new WriteWorker(info.Env(), ToHandle(info[0]), info[1].As<Napi::Buffer<char>>());
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

Napi::Value CloseHandleJs(const Napi::CallbackInfo &info) {
  CloseHandle(ToHandle(info[0]));
  return info.Env().Undefined();
}

}  // namespace

void InitPipes(Napi::Env env, Napi::Object exports) {
  exports.Set("readerStart", Napi::Function::New(env, ReaderStart));
  exports.Set("readerRequest", Napi::Function::New(env, ReaderRequest));
  exports.Set("readerClose", Napi::Function::New(env, ReaderClose));
  exports.Set("write", Napi::Function::New(env, Write));
  exports.Set("closeHandle", Napi::Function::New(env, CloseHandleJs));
}
