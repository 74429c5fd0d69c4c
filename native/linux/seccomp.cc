// The container's seccomp filter, compiled with libseccomp in the runtime's
// process before the init is cloned. Policy (which names, which actions,
// what the config.json fields mean) is in lib/linux/seccomp.ts; this file
// follows runc's libcontainer/seccomp for how a profile becomes a filter:
//   - syscall names libseccomp does not know are skipped (reported back);
//   - rules whose action is the default action are skipped;
//   - conditions on distinct arguments form one rule, but when two conditions
//     name the same argument each becomes a rule of its own (an OR);
//   - SCMP_ACT_ERRNO and SCMP_ACT_TRACE return EPERM unless told otherwise;
//   - no_new_privs is left to the runtime (SCMP_FLTATR_CTL_NNP = 0);
//   - the binary tree optimisation is on past 32 rules;
//   - unless the default action lets calls through, a stub in front of the
//     filter answers ENOSYS for syscall numbers above the largest one the
//     profile names on each of its architectures, so that programs fall back
//     from syscalls newer than the profile instead of seeing its EPERM.
#include "seccomp.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/audit.h>
#include <linux/filter.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <seccomp.h>

namespace tsrun {
namespace {

constexpr uint32_t kX32SyscallBit = 0x40000000U;
constexpr unsigned kMaxArgs = 6;

struct Cond {
  unsigned index;
  int op;
  uint64_t value;
  uint64_t value_two;
};

struct Rule {
  std::string syscall;
  uint32_t action;
  std::vector<Cond> args;
};

struct Filter {
  uint32_t default_action;
  std::vector<std::string> arches;
  std::vector<Rule> rules;
  bool enosys_stub;
};

// An error that says where it comes from: the index of the offending rule or
// architecture in the input arrays, for the caller to name the JSON field.
Napi::Error Failure(Napi::Env env, const std::string& message, const char* key = nullptr, uint32_t index = 0) {
  Napi::Error e = Napi::Error::New(env, message);
  if (key) e.Set(key, Napi::Number::New(env, index));
  return e;
}

std::string Errno(int rc) { return strerror(rc < 0 ? -rc : rc); }

uint32_t U32(Napi::Env env, const Napi::Value& v, const std::string& what) {
  if (!v.IsNumber()) throw Failure(env, "seccompCompile: " + what + " must be a number");
  double d = v.As<Napi::Number>().DoubleValue();
  if (d < 0 || d > 4294967295.0 || d != static_cast<double>(static_cast<uint64_t>(d)))
    throw Failure(env, "seccompCompile: " + what + " must be an integer from 0 to 2^32-1");
  return static_cast<uint32_t>(d);
}

uint64_t U64(Napi::Env env, const Napi::Value& v, const std::string& what) {
  if (v.IsUndefined() || v.IsNull()) return 0;
  if (v.IsBigInt()) {
    bool lossless = false;
    uint64_t n = v.As<Napi::BigInt>().Uint64Value(&lossless);
    if (!lossless) throw Failure(env, "seccompCompile: " + what + " does not fit in 64 bits");
    return n;
  }
  if (v.IsNumber()) {
    double d = v.As<Napi::Number>().DoubleValue();
    if (d < 0 || d >= 18446744073709551616.0 || d != static_cast<double>(static_cast<uint64_t>(d)))
      throw Failure(env, "seccompCompile: " + what + " must be an integer from 0 to 2^64-1");
    return static_cast<uint64_t>(d);
  }
  throw Failure(env, "seccompCompile: " + what + " must be a bigint or a number");
}

// The action with its return code: SCMP_ACT_ERRNO and SCMP_ACT_TRACE take
// `errno` (EPERM when absent, as runc does), the others take nothing.
uint32_t Action(Napi::Env env, const Napi::Object& o, const char* action_key, const char* errno_key,
                const std::string& what) {
  uint32_t action = U32(env, o.Get(action_key), what + "." + action_key);
  uint32_t base = action & 0xffff0000U;
  if (base == SCMP_ACT_ERRNO(0) || base == SCMP_ACT_TRACE(0)) {
    Napi::Value e = o.Get(errno_key);
    uint32_t code = EPERM;
    if (!e.IsUndefined() && !e.IsNull()) code = U32(env, e, what + "." + errno_key);
    else if (action & 0xffffU) code = action & 0xffffU;
    if (code > 0xffffU) throw Failure(env, "seccompCompile: " + what + "." + errno_key + " must be at most 65535");
    return base | code;
  }
  return action;
}

Filter FilterFromJs(Napi::Env env, const Napi::Value& v) {
  if (!v.IsObject()) throw Failure(env, "seccompCompile: the filter must be an object");
  Napi::Object js = v.As<Napi::Object>();
  Filter f;
  f.default_action = Action(env, js, "defaultAction", "defaultErrno", "filter");
  Napi::Value stub = js.Get("enosysStub");
  f.enosys_stub = stub.IsUndefined() ? true : stub.ToBoolean().Value();

  Napi::Value arches = js.Get("architectures");
  if (!arches.IsUndefined() && !arches.IsNull()) {
    if (!arches.IsArray()) throw Failure(env, "seccompCompile: architectures must be an array of strings");
    Napi::Array a = arches.As<Napi::Array>();
    for (uint32_t i = 0; i < a.Length(); i++) {
      Napi::Value s = a.Get(i);
      if (!s.IsString()) throw Failure(env, "seccompCompile: architectures[" + std::to_string(i) + "] must be a string", "arch", i);
      f.arches.push_back(s.As<Napi::String>().Utf8Value());
    }
  }

  Napi::Value rules = js.Get("rules");
  if (!rules.IsUndefined() && !rules.IsNull()) {
    if (!rules.IsArray()) throw Failure(env, "seccompCompile: rules must be an array");
    Napi::Array a = rules.As<Napi::Array>();
    f.rules.resize(a.Length());
    for (uint32_t i = 0; i < a.Length(); i++) {
      std::string what = "rules[" + std::to_string(i) + "]";
      Napi::Value rv = a.Get(i);
      if (!rv.IsObject()) throw Failure(env, "seccompCompile: " + what + " must be an object", "rule", i);
      Napi::Object r = rv.As<Napi::Object>();
      Rule& rule = f.rules[i];
      Napi::Value name = r.Get("syscall");
      if (!name.IsString()) throw Failure(env, "seccompCompile: " + what + ".syscall must be a string", "rule", i);
      rule.syscall = name.As<Napi::String>().Utf8Value();
      if (rule.syscall.empty()) throw Failure(env, "seccomp: an empty string is not a syscall name", "rule", i);
      try {
        rule.action = Action(env, r, "action", "errno", what);
        Napi::Value args = r.Get("args");
        if (args.IsArray()) {
          Napi::Array list = args.As<Napi::Array>();
          for (uint32_t j = 0; j < list.Length(); j++) {
            std::string where = what + ".args[" + std::to_string(j) + "]";
            Napi::Value cv = list.Get(j);
            if (!cv.IsObject()) throw Failure(env, "seccompCompile: " + where + " must be an object");
            Napi::Object c = cv.As<Napi::Object>();
            Cond cond;
            cond.index = U32(env, c.Get("index"), where + ".index");
            cond.op = static_cast<int>(U32(env, c.Get("op"), where + ".op"));
            cond.value = U64(env, c.Get("value"), where + ".value");
            cond.value_two = U64(env, c.Get("valueTwo"), where + ".valueTwo");
            if (cond.index >= kMaxArgs)
              throw Failure(env, "seccomp: syscall \"" + rule.syscall + "\": argument index " +
                                     std::to_string(cond.index) + " is out of range (0 to 5)");
            if (cond.op < SCMP_CMP_NE || cond.op > SCMP_CMP_MASKED_EQ)
              throw Failure(env, "seccomp: syscall \"" + rule.syscall + "\": unknown comparison operator " +
                                     std::to_string(cond.op));
            rule.args.push_back(cond);
          }
        } else if (!args.IsUndefined() && !args.IsNull()) {
          throw Failure(env, "seccompCompile: " + what + ".args must be an array");
        }
      } catch (Napi::Error& e) {
        e.Set("rule", Napi::Number::New(env, i));
        throw;
      }
    }
  }
  return f;
}

struct CtxDeleter {
  void operator()(void* ctx) const { seccomp_release(ctx); }
};
using Ctx = std::unique_ptr<void, CtxDeleter>;

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) close(fd);
  }
};

