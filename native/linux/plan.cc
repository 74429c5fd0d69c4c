// The plan's wire format between the addon and the init executable: every
// field in the order Fields() (plan-fields.h) visits it, numbers as 64-bit
// values, strings and lists with their length first (-1 for a null string),
// an optional object as a flag and then its fields. Both ends are built from
// these files, so the format has no version.
#include <stdint.h>
#include <string.h>

#include "plan-fields.h"

namespace tsrun {
namespace {

class Writer {
 public:
  std::string out;

  template <class T>
  void Num(const char*, T& v, Presence = kRequired) {
    int64_t x = static_cast<int64_t>(v);
    out.append(reinterpret_cast<const char*>(&x), sizeof x);
  }
  template <class S>
  void Str(const char*, S& s, Presence = kRequired) {
    int64_t n = s ? static_cast<int64_t>(strlen(s)) : -1;
    Num(nullptr, n);
    if (s) out.append(s, static_cast<size_t>(n));
  }
  void Bytes(const char*, std::string& s) {
    size_t n = s.size();
    Num(nullptr, n);
    out.append(s);
  }
  template <class V>
  void Nums(const char*, V& v) {
    List(nullptr, v, [&](auto& x) { Num(nullptr, x); });
  }
  template <class V>
  void Strs(const char*, V& v) {
    List(nullptr, v, [&](auto& s) { Str(nullptr, s); });
  }
  // argv/envp: strings, then the NULL the kernel needs (not sent).
  void NullTerminated(const char*, std::vector<char*>& v) {
    size_t n = v.empty() ? 0 : v.size() - 1;
    Num(nullptr, n);
    for (size_t i = 0; i < n; i++) Str(nullptr, v[i]);
  }
  template <class V, class F>
  void List(const char*, V& v, F each) {
    size_t n = v.size();
    Num(nullptr, n);
    for (auto& x : v) each(x);
  }
  template <class F>
  void Maybe(const char*, bool& present, F fields) {
    Num(nullptr, present);
    if (present) fields();
  }
  void JsOnly(const char*) {}
};

class Reader {
 public:
  Reader(const std::string& in, Plan& plan) : p_(in.data()), end_(in.data() + in.size()), plan_(plan) {}
  bool ok = true;

  bool AtEnd() const { return p_ == end_; }

  template <class T>
  void Num(const char*, T& v, Presence = kRequired) {
    int64_t x = 0;
    if (!Take(&x, sizeof x)) return;
    v = static_cast<T>(x);
  }
  void Str(const char*, const char*& s, Presence = kRequired) {
    int64_t n = -1;
    Num(nullptr, n);
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
  void Str(const char*, char*& s, Presence = kRequired) {
    const char* c = nullptr;
    Str(nullptr, c);
    s = const_cast<char*>(c);
  }
  void Bytes(const char*, std::string& s) {
    const char* c = nullptr;
    Str(nullptr, c);
    s = c ? plan_.strings.back() : std::string();
  }
  template <class V>
  void Nums(const char*, V& v) {
    List(nullptr, v, [&](auto& x) { Num(nullptr, x); });
  }
  template <class V>
  void Strs(const char*, V& v) {
    List(nullptr, v, [&](auto& s) { Str(nullptr, s); });
  }
  void NullTerminated(const char*, std::vector<char*>& v) {
    Strs(nullptr, v);
    v.push_back(nullptr);
  }
  template <class V, class F>
  void List(const char*, V& v, F each) {
    size_t n = 0;
    Num(nullptr, n);
    // Each element takes at least 8 bytes: a larger count is a broken plan.
    if (!ok || n > static_cast<size_t>(end_ - p_) / 8) {
      ok = false;
      n = 0;
    }
    v.resize(n);
    for (auto& x : v) each(x);
  }
  template <class F>
  void Maybe(const char*, bool& present, F fields) {
    Num(nullptr, present);
    if (ok && present) fields();
  }
  void JsOnly(const char*) {}

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
  // Room for the "go" message, which comes later.
  plan.messages.assign(plan.message_size + 1, '\0');
  return r.ok && r.AtEnd();
}

}  // namespace tsrun
