// The plan's wire format between the addon and the init executable: every
// field in the order Fields() visits it, numbers as 64-bit values, strings and
// lists with their length first (-1 for a null string). Both ends are built
// from this one file, so the format has no version.
#include <stdint.h>
#include <string.h>

#include "plan.h"

namespace tsrun {
namespace {

class Writer {
 public:
  std::string out;

  template <class T>
  void Num(T& v) {
    int64_t x = static_cast<int64_t>(v);
    out.append(reinterpret_cast<const char*>(&x), sizeof x);
  }
  void Str(const char*& s) {
    int64_t n = s ? static_cast<int64_t>(strlen(s)) : -1;
    Num(n);
    if (s) out.append(s, static_cast<size_t>(n));
  }
  void Str(char*& s) {
    const char* c = s;
    Str(c);
  }
  void Bytes(std::string& s) {
    size_t n = s.size();
    Num(n);
    out.append(s);
  }
  // A list's length; the caller then visits each element.
  template <class V>
  void Count(V& v) {
    size_t n = v.size();
    Num(n);
  }
  // argv/envp: strings, then the NULL the kernel needs (not sent).
  void NullTerminated(std::vector<char*>& v) {
    size_t n = v.empty() ? 0 : v.size() - 1;
    Num(n);
    for (size_t i = 0; i < n; i++) Str(v[i]);
  }
};

class Reader {
 public:
  Reader(const std::string& in, Plan& plan) : p_(in.data()), end_(in.data() + in.size()), plan_(plan) {}
  bool ok = true;

  bool AtEnd() const { return p_ == end_; }

  template <class T>
  void Num(T& v) {
    int64_t x = 0;
    if (!Take(&x, sizeof x)) return;
    v = static_cast<T>(x);
  }
  void Str(const char*& s) {
    int64_t n = -1;
    Num(n);
    s = nullptr;
    if (n < 0 || !ok) return;
    if (static_cast<uint64_t>(n) > static_cast<uint64_t>(end_ - p_)) {
      ok = false;
      return;
    }
    plan_.strings.emplace_back(p_, static_cast<size_t>(n));
    p_ += n;
    s = plan_.strings.back().c_str();
  }
  void Str(char*& s) {
    const char* c = nullptr;
    Str(c);
    s = const_cast<char*>(c);
  }
  void Bytes(std::string& s) {
    const char* c = nullptr;
    Str(c);
    s = c ? plan_.strings.back() : std::string();
  }
  template <class V>
  void Count(V& v) {
    size_t n = 0;
    Num(n);
    // Each element takes at least 8 bytes: a larger count is a broken plan.
    if (!ok || n > static_cast<size_t>(end_ - p_) / 8) {
      ok = false;
      n = 0;
    }
    v.resize(n);
  }
  void NullTerminated(std::vector<char*>& v) {
    Count(v);
    for (char*& s : v) Str(s);
    v.push_back(nullptr);
  }

 private:
  bool Take(void* dst, size_t n) {
    if (!ok || static_cast<size_t>(end_ - p_) < n) {
      ok = false;
      return false;
    }
    memcpy(dst, p_, n);
    p_ += n;
    return true;
  }
  const char* p_;
  const char* end_;
  Plan& plan_;
};

template <class IO>
void Fields(IO& io, Hook& h) {
  io.Str(h.path);
  io.NullTerminated(h.argv);
  io.NullTerminated(h.envp);
  io.Num(h.timeout);
  io.Str(h.cwd);
}

template <class IO>
void Fields(IO& io, Plan& p) {
  io.Str(p.rootfs);
  io.Num(p.clone_flags);
  io.Num(p.cgroup_fd);
  io.Count(p.cgroup_task_fds);
  for (int& fd : p.cgroup_task_fds) io.Num(fd);
  io.Num(p.unshare_flags);
  io.Num(p.userns);
  io.Count(p.joins);
  for (JoinNamespace& j : p.joins) {
    io.Num(j.fd);
    io.Num(j.nstype);
  }
  io.Num(p.join_pid);
  io.Count(p.steps);
  for (Step& s : p.steps) {
    io.Num(s.op);
    io.Num(s.root);
    io.Num(s.create);
    io.Num(s.optional);
    io.Num(s.keep_mode);
    io.Num(s.tree_fd);
    io.Num(s.copy_up);
    io.Str(s.source);
    io.Str(s.target);
    io.Str(s.fstype);
    io.Str(s.data);
    io.Num(s.flags);
    io.Num(s.clear);
    io.Num(s.mode);
    io.Num(s.dev);
    io.Num(s.uid);
    io.Num(s.gid);
  }
  io.Count(p.exec_candidates);
  for (const char*& c : p.exec_candidates) io.Str(c);
  io.NullTerminated(p.argv);
  io.NullTerminated(p.envp);
  io.Num(p.uid);
  io.Num(p.gid);
  io.Count(p.groups);
  for (gid_t& g : p.groups) io.Num(g);
  io.Num(p.set_groups);
  io.Num(p.umask);
  for (int& fd : p.stdio) io.Num(fd);
  io.Num(p.preserve_fds);
  io.Num(p.state_dir_fd);
  io.Str(p.keyring);

  io.Num(p.set_caps);
  io.Num(p.cap_bounding);
  io.Num(p.cap_effective);
  io.Num(p.cap_permitted);
  io.Num(p.cap_inheritable);
  io.Num(p.cap_ambient);
  io.Num(p.cap_last);
  io.Count(p.rlimits);
  for (Rlimit& r : p.rlimits) {
    io.Num(r.resource);
    io.Num(r.soft);
    io.Num(r.hard);
  }
  io.Num(p.no_new_privs);
  io.Str(p.oom_score_adj);
  io.Num(p.personality);
  io.Num(p.ioprio);
  io.Num(p.set_scheduler);
  io.Num(p.scheduler.size);
  io.Num(p.scheduler.sched_policy);
  io.Num(p.scheduler.sched_flags);
  io.Num(p.scheduler.sched_nice);
  io.Num(p.scheduler.sched_priority);
  io.Num(p.scheduler.sched_runtime);
  io.Num(p.scheduler.sched_deadline);
  io.Num(p.scheduler.sched_period);
  io.Str(p.apparmor_profile);
  io.Str(p.selinux_label);

  io.Bytes(p.seccomp_program);
  io.Num(p.seccomp_flags);
  io.Num(p.seccomp_listener_fd);

  io.Num(p.terminal);
  io.Num(p.console_socket_fd);
  io.Num(p.console_rows);
  io.Num(p.console_cols);

  io.Count(p.create_container_hooks);
  for (Hook& h : p.create_container_hooks) Fields(io, h);
  io.Count(p.start_container_hooks);
  for (Hook& h : p.start_container_hooks) Fields(io, h);
  io.Num(p.runtime_hooks);
  // Only the size of the "go" message's buffer: its bytes come later.
  size_t messages = p.messages.size();
  io.Num(messages);
  if (messages != p.messages.size()) p.messages.assign(messages, '\0');
}

}  // namespace

std::string EncodePlan(const Plan& plan) {
  Writer w;
  // Fields() serves both directions; the writer only reads the plan.
  Fields(w, const_cast<Plan&>(plan));
  return std::move(w.out);
}

bool DecodePlan(const std::string& bytes, Plan& plan) {
  Reader r(bytes, plan);
  Fields(r, plan);
  return r.ok && r.AtEnd();
}

}  // namespace tsrun