// ------------------------------------------------------------ the -ENOSYS stub

sock_filter Insn(uint16_t code, uint32_t k, uint8_t jt = 0, uint8_t jf = 0) {
  sock_filter s;
  s.code = code;
  s.jt = jt;
  s.jf = jf;
  s.k = k;
  return s;
}

sock_filter LoadWord(uint32_t off) { return Insn(BPF_LD | BPF_W | BPF_ABS, off); }
sock_filter Ja(uint32_t skip) { return Insn(BPF_JMP | BPF_JA, skip); }
sock_filter Ret(uint32_t v) { return Insn(BPF_RET | BPF_K, v); }
sock_filter Jeq(uint32_t k, uint8_t jt, uint8_t jf) { return Insn(BPF_JMP | BPF_JEQ | BPF_K, k, jt, jf); }
sock_filter Jgt(uint32_t k, uint8_t jt, uint8_t jf) { return Insn(BPF_JMP | BPF_JGT | BPF_K, k, jt, jf); }
sock_filter Jset(uint32_t k, uint8_t jt, uint8_t jf) { return Insn(BPF_JMP | BPF_JSET | BPF_K, k, jt, jf); }

void Prepend(std::vector<sock_filter>& to, const std::vector<sock_filter>& what) {
  to.insert(to.begin(), what.begin(), what.end());
}

