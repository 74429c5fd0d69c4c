// bpf(2) for the cgroup v2 device controller: load a BPF_PROG_TYPE_CGROUP_DEVICE
// program and attach it to a cgroup directory, the way runc's
// libcontainer/cgroups/ebpf does it (BPF_F_ALLOW_MULTI; the previous program
// replaced with BPF_F_REPLACE when there is exactly one, else detached after
// the new one is in place, so that there is never a window without a filter).
// The program itself is generated in TypeScript (lib/linux/cgroups/v2/devices.ts).
#include "ebpf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/bpf.h>

#include <string>
#include <vector>

namespace tsrun {
namespace {

int Bpf(int cmd, union bpf_attr* attr) {
  return static_cast<int>(syscall(__NR_bpf, cmd, attr, sizeof(*attr)));
}

uint64_t Ptr(const void* p) { return static_cast<uint64_t>(reinterpret_cast<uintptr_t>(p)); }

Napi::Error BpfError(Napi::Env env, const std::string& what, int err, const std::string& more = "") {
  Napi::Error e = Napi::Error::New(env, what + ": " + strerror(err) + more);
  e.Set("errno", Napi::Number::New(env, err));
  e.Set("syscall", Napi::String::New(env, "bpf"));
  return e;
}

// A cgroup given as an open directory fd (borrowed) or a path (opened here).
class Target {
 public:
  Target(Napi::Env env, const Napi::Value& v) {
    if (v.IsNumber()) {
      fd_ = v.As<Napi::Number>().Int32Value();
      return;
    }
    if (!v.IsString()) throw Napi::TypeError::New(env, "cgroup: a directory fd or a path");
    std::string path = v.As<Napi::String>().Utf8Value();
    fd_ = open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd_ < 0) {
      int err = errno;
      Napi::Error e = Napi::Error::New(env, "open " + path + ": " + strerror(err));
      e.Set("errno", Napi::Number::New(env, err));
      e.Set("syscall", Napi::String::New(env, "open"));
      throw e;
    }
    owned_ = true;
  }
  ~Target() {
    if (owned_) close(fd_);
  }
  Target(const Target&) = delete;
  Target& operator=(const Target&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_ = -1;
  bool owned_ = false;
};

// Closes the fds it holds when it goes out of scope (also on a JS exception).
struct Fds {
  std::vector<int> fds;
  ~Fds() {
    for (int fd : fds) close(fd);
  }
};

Napi::Value LoadCgroupDevice(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsBuffer()) throw Napi::TypeError::New(env, "insns: a Buffer of struct bpf_insn");
  Napi::Buffer<uint8_t> insns = info[0].As<Napi::Buffer<uint8_t>>();
  if (insns.Length() == 0 || insns.Length() % sizeof(struct bpf_insn) != 0) {
    throw Napi::RangeError::New(env, "insns: the length must be a non-zero multiple of 8");
  }
  std::string license = info[1].IsString() ? info[1].As<Napi::String>().Utf8Value() : "GPL";

  union bpf_attr attr;
  memset(&attr, 0, sizeof(attr));
  attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  attr.insn_cnt = static_cast<uint32_t>(insns.Length() / sizeof(struct bpf_insn));
  attr.insns = Ptr(insns.Data());
  attr.license = Ptr(license.c_str());
  int fd = Bpf(BPF_PROG_LOAD, &attr);
  if (fd < 0 && errno == EPERM) {
    // Kernels before 5.11 charge BPF memory to RLIMIT_MEMLOCK (runc #2167):
    // raise it, as runc does, and try once more.
    struct rlimit unlimited = {RLIM_INFINITY, RLIM_INFINITY};
    if (setrlimit(RLIMIT_MEMLOCK, &unlimited) == 0) fd = Bpf(BPF_PROG_LOAD, &attr);
  }
  if (fd >= 0) return Napi::Number::New(env, fd);

  int err = errno;
  // Load again with the verifier's log on, to say why.
  std::vector<char> log(1 << 16, '\0');
  attr.log_level = 1;
  attr.log_buf = Ptr(log.data());
  attr.log_size = static_cast<uint32_t>(log.size());
  int again = Bpf(BPF_PROG_LOAD, &attr);
  if (again >= 0) close(again);
  log.back() = '\0';
  std::string text(log.data());
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  std::string what = "bpf(BPF_PROG_LOAD, BPF_PROG_TYPE_CGROUP_DEVICE)";
  if (text.empty()) throw BpfError(env, what, err);
  Napi::Error e = BpfError(env, what, err, "; verifier log:\n" + text);
  e.Set("log", Napi::String::New(env, text));
  throw e;
}

// The ids of the BPF_CGROUP_DEVICE programs attached to the cgroup.
std::vector<uint32_t> Query(Napi::Env env, int target) {
  uint32_t size = 64;  // the kernel's limit of programs per cgroup and type
  for (int tries = 0; tries < 10; tries++) {
    std::vector<uint32_t> ids(size);
    union bpf_attr attr;
    memset(&attr, 0, sizeof(attr));
    attr.query.target_fd = static_cast<uint32_t>(target);
    attr.query.attach_type = BPF_CGROUP_DEVICE;
    attr.query.prog_ids = Ptr(ids.data());
    attr.query.prog_cnt = size;
    if (Bpf(BPF_PROG_QUERY, &attr) == 0) {
      ids.resize(attr.query.prog_cnt);
      return ids;
    }
    if (errno != ENOSPC) throw BpfError(env, "bpf(BPF_PROG_QUERY, BPF_CGROUP_DEVICE)", errno);
    size = attr.query.prog_cnt;  // the right count comes back with ENOSPC
  }
  throw Napi::Error::New(env, "bpf(BPF_PROG_QUERY, BPF_CGROUP_DEVICE): the list kept changing");
}

// The program's tag (a hash of its instructions, as bpftool shows it), "" when
// the program cannot be opened.
std::string Tag(uint32_t id) {
  union bpf_attr attr;
  memset(&attr, 0, sizeof(attr));
  attr.prog_id = id;
  int fd = Bpf(BPF_PROG_GET_FD_BY_ID, &attr);
  if (fd < 0) return "";
  struct bpf_prog_info prog;
  memset(&prog, 0, sizeof(prog));
  memset(&attr, 0, sizeof(attr));
  attr.info.bpf_fd = static_cast<uint32_t>(fd);
  attr.info.info_len = sizeof(prog);
  attr.info.info = Ptr(&prog);
  int r = Bpf(BPF_OBJ_GET_INFO_BY_FD, &attr);
  close(fd);
  if (r != 0) return "";
  static const char hex[] = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < sizeof(prog.tag); i++) {
    out += hex[prog.tag[i] >> 4];
    out += hex[prog.tag[i] & 0xf];
  }
  return out;
}

