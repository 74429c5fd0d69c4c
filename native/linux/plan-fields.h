// The plan's one field list. Fields() visits every field of a Plan with the
// key the TypeScript plan (lib/linux/plan.ts InitPlan, steps.ts Step) gives
// it, for three visitors: the wire encoder and decoder (plan.cc) and the
// reader of the JavaScript object (addon.cc), which refuses a key missing
// here or there, naming it. A field added, renamed or removed is so changed
// in one place, and a mismatch with TypeScript is an error, never a 0.
//
// A visitor has:
//   Num(key, v[, kOptional])    a number or bool (a BigInt from JS too)
//   Str(key, s[, kOptional])    a string or null
//   Bytes(key, s)               a Buffer
//   Nums(key, vector)           a list of numbers
//   Strs(key, vector)           a list of strings; NullTerminated: then a NULL (argv)
//   List(key, vector, fn)       a list of objects, fn(element) visiting each one's fields
//   Maybe(key, present, fn)     an object or null: present says which
//   JsOnly(key)                 a key the JavaScript object has for its own use
// kOptional: the key may be missing from the JavaScript object, the field
// then keeps its default (plan.h).
#pragma once

#include "plan.h"

namespace tsrun {

enum Presence : int { kRequired, kOptional };

template <class IO>
void Fields(IO& io, Step& s) {
  io.Num("op", s.op);
  io.Num("root", s.root, kOptional);
  io.Num("create", s.create, kOptional);
  io.Num("optional", s.optional, kOptional);
  io.Num("keepMode", s.keep_mode, kOptional);
  io.Num("copyUp", s.copy_up, kOptional);
  io.Str("uidMap", s.uid_map, kOptional);
  io.Str("gidMap", s.gid_map, kOptional);
  io.Num("idmapRecursive", s.idmap_recursive, kOptional);
  io.Num("pivot", s.pivot, kOptional);
  io.Num("onlyCreate", s.only_create, kOptional);
  io.Str("source", s.source, kOptional);
  io.Str("target", s.target, kOptional);
  io.Str("fstype", s.fstype, kOptional);
  io.Str("data", s.data, kOptional);
  io.Num("flags", s.flags, kOptional);
  io.Num("clear", s.clear, kOptional);
  io.Num("mode", s.mode, kOptional);
  io.Num("major", s.major, kOptional);
  io.Num("minor", s.minor, kOptional);
  io.Num("uid", s.uid, kOptional);
  io.Num("gid", s.gid, kOptional);
  io.JsOnly("what");
}

template <class IO>
void Fields(IO& io, Hook& h) {
  io.Str("path", h.path);
  io.NullTerminated("args", h.argv);
  io.NullTerminated("env", h.envp);
  io.Num("timeout", h.timeout);
  io.Str("cwd", h.cwd);
}

template <class IO>
void Fields(IO& io, Plan& p) {
  io.Str("rootfs", p.rootfs);
  io.Num("cloneFlags", p.clone_flags);
  io.Num("cgroupFd", p.cgroup_fd);
  io.Nums("cgroupTaskFds", p.cgroup_task_fds);
  io.Num("unshareFlags", p.unshare_flags);
  io.Num("userns", p.userns);
  io.List("joins", p.joins, [&](JoinNamespace& j) {
    io.Num("fd", j.fd);
    io.Num("nstype", j.nstype);
  });
  io.Num("joinPid", p.join_pid);
  io.List("steps", p.steps, [&](Step& s) { Fields(io, s); });
  io.Strs("execCandidates", p.exec_candidates);
  io.NullTerminated("args", p.argv);
  io.NullTerminated("env", p.envp);
  io.Num("uid", p.uid);
  io.Num("gid", p.gid);
  io.Nums("groups", p.groups);
  io.Num("setGroups", p.set_groups);
  io.Num("umask", p.umask);
  io.Nums("stdio", p.stdio);
  io.Num("preserveFds", p.preserve_fds);
  io.Num("stateDirFd", p.state_dir_fd);
  io.Str("keyring", p.keyring);

  io.Maybe("caps", p.set_caps, [&] {
    io.Num("bounding", p.cap_bounding);
    io.Num("effective", p.cap_effective);
    io.Num("permitted", p.cap_permitted);
    io.Num("inheritable", p.cap_inheritable);
    io.Num("ambient", p.cap_ambient);
    io.Num("last", p.cap_last);
  });
  io.List("rlimits", p.rlimits, [&](Rlimit& r) {
    io.Num("resource", r.resource);
    io.Num("soft", r.soft);
    io.Num("hard", r.hard);
  });
  io.Num("noNewPrivileges", p.no_new_privs);
  io.Num("personality", p.personality);
  io.Num("ioprio", p.ioprio);
  io.Maybe("scheduler", p.set_scheduler, [&] {
    io.Num("policy", p.scheduler.sched_policy);
    io.Num("flags", p.scheduler.sched_flags);
    io.Num("nice", p.scheduler.sched_nice);
    io.Num("priority", p.scheduler.sched_priority);
    io.Num("runtime", p.scheduler.sched_runtime);
    io.Num("deadline", p.scheduler.sched_deadline);
    io.Num("period", p.scheduler.sched_period);
  });

  io.Maybe("seccomp", p.set_seccomp, [&] {
    io.Bytes("program", p.seccomp_program);
    io.Num("flags", p.seccomp_flags);
    io.Num("listenerFd", p.seccomp_listener_fd);
  });

  io.Num("terminal", p.terminal);
  io.Num("consoleSocketFd", p.console_socket_fd);
  io.Num("consoleRows", p.console_rows);
  io.Num("consoleCols", p.console_cols);

  io.List("createContainerHooks", p.create_container_hooks, [&](Hook& h) { Fields(io, h); });
  io.List("startContainerHooks", p.start_container_hooks, [&](Hook& h) { Fields(io, h); });
  io.Num("runtimeHooks", p.runtime_hooks);
  io.Num("messageSize", p.message_size);
}

}  // namespace tsrun