// The architecture the kernel reports in seccomp_data.arch. libseccomp's
// tokens are the AUDIT_ARCH_* values, except x32's, which runs as x86_64
// with bit 30 set in the syscall number.
uint32_t AuditArch(uint32_t token) { return token == SCMP_ARCH_X32 ? SCMP_ARCH_X86_64 : token; }

// Per audit arch, in the order of the profile: the largest syscall number the
// profile names for each libseccomp arch that maps to it.
struct ArchMax {
  uint32_t audit;
  std::vector<std::pair<uint32_t, uint32_t>> maxima;  // (token, largest syscall number)
};

std::vector<sock_filter> EnosysStub(const Filter& f, const std::vector<uint32_t>& tokens,
                                    std::vector<std::string>& warnings) {
  std::vector<ArchMax> archs;
  for (size_t i = 0; i < tokens.size(); i++) {
    uint32_t token = tokens[i];
    uint32_t audit = AuditArch(token);
    ArchMax* entry = nullptr;
    for (ArchMax& a : archs)
      if (a.audit == audit) entry = &a;
    if (!entry) {
      archs.push_back({audit, {}});
      entry = &archs.back();
    }
    bool seen = false;
    for (auto& m : entry->maxima) seen = seen || m.first == token;
    if (seen) continue;
    int largest = 0;
    for (const Rule& r : f.rules) {
      int n = seccomp_syscall_resolve_name_arch(token, r.syscall.c_str());
      if (n > largest) largest = n;  // unknown (__NR_SCMP_ERROR) and pseudo syscalls are negative
    }
    if (largest > 0) entry->maxima.push_back({token, static_cast<uint32_t>(largest)});
    else warnings.push_back("could not find any syscalls for arch " + f.arches[i]);
  }

  const uint32_t enosys = SCMP_ACT_ERRNO(ENOSYS);
  // Built back to front, as runc's patchbpf does, so that every jump is
  // measured from the end: fall-through rules go into the filter, the last
  // instruction returns -ENOSYS.
  std::vector<sock_filter> tail = {Ja(1), Ret(enosys)};
  std::map<uint32_t, uint32_t> jump_table;  // audit arch -> length of tail from its section
  bool any = false;
  for (const ArchMax& a : archs) {
    if (a.maxima.empty()) continue;
    any = true;
    uint32_t base_enosys = static_cast<uint32_t>(tail.size() - 1);
    uint32_t base_filter = base_enosys + 1;
    std::vector<sock_filter> section = {LoadWord(0)};  // the syscall number
    if (a.maxima.size() == 1) {
      uint32_t token = a.maxima[0].first;
      uint32_t sysno = a.maxima[0].second;
      // s390(x) multiplexes large syscall numbers through setup(2), nr 0:
      // unknown ones arrive as 0.
      if (token == SCMP_ARCH_S390 || token == SCMP_ARCH_S390X) {
        section.push_back(Jeq(0, 0, 1));
        section.push_back(Ret(enosys));
      }
      std::vector<sock_filter> section_tail;
      if (base_enosys + 1 <= 255) {
        section_tail = {Jgt(sysno, static_cast<uint8_t>(base_enosys + 1), 0), Ja(base_filter)};
      } else {
        section_tail = {Jgt(sysno, 0, 1), Ret(enosys), Ja(base_filter)};
      }
      if (a.audit == SCMP_ARCH_X86_64) {
        uint8_t skip = static_cast<uint8_t>(section_tail.size() - 1);
        if (token == SCMP_ARCH_X86_64) Prepend(section_tail, {Jset(kX32SyscallBit, skip, 0)});
        else Prepend(section_tail, {Jset(kX32SyscallBit, 0, skip)});  // x32
      }
      section.insert(section.end(), section_tail.begin(), section_tail.end());
    } else {
      // Only x86_64 has two ABIs on one audit arch (x86_64 and x32).
      uint32_t x86 = 0, x32 = 0;
      for (auto& m : a.maxima) (m.first == SCMP_ARCH_X32 ? x32 : x86) = m.second;
      if (base_enosys + 2 <= 255) {
        section.insert(section.end(), {Jset(kX32SyscallBit, 1, 0),
                                       Jgt(x86, static_cast<uint8_t>(base_enosys + 2), 1),
                                       Jgt(x32, static_cast<uint8_t>(base_enosys + 1), 0),
                                       Ja(base_filter)});
      } else {
        section.insert(section.end(), {Jset(kX32SyscallBit, 1, 0), Jgt(x86, 1, 2), Jgt(x32, 0, 1),
                                       Ret(enosys), Ja(base_filter)});
      }
    }
    Prepend(tail, section);
    jump_table[a.audit] = static_cast<uint32_t>(tail.size());
  }
  if (!any) return {};
  // Architectures the stub does not know go straight to the filter (whose
  // bad-arch action then applies).
  Prepend(tail, {Ja(static_cast<uint32_t>(tail.size()))});
  for (const ArchMax& a : archs) {
    if (a.maxima.empty()) continue;
    uint32_t jump = static_cast<uint32_t>(tail.size()) - jump_table[a.audit];
    if (jump <= 255) Prepend(tail, {Jeq(a.audit, static_cast<uint8_t>(jump), 0)});
    else Prepend(tail, {Jeq(a.audit, 0, 1), Ja(jump)});
  }
  Prepend(tail, {LoadWord(4)});  // the architecture
  return tail;
}