Napi::Value QueryCgroup(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Target target(env, info[0]);
  std::vector<uint32_t> ids = Query(env, target.fd());
  Napi::Array out = Napi::Array::New(env, ids.size());
  for (uint32_t i = 0; i < ids.size(); i++) {
    Napi::Object p = Napi::Object::New(env);
    p.Set("id", Napi::Number::New(env, ids[i]));
    p.Set("tag", Napi::String::New(env, Tag(ids[i])));
    out.Set(i, p);
  }
  return out;
}

Napi::Value AttachCgroup(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Target target(env, info[0]);
  if (!info[1].IsNumber()) throw Napi::TypeError::New(env, "progFd: a number");
  int prog = info[1].As<Napi::Number>().Int32Value();

  // The programs attached now. Those we may not open (an LSM label, as with
  // some systemd setups) are left alone: device programs only ever restrict.
  Fds old;
  for (uint32_t id : Query(env, target.fd())) {
    union bpf_attr attr;
    memset(&attr, 0, sizeof(attr));
    attr.prog_id = id;
    int fd = Bpf(BPF_PROG_GET_FD_BY_ID, &attr);
    if (fd >= 0) {
      old.fds.push_back(fd);
      continue;
    }
    if (errno == EPERM || errno == EACCES || errno == ENOENT) continue;
    throw BpfError(env, "bpf(BPF_PROG_GET_FD_BY_ID, " + std::to_string(id) + ")", errno);
  }

  int replaced = 0;
  int detached = 0;
  union bpf_attr attr;
  memset(&attr, 0, sizeof(attr));
  attr.target_fd = static_cast<uint32_t>(target.fd());
  attr.attach_bpf_fd = static_cast<uint32_t>(prog);
  attr.attach_type = BPF_CGROUP_DEVICE;
  if (old.fds.size() == 1) {
    attr.attach_flags = BPF_F_ALLOW_MULTI | BPF_F_REPLACE;
    attr.replace_bpf_fd = static_cast<uint32_t>(old.fds[0]);
    if (Bpf(BPF_PROG_ATTACH, &attr) == 0) {
      replaced = 1;
    } else if (errno != EINVAL) {
      throw BpfError(env, "bpf(BPF_PROG_ATTACH, BPF_CGROUP_DEVICE, BPF_F_ALLOW_MULTI|BPF_F_REPLACE)", errno);
    }
    // EINVAL: a kernel without BPF_F_REPLACE (< 5.6): attach, then detach.
  }
  if (!replaced) {
    attr.attach_flags = BPF_F_ALLOW_MULTI;
    attr.replace_bpf_fd = 0;
    if (Bpf(BPF_PROG_ATTACH, &attr) != 0) {
      throw BpfError(env, "bpf(BPF_PROG_ATTACH, BPF_CGROUP_DEVICE, BPF_F_ALLOW_MULTI)", errno);
    }
    for (int fd : old.fds) {
      union bpf_attr d;
      memset(&d, 0, sizeof(d));
      d.target_fd = static_cast<uint32_t>(target.fd());
      d.attach_bpf_fd = static_cast<uint32_t>(fd);
      d.attach_type = BPF_CGROUP_DEVICE;
      if (Bpf(BPF_PROG_DETACH, &d) == 0) {
        detached++;
      } else if (errno != ENOENT) {
        throw BpfError(env, "bpf(BPF_PROG_DETACH, BPF_CGROUP_DEVICE) of the previous program", errno);
      }
    }
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("replaced", Napi::Number::New(env, replaced));
  out.Set("detached", Napi::Number::New(env, detached));
  return out;
}

}  // namespace

void InitEbpf(Napi::Env env, Napi::Object exports) {
  exports.Set("bpfLoadCgroupDevice", Napi::Function::New(env, LoadCgroupDevice));
  exports.Set("bpfAttachCgroup", Napi::Function::New(env, AttachCgroup));
  exports.Set("bpfQueryCgroup", Napi::Function::New(env, QueryCgroup));
}

}  // namespace tsrun
