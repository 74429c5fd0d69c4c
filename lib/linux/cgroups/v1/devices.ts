// The v1 devices controller: devices.deny "a" (deny everything, forget every
// exception), then each rule of deviceRules() in order, "c 1:3 rwm" into
// devices.allow or devices.deny ("*" for -1). Later rules win, as in runc:
// runc's defaults come last, so denying one of them (say c 1:9) in
// linux.resources.devices has no effect, with runc as here.
//
// runc reaches the same end state through its device emulator, writing only
// the difference; we emulate the kernel's rules just enough to skip the
// writes when devices.list already matches (so `update` never opens a window
// where the container's devices are denied) and to check the result
// afterwards, as runc does.
import type { LinuxResources } from '../../../spec/types.js';
import { SpecError } from '../../../spec/errors.js';
import { accessLetters as normAccess, deviceRules, type DeviceRule } from '../devices.js';
import { read, writeField } from '../files.js';

const F = 'linux.resources.devices';

/** What a devices cgroup allows: everything but exceptions, or nothing but exceptions. */
interface DeviceState {
  allowAll: boolean;
  /** "c 1:3" -> access letters. */
  exceptions: Map<string, Set<string>>;
}

const num = (n: number) => (n < 0 ? '*' : String(n));
const ruleKey = (r: DeviceRule) => `${r.type} ${num(r.major)}:${num(r.minor)}`;

/** The kernel's devcgroup_update_access, on a model. */
function emulate(rules: DeviceRule[]): DeviceState {
  const st: DeviceState = { allowAll: false, exceptions: new Map() };
  for (const r of rules) {
    if (r.type === 'a') {
      st.allowAll = r.allow;
      st.exceptions.clear();
      continue;
    }
    const key = ruleKey(r);
    // An allow rule adds an exception to a deny-all list and removes one from
    // an allow-all list; a deny rule the other way round.
    if (r.allow !== st.allowAll) {
      const cur = st.exceptions.get(key) ?? new Set<string>();
      for (const c of r.access) cur.add(c);
      st.exceptions.set(key, cur);
    } else {
      const cur = st.exceptions.get(key);
      if (!cur) continue;
      for (const c of r.access) cur.delete(c);
      if (cur.size === 0) st.exceptions.delete(key);
    }
  }
  return st;
}

/** devices.list: "a *:* rwm" alone for allow-all, else the allowed exceptions. */
function currentState(dir: string): DeviceState {
  const st: DeviceState = { allowAll: false, exceptions: new Map() };
  for (const line of read(dir, 'devices.list').split('\n')) {
    const m = /^([abc]) (\S+:\S+) ([rwm]*)$/.exec(line.trim());
    if (!m) continue;
    if (m[1] === 'a') st.allowAll = true;
    else st.exceptions.set(`${m[1]} ${m[2]}`, new Set(m[3]));
  }
  if (st.allowAll) st.exceptions.clear(); // the kernel does not list a blacklist
  return st;
}

function describe(st: DeviceState): string {
  if (st.allowAll) return 'a *:* rwm';
  return [...st.exceptions].map(([k, a]) => `${k} ${normAccess(a)}`).sort().join(', ') || '(nothing)';
}

function sameState(a: DeviceState, b: DeviceState): boolean {
  // Exceptions of an allow-all list are not visible: those never compare equal.
  if (a.allowAll || b.allowAll) return false;
  if (a.exceptions.size !== b.exceptions.size) return false;
  for (const [k, acc] of a.exceptions) {
    const other = b.exceptions.get(k);
    if (!other || normAccess(other) !== normAccess(acc)) return false;
  }
  return true;
}

/** Throws on an unknown type or bad access, before anything is created. */
export function validateDevices(resources: LinuxResources | undefined): void {
  deviceRules(resources);
}

export function applyDevices(dir: string, resources: LinuxResources | undefined): void {
  const userCount = resources?.devices?.length ?? 0;
  const rules = deviceRules(resources).filter((r) => r.type === 'a' || r.access !== '');
  const target = emulate(rules);
  if (sameState(currentState(dir), target)) return;

  writeField(dir, 'devices.deny', 'a', F);
  deviceRules(resources).forEach((r, i) => {
    if (r.type !== 'a' && r.access === '') return; // grants or denies nothing
    const line = r.type === 'a' ? 'a *:* rwm' : `${ruleKey(r)} ${normAccess(r.access)}`;
    const field = i < userCount ? `${F}[${i}]` : F;
    const file = r.allow ? 'devices.allow' : 'devices.deny';
    writeField(dir, file, line, field, (e) =>
      (i >= userCount ? `runc's default rule ${line}` : undefined) ??
      ((e as NodeJS.ErrnoException).code === 'EPERM' ? 'the parent cgroup does not allow it' : undefined));
  });

  // Check the outcome, as runc does: exactly the list for a deny-all
  // (white)list, at least the mode for an allow-all one.
  const after = currentState(dir);
  if (target.allowAll ? !after.allowAll : !sameState(after, target)) {
    throw new SpecError(F, `the devices cgroup ${dir} ended up as [${describe(after)}] instead of [${describe(target)}]`);
  }
}