// ------------------------------------------------------------ compile

std::vector<char> Export(Napi::Env env, scmp_filter_ctx ctx) {
  Fd mem;
  mem.fd = memfd_create("tsrun-seccomp", MFD_CLOEXEC);
  if (mem.fd < 0) throw Failure(env, std::string("seccomp: memfd_create: ") + strerror(errno));
  int rc = seccomp_export_bpf(ctx, mem.fd);
  if (rc < 0) throw Failure(env, "seccomp: exporting the filter failed: " + Errno(rc));
  struct stat st;
  if (fstat(mem.fd, &st) != 0) throw Failure(env, std::string("seccomp: fstat: ") + strerror(errno));
  std::vector<char> out(static_cast<size_t>(st.st_size));
  size_t done = 0;
  while (done < out.size()) {
    ssize_t n = pread(mem.fd, out.data() + done, out.size() - done, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw Failure(env, std::string("seccomp: reading the exported filter: ") + (n < 0 ? strerror(errno) : "short read"));
    done += static_cast<size_t>(n);
  }
  if (out.empty() || out.size() % sizeof(sock_filter) != 0)
    throw Failure(env, "seccomp: libseccomp exported a malformed program (" + std::to_string(out.size()) + " bytes)");
  return out;
}

Napi::Value Compile(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Filter f = FilterFromJs(env, info[0]);

  Ctx ctx(seccomp_init(f.default_action));
  if (!ctx) throw Failure(env, "seccomp: invalid default action " + std::to_string(f.default_action));

  std::vector<uint32_t> tokens;
  for (size_t i = 0; i < f.arches.size(); i++) {
    uint32_t token = seccomp_arch_resolve_name(f.arches[i].c_str());
    if (token == 0)
      throw Failure(env, "seccomp: architecture \"" + f.arches[i] + "\" is not known to libseccomp", "arch",
                    static_cast<uint32_t>(i));
    tokens.push_back(token);
    // The native architecture is in every filter from the start.
    if (seccomp_arch_exist(ctx.get(), token) == 0) continue;
    int rc = seccomp_arch_add(ctx.get(), token);
    if (rc < 0 && rc != -EEXIST)
      throw Failure(env, "seccomp: adding architecture \"" + f.arches[i] + "\": " + Errno(rc), "arch",
                    static_cast<uint32_t>(i));
  }

  int rc = seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_NNP, 0);
  if (rc < 0) throw Failure(env, "seccomp: clearing the no_new_privs attribute: " + Errno(rc));
  // Not fatal: older libseccomp has no binary tree (and misbehaves with it
  // on an empty rule set, hence the threshold runc uses too).
  if (f.rules.size() > 32) seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_OPTIMIZE, 2);

  std::vector<std::string> unknown;
  for (size_t i = 0; i < f.rules.size(); i++) {
    const Rule& r = f.rules[i];
    if (r.action == f.default_action) continue;  // redundant, and libseccomp would refuse it
    int nr = seccomp_syscall_resolve_name(r.syscall.c_str());
    if (nr == __NR_SCMP_ERROR) {
      unknown.push_back(r.syscall);
      continue;
    }
    std::vector<scmp_arg_cmp> conds;
    unsigned per_arg[kMaxArgs] = {};
    bool shared = false;
    for (const Cond& c : r.args) {
      scmp_arg_cmp cmp;
      cmp.arg = c.index;
      cmp.op = static_cast<scmp_compare>(c.op);
      cmp.datum_a = c.value;
      cmp.datum_b = c.value_two;
      conds.push_back(cmp);
      if (++per_arg[c.index] > 1) shared = true;
    }
    auto add = [&](unsigned count, const scmp_arg_cmp* array) {
      int err = seccomp_rule_add_array(ctx.get(), r.action, nr, count, array);
      if (err < 0)
        throw Failure(env, "seccomp: adding the rule for syscall \"" + r.syscall + "\" failed: " + Errno(err), "rule",
                      static_cast<uint32_t>(i));
    };
    if (shared) {
      // As runc: conditions on one argument cannot all hold at once in one
      // rule, so each becomes a rule of its own.
      for (const scmp_arg_cmp& c : conds) add(1, &c);
    } else {
      add(static_cast<unsigned>(conds.size()), conds.empty() ? nullptr : conds.data());
    }
  }

  std::vector<char> program = Export(env, ctx.get());
  std::vector<std::string> warnings;
  uint32_t base = f.default_action & 0xffff0000U;
  bool lets_through = f.default_action == SCMP_ACT_ALLOW || f.default_action == SCMP_ACT_LOG || base == SCMP_ACT_TRACE(0);
  if (f.enosys_stub && !lets_through && f.default_action != SCMP_ACT_ERRNO(ENOSYS)) {
    std::vector<sock_filter> stub = EnosysStub(f, tokens, warnings);
    const char* bytes = reinterpret_cast<const char*>(stub.data());
    program.insert(program.begin(), bytes, bytes + stub.size() * sizeof(sock_filter));
  }
  if (program.size() / sizeof(sock_filter) > BPF_MAXINSNS)
    throw Failure(env, "seccomp: the filter has " + std::to_string(program.size() / sizeof(sock_filter)) +
                           " instructions, more than the kernel's " + std::to_string(BPF_MAXINSNS));

  Napi::Object out = Napi::Object::New(env);
  out.Set("program", Napi::Buffer<char>::Copy(env, program.data(), program.size()));
  Napi::Array u = Napi::Array::New(env, unknown.size());
  for (uint32_t i = 0; i < unknown.size(); i++) u.Set(i, Napi::String::New(env, unknown[i]));
  out.Set("unknownSyscalls", u);
  Napi::Array w = Napi::Array::New(env, warnings.size());
  for (uint32_t i = 0; i < warnings.size(); i++) w.Set(i, Napi::String::New(env, warnings[i]));
  out.Set("warnings", w);
  return out;
}

// seccompResolve(name, arch?) -> syscall number for that libseccomp arch
// (the native one by default), or null when libseccomp does not know it.
Napi::Value Resolve(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString()) throw Failure(env, "seccompResolve: the syscall name must be a string");
  std::string name = info[0].As<Napi::String>().Utf8Value();
  uint32_t token = SCMP_ARCH_NATIVE;
  if (info.Length() > 1 && info[1].IsString()) {
    std::string arch = info[1].As<Napi::String>().Utf8Value();
    token = seccomp_arch_resolve_name(arch.c_str());
    if (token == 0) throw Failure(env, "seccomp: architecture \"" + arch + "\" is not known to libseccomp");
  }
  int nr = token == SCMP_ARCH_NATIVE ? seccomp_syscall_resolve_name(name.c_str())
                                     : seccomp_syscall_resolve_name_arch(token, name.c_str());
  if (nr == __NR_SCMP_ERROR) return env.Null();
  return Napi::Number::New(env, nr);
}

Napi::Object Constants(Napi::Env env) {
  Napi::Object c = Napi::Object::New(env);
#define C(name, value) c.Set(name, Napi::Number::New(env, static_cast<double>(value)))
  C("SCMP_ACT_KILL", SCMP_ACT_KILL);
  C("SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS);
  C("SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD);
  C("SCMP_ACT_TRAP", SCMP_ACT_TRAP);
  C("SCMP_ACT_ERRNO", SCMP_ACT_ERRNO(0));
  C("SCMP_ACT_TRACE", SCMP_ACT_TRACE(0));
  C("SCMP_ACT_ALLOW", SCMP_ACT_ALLOW);
  C("SCMP_ACT_LOG", SCMP_ACT_LOG);
  C("SCMP_ACT_NOTIFY", SCMP_ACT_NOTIFY);
  C("SCMP_CMP_NE", SCMP_CMP_NE);
  C("SCMP_CMP_LT", SCMP_CMP_LT);
  C("SCMP_CMP_LE", SCMP_CMP_LE);
  C("SCMP_CMP_EQ", SCMP_CMP_EQ);
  C("SCMP_CMP_GE", SCMP_CMP_GE);
  C("SCMP_CMP_GT", SCMP_CMP_GT);
  C("SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ);
#ifdef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
  C("SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV);
#else
  C("SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", 1UL << 5);
#endif
#undef C
  return c;
}

}  // namespace

void InitSeccomp(Napi::Env env, Napi::Object exports) {
  exports.Set("seccompCompile", Napi::Function::New(env, Compile));
  exports.Set("seccompResolve", Napi::Function::New(env, Resolve));
  Napi::Object constants = Constants(env);
  exports.Set("seccompConstants", constants);
  // Also under `constants`, where the rest of lib/linux finds them (K.*).
  Napi::Value k = exports.Get("constants");
  if (k.IsObject()) {
    Napi::Object target = k.As<Napi::Object>();
    Napi::Array names = constants.GetPropertyNames();
    for (uint32_t i = 0; i < names.Length(); i++) {
      Napi::Value name = names.Get(i);
      if (!target.Has(name)) target.Set(name, constants.Get(name));
    }
  }
  Napi::Object version = Napi::Object::New(env);
  const scmp_version* v = seccomp_version();
  if (v) {
    version.Set("major", v->major);
    version.Set("minor", v->minor);
    version.Set("micro", v->micro);
  }
  exports.Set("seccompVersion", version);
}

}  // namespace tsrun
