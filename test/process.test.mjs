// process and security settings on a real kernel: user, umask, env, cwd,
// capabilities, rlimits, no_new_privs, oom_score_adj, sysctl, personality,
// scheduler, I/O priority, LSM labels, fd hygiene, and the created init's
// dumpability. Observed through the CLI (`tsrun --root R run ID`, stdout
// captured) and, where the output is observable, compared with runc (the
// reference) on the same bundle; the runc half is skipped, with a comment,
// when runc is not installed.
import t from 'tap'
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  bundle, cleanup, needsRoot, run, sharedRootfs, stateRoot, tempDir, uniqueId, which, TSRUN_BIN,
} from './helpers/env.mjs'

const RUNC = which('runc')
const NO_RUNC = 'runc is not installed: the runc comparison is skipped'

/** runc's version as [major, minor, patch], or null. */
function runcVersion() {
  if (!RUNC) return null
  const r = spawnSync(RUNC, ['--version'], { encoding: 'utf8' })
  const m = /runc version (\d+)\.(\d+)\.(\d+)/.exec(r.stdout || '')
  return m ? m.slice(1).map(Number) : null
}
const RUNC_VERSION = runcVersion()
/** runc 1.2 added linux.personality, process.scheduler and process.ioPriority. */
const RUNC_HAS_12 = RUNC_VERSION !== null && (RUNC_VERSION[0] > 1 || (RUNC_VERSION[0] === 1 && RUNC_VERSION[1] >= 2))
const RUNC_IGNORES_12 = `runc ${RUNC_VERSION?.join('.')} predates 1.2 and ignores this setting: the runc comparison is skipped`

/** The state (0/1) of capability `bit` in this process's effective set. */
function hostHasCap(bit) {
  const line = readFileSync('/proc/self/status', 'utf8').split('\n').find((l) => l.startsWith('CapEff:'))
  return ((BigInt(`0x${line.split(/\s+/)[1]}`) >> BigInt(bit)) & 1n) === 1n
}
const CAP_SYS_RESOURCE = 24

/**
 * A runtime command line. `umask`: run it under that umask; `prefix`: a
 * command to run it through (e.g. setpriv): to show the runtime does not
 * pass its own attributes on.
 */
function runtimeRun(rt, args, { umask, prefix = [], ...opts } = {}) {
  const bin = [...prefix, ...(rt === 'tsrun' ? [process.execPath, TSRUN_BIN] : [RUNC])]
  if (umask === undefined) return run(bin[0], [...bin.slice(1), ...args], opts)
  return run('sh', ['-c', `umask ${umask}; exec "$@"`, 'sh', ...bin, ...args], opts)
}

/**
 * `tsrun run` on a fresh bundle and, when `compare` and runc is installed,
 * `runc run` on the same bundle (each with its own state root and id).
 * Returns { dir, ts, rc (null without runc or compare), check } where check()
 * force-deletes both and lists what was left.
 */
async function runBoth(t, { args, mutate, privateRootfs, compare = true, opts = {} }) {
  const dir = bundle(t, { args, mutate, privateRootfs })
  const root = stateRoot(t)
  const id = uniqueId('proc')
  const checkTs = cleanup(t, { root, id, bundle: dir })
  const ts = await runtimeRun('tsrun', ['--root', root, 'run', '--bundle', dir, id], opts)
  let rc = null
  let checkRc = async () => []
  if (compare) {
    if (RUNC) {
      const rroot = stateRoot(t)
      const rid = uniqueId('proc-runc')
      checkRc = cleanup(t, { root: rroot, id: rid, runtime: 'runc', bundle: dir })
      rc = await runtimeRun('runc', ['--root', rroot, 'run', '--bundle', dir, rid], opts)
    } else {
      t.comment(NO_RUNC)
    }
  }
  const check = async () => [...await checkTs(), ...await checkRc()]
  return { dir, ts, rc, check }
}

/** Lines of /proc/self/status-like text whose key is in keys, as { key: value }. */
function statusFields(text, keys) {
  const out = {}
  for (const line of text.split('\n')) {
    const m = /^(\w+):\s*(.*)$/.exec(line)
    if (m && keys.includes(m[1])) out[m[1]] = m[2].trim()
  }
  return out
}

const CAPS = ['CapInh', 'CapPrm', 'CapEff', 'CapBnd', 'CapAmb']

// ---------------------------------------------------------------- user, umask, env, cwd

t.test('process.user: uid, gid, additionalGids and umask', async (t) => {
  if (!needsRoot(t)) return
  const { ts, rc, check } = await runBoth(t, {
    args: ['sh', '-c', 'id; umask; touch /dev/shm/f; stat -c %a /dev/shm/f'],
    mutate: (s) => { s.process.user = { uid: 1000, gid: 1001, additionalGids: [5, 6, 7], umask: 0o027 } },
  })
  t.equal(ts.code, 0, ts.stderr)
  t.equal(ts.stdout, 'uid=1000 gid=1001 groups=5,6,7\n0027\n640\n')
  if (rc) t.same(ts.stdout, rc.stdout, 'same as runc')
  t.same(await check(), [])
})

t.test('umask is 0022 when unset, whatever the caller\'s (as runc)', async (t) => {
  if (!needsRoot(t)) return
  const { ts, rc, check } = await runBoth(t, {
    args: ['sh', '-c', 'umask; touch /dev/shm/f; stat -c %a /dev/shm/f'],
    opts: { umask: '077' },
  })
  t.equal(ts.code, 0, ts.stderr)
  t.equal(ts.stdout, '0022\n644\n')
  if (rc) t.same(ts.stdout, rc.stdout, 'same as runc')
  t.same(await check(), [])
})

t.test('a user without additionalGids has no supplementary groups (not the runtime\'s)', async (t) => {
  if (!needsRoot(t)) return
  // The runtime itself is given supplementary groups, which must not leak in.
  const prefix = which('setpriv') ? ['setpriv', '--groups', '24,25', '--'] : []
  if (!prefix.length) t.comment('setpriv (util-linux) is missing: the runtime runs with its own groups only')
  const { ts, rc, check } = await runBoth(t, {
    args: ['sh', '-c', 'id; grep Groups /proc/self/status'],
    mutate: (s) => { s.process.user = { uid: 1000, gid: 1000 } },
    opts: { prefix },
  })
  t.equal(ts.code, 0, ts.stderr)
  t.match(ts.stdout, /^uid=1000 gid=1000\nGroups:\s*\n$/)
  if (rc) t.same(ts.stdout, rc.stdout, 'same as runc')
  t.same(await check(), [])
})

t.test('signals: none blocked or ignored in the container (Node ignores SIGPIPE), as runc', async (t) => {
  if (!needsRoot(t)) return
  const { ts, rc, check } = await runBoth(t, { args: ['grep', '-E', '^Sig(Blk|Ign):', '/proc/self/status'] })
  t.equal(ts.code, 0, ts.stderr)
  const fields = statusFields(ts.stdout, ['SigBlk', 'SigIgn'])
  t.same(fields, { SigBlk: '0000000000000000', SigIgn: '0000000000000000' }, 'no signal blocked or ignored')
  if (rc) t.same(fields, statusFields(rc.stdout, ['SigBlk', 'SigIgn']), 'same as runc')
  t.same(await check(), [])
})

t.test('process.env and process.cwd', async (t) => {
  if (!needsRoot(t)) return
  const { ts, rc, check } = await runBoth(t, {
    args: ['sh', '-c', 'pwd; env | sort'],
    mutate: (s) => {
      s.process.env.push('FOO=bar baz', 'EMPTY=')
      s.process.cwd = '/tmp'
    },
  })
  t.equal(ts.code, 0, ts.stderr)
  const lines = ts.stdout.split('\n')
  t.equal(lines[0], '/tmp', 'cwd')
  t.ok(lines.includes('FOO=bar baz'), 'env var with a space')
  t.ok(lines.includes('EMPTY='), 'empty env var')
  t.ok(lines.includes('HOME=/root'), 'HOME from the image\'s /etc/passwd when unset')
  t.ok(lines.includes('TERM=xterm'), 'config env')
  t.notOk(lines.some((l) => l.startsWith('TAP') || l.startsWith('NODE_')), 'nothing of the runtime\'s environment')
  if (rc) t.same(ts.stdout, rc.stdout, 'same as runc')
  t.same(await check(), [])
})

t.test('a missing cwd is created, also with a read-only root (as runc)', async (t) => {
  if (!needsRoot(t)) return
  // runc makes the cwd before remounting the root read-only. The rootfs is
  // private: the runtimes write into it.
  const { ts, rc, check } = await runBoth(t, {
    args: ['pwd'],
    privateRootfs: true,
    mutate: (s) => { s.process.cwd = '/tmp/made/here' },
  })
  t.equal(ts.code, 0, `tsrun run exits 0: ${ts.stderr}`)
  t.equal(ts.stdout, '/tmp/made/here\n')
  if (rc) {
    t.equal(rc.code, 0, `runc: ${rc.stderr}`)
    t.equal(rc.stdout, '/tmp/made/here\n', 'runc creates it too')
  }
  t.same(await check(), [])
})

// ---------------------------------------------------------------- capabilities

t.test('capabilities: a reduced set, exactly as runc', async (t) => {
  if (!needsRoot(t)) return
  const set = ['CAP_CHOWN', 'CAP_NET_BIND_SERVICE', 'CAP_KILL']
  const { ts, rc, check } = await runBoth(t, {
    args: ['cat', '/proc/self/status'],
    mutate: (s) => {
      s.process.capabilities = { bounding: set, effective: set, permitted: set }
    },
  })
  t.equal(ts.code, 0, ts.stderr)
  const caps = statusFields(ts.stdout, CAPS)
  // CAP_CHOWN 0, CAP_KILL 5, CAP_NET_BIND_SERVICE 10.
  t.same(caps, {
    CapInh: '0000000000000000',
    CapPrm: '0000000000000421',
    CapEff: '0000000000000421',
    CapBnd: '0000000000000421',
    CapAmb: '0000000000000000',
  })
  if (rc) t.same(caps, statusFields(rc.stdout, CAPS), 'same sets as runc')
  t.same(await check(), [])
})

t.test('capabilities: the ambient set reaches a non-root user', async (t) => {
  if (!needsRoot(t)) return
  const set = ['CAP_CHOWN', 'CAP_NET_BIND_SERVICE', 'CAP_KILL']
  const { ts, rc, check } = await runBoth(t, {
    args: ['sh', '-c', 'id -u; cat /proc/self/status'],
    mutate: (s) => {
      s.process.user = { uid: 1000, gid: 1000 }
      s.process.capabilities = {
        bounding: set, effective: set, permitted: set, inheritable: set, ambient: ['CAP_NET_BIND_SERVICE'],
      }
    },
  })
  t.equal(ts.code, 0, ts.stderr)
  t.match(ts.stdout, /^1000\n/)
  const caps = statusFields(ts.stdout, CAPS)
  // After execve as non-root: permitted and effective = ambient.
  t.same(caps, {
    CapInh: '0000000000000421',
    CapPrm: '0000000000000400',
    CapEff: '0000000000000400',
    CapBnd: '0000000000000421',
    CapAmb: '0000000000000400',
  })
  if (rc) t.same(caps, statusFields(rc.stdout, CAPS), 'same sets as runc')
  t.same(await check(), [])
})

t.test('capabilities: an unknown name is ignored with a warning naming it', async (t) => {
  if (!needsRoot(t)) return
  const set = ['CAP_KILL', 'CAP_FOO']
  const { ts, rc, check } = await runBoth(t, {
    args: ['cat', '/proc/self/status'],
    mutate: (s) => {
      s.process.capabilities = { bounding: set, effective: set, permitted: set }
    },
  })
  t.equal(ts.code, 0, `the container still runs: ${ts.stderr}`)
  t.match(ts.stderr, /level=warning msg="ignoring unknown or unavailable capabilities: \[CAP_FOO\]"/)
  const caps = statusFields(ts.stdout, CAPS)
  t.equal(caps.CapBnd, '0000000000000020', 'CAP_KILL alone')
  if (rc) {
    t.equal(rc.code, 0, rc.stderr)
    t.match(rc.stderr, /ignoring unknown or unavailable capabilities: \[CAP_FOO\]/, 'runc words it the same')
    t.same(caps, statusFields(rc.stdout, CAPS), 'same sets as runc')
  }
  t.same(await check(), [])
})

// ---------------------------------------------------------------- rlimits

const limitsLine = (text, name) => text.split('\n').find((l) => l.startsWith(name))?.replace(/\s+/g, ' ').trim()

t.test('rlimits: RLIMIT_NOFILE and RLIMIT_CORE', async (t) => {
  if (!needsRoot(t)) return
  const { ts, rc, check } = await runBoth(t, {
    args: ['sh', '-c', 'ulimit -n; ulimit -Hn; cat /proc/self/limits'],
    mutate: (s) => {
      s.process.rlimits = [
        { type: 'RLIMIT_NOFILE', soft: 512, hard: 1024 },
        { type: 'RLIMIT_CORE', soft: 4096, hard: 8192 },
      ]
    },
  })
  t.equal(ts.code, 0, ts.stderr)
  t.match(ts.stdout, /^512\n1024\n/, 'ulimit -n, ulimit -Hn')
  t.equal(limitsLine(ts.stdout, 'Max open files'), 'Max open files 512 1024 files')
  t.equal(limitsLine(ts.stdout, 'Max core file size'), 'Max core file size 4096 8192 bytes')
  if (rc) t.same(ts.stdout, rc.stdout, 'same limits as runc')
  t.same(await check(), [])
})

t.test('rlimits: an unknown type is an error naming the field, nothing is left', async (t) => {
  if (!needsRoot(t)) return
  const { ts, rc, check } = await runBoth(t, {
    args: ['true'],
    mutate: (s) => { s.process.rlimits = [{ type: 'RLIMIT_FOO', soft: 1, hard: 2 }] },
  })
  t.not(ts.code, 0, 'tsrun run fails')
  t.match(ts.stderr, /process\.rlimits\[0\]\.type/, 'the error names the field')
  t.match(ts.stderr, /RLIMIT_FOO/, 'and the value')
  if (rc) t.not(rc.code, 0, 'runc fails too')
  t.same(await check(), [])
})

t.test('rlimits: a hard limit above the host\'s fails clearly (as runc)', async (t) => {
  if (!needsRoot(t)) return
  if (hostHasCap(CAP_SYS_RESOURCE)) {
    t.plan(0, 'this host has CAP_SYS_RESOURCE: raising a hard limit is allowed')
    return
  }
  const hostHard = Number(limitsLine(readFileSync('/proc/self/limits', 'utf8'), 'Max open files').split(' ')[4])
  const want = Math.max(1048576, hostHard + 1)
  const nrOpen = Number(readFileSync('/proc/sys/fs/nr_open', 'utf8'))
  if (!(hostHard < want && want <= nrOpen)) {
    t.plan(0, `cannot pick a nofile hard limit above the host's (${hostHard}) within fs.nr_open (${nrOpen})`)
    return
  }
  const { ts, rc, check } = await runBoth(t, {
    args: ['true'],
    mutate: (s) => { s.process.rlimits = [{ type: 'RLIMIT_NOFILE', soft: want, hard: want }] },
  })
  t.not(ts.code, 0, 'tsrun run fails')
  t.match(ts.stderr, /level=error/, 'an error line')
  t.match(ts.stderr, /rlimit/i, 'about rlimits')
  t.match(ts.stderr, /RLIMIT_NOFILE/, 'naming the limit')
  t.match(ts.stderr, /operation not permitted/, 'with the reason')
  if (rc) t.not(rc.code, 0, 'runc fails too')
  t.same(await check(), [])
})

// ---------------------------------------------------------------- no_new_privs, oom

t.test('noNewPrivileges and oomScoreAdj', async (t) => {
  if (!needsRoot(t)) return
  for (const nnp of [true, false]) {
    await t.test(`noNewPrivileges ${nnp}`, async (t) => {
      const { ts, rc, check } = await runBoth(t, {
        args: ['sh', '-c', 'grep NoNewPrivs /proc/self/status; cat /proc/self/oom_score_adj'],
        mutate: (s) => {
          s.process.noNewPrivileges = nnp
          s.process.oomScoreAdj = 100
        },
      })
      t.equal(ts.code, 0, ts.stderr)
      t.match(ts.stdout, new RegExp(`^NoNewPrivs:\\s+${nnp ? 1 : 0}\\n100\\n$`))
      if (rc) t.same(ts.stdout, rc.stdout, 'same as runc')
      t.same(await check(), [])
    })
  }
})

// ---------------------------------------------------------------- sysctl

t.test('linux.sysctl: net.* in a network namespace, the host unchanged', async (t) => {
  if (!needsRoot(t)) return
  const files = ['/proc/sys/net/ipv4/ip_forward', '/proc/sys/net/ipv4/ip_default_ttl']
  const before = files.map((f) => readFileSync(f, 'utf8'))
  // Should a broken runtime write the host's, put them back.
  t.teardown(() => files.forEach((f, i) => {
    if (readFileSync(f, 'utf8') !== before[i]) writeFileSync(f, before[i])
  }))
  const { ts, rc, check } = await runBoth(t, {
    args: ['cat', ...files],
    mutate: (s) => { s.linux.sysctl = { 'net.ipv4.ip_forward': '1', 'net/ipv4/ip_default_ttl': '42' } },
  })
  t.equal(ts.code, 0, ts.stderr)
  t.equal(ts.stdout, '1\n42\n', 'the values inside (a/b/c keys too)')
  if (rc) t.same(ts.stdout, rc.stdout, 'same as runc')
  t.same(files.map((f) => readFileSync(f, 'utf8')), before, 'the host\'s values are unchanged')
  t.same(await check(), [])
})

t.test('linux.sysctl: keys the container does not own are errors naming them', async (t) => {
  if (!needsRoot(t)) return
  const cases = [
    ['a host-wide key', { 'kernel.panic': '5' }, undefined, /linux\.sysctl\.kernel\.panic/],
    ['net.* without a network namespace', { 'net.ipv4.ip_forward': '1' },
      (s) => { s.linux.namespaces = s.linux.namespaces.filter((n) => n.type !== 'network') },
      /linux\.sysctl\.net\.ipv4\.ip_forward/],
  ]
  const before = readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8')
  const panic = readFileSync('/proc/sys/kernel/panic', 'utf8')
  t.teardown(() => {
    if (readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8') !== before) writeFileSync('/proc/sys/net/ipv4/ip_forward', before)
    if (readFileSync('/proc/sys/kernel/panic', 'utf8') !== panic) writeFileSync('/proc/sys/kernel/panic', panic)
  })
  for (const [name, sysctl, more, field] of cases) {
    await t.test(name, async (t) => {
      const { ts, rc, check } = await runBoth(t, {
        args: ['true'],
        mutate: (s) => { s.linux.sysctl = sysctl; more?.(s) },
      })
      t.not(ts.code, 0, 'tsrun run fails')
      t.match(ts.stderr, field, 'the error names the key')
      if (rc) t.not(rc.code, 0, 'runc refuses it too')
      t.same(await check(), [])
    })
  }
  t.equal(readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8'), before, 'host ip_forward unchanged')
  t.equal(readFileSync('/proc/sys/kernel/panic', 'utf8'), panic, 'host kernel.panic unchanged')
})

// ---------------------------------------------------------------- personality, scheduler, I/O priority

t.test('linux.personality LINUX32: uname -m says i686', async (t) => {
  if (!needsRoot(t)) return
  if (process.arch !== 'x64') {
    t.plan(0, `LINUX32 on ${process.arch} does not print i686`)
    return
  }
  const { ts, rc, check } = await runBoth(t, {
    args: ['uname', '-m'],
    mutate: (s) => { s.linux.personality = { domain: 'LINUX32' } },
    compare: RUNC_HAS_12,
  })
  if (!RUNC_HAS_12 && RUNC) t.comment(RUNC_IGNORES_12)
  t.equal(ts.code, 0, ts.stderr)
  t.equal(ts.stdout, 'i686\n')
  if (rc) t.same(ts.stdout, rc.stdout, 'same as runc')
  t.same(await check(), [])
})

/** policy and nice of the process that printed /proc/self/stat. */
function schedOf(stat) {
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  // Fields 3.. of proc(5): nice is field 19, policy field 41.
  return { nice: Number(f[19 - 3]), policy: Number(f[41 - 3]) }
}

t.test('process.scheduler: SCHED_BATCH with nice 5', async (t) => {
  if (!needsRoot(t)) return
  const { ts, rc, check } = await runBoth(t, {
    args: ['cat', '/proc/self/stat'],
    mutate: (s) => { s.process.scheduler = { policy: 'SCHED_BATCH', nice: 5 } },
    compare: RUNC_HAS_12,
  })
  if (!RUNC_HAS_12 && RUNC) t.comment(RUNC_IGNORES_12)
  t.equal(ts.code, 0, ts.stderr)
  t.same(schedOf(ts.stdout), { nice: 5, policy: 3 }, 'SCHED_BATCH is policy 3')
  if (rc) t.same(schedOf(ts.stdout), schedOf(rc.stdout), 'same as runc')
  t.same(await check(), [])
})

t.test('process.ioPriority', async (t) => {
  if (!needsRoot(t)) return
  if (!existsSync(join(sharedRootfs(), 'bin', 'ionice'))) return t.skip('the rootfs\'s busybox has no ionice to read the priority with')
  const cases = [
    [{ class: 'IOPRIO_CLASS_IDLE', priority: 0 }, 'idle'],
    [{ class: 'IOPRIO_CLASS_BE', priority: 6 }, 'best-effort: prio 6'],
  ]
  for (const [io, want] of cases) {
    await t.test(io.class, async (t) => {
      const { ts, rc, check } = await runBoth(t, {
        args: ['sh', '-c', 'ionice -p $$'],
        mutate: (s) => { s.process.ioPriority = io },
        compare: RUNC_HAS_12,
      })
      if (!RUNC_HAS_12 && RUNC) t.comment(RUNC_IGNORES_12)
      t.equal(ts.code, 0, ts.stderr)
      t.equal(ts.stdout, `${want}\n`)
      if (rc) t.same(ts.stdout, rc.stdout, 'same as runc')
      t.same(await check(), [])
    })
  }
})

// ---------------------------------------------------------------- LSM

t.test('apparmorProfile / selinuxLabel on a host without them: an error naming the field', async (t) => {
  if (!needsRoot(t)) return
  const apparmor = (() => {
    try { return readFileSync('/sys/module/apparmor/parameters/enabled', 'utf8').trim() === 'Y' } catch { return false }
  })()
  const selinux = (() => { try { return statSync('/sys/fs/selinux/enforce').isFile() } catch { return false } })()
  const cases = [
    ['process.apparmorProfile', apparmor, (s) => { s.process.apparmorProfile = 'tsrun-test-profile' }],
    ['process.selinuxLabel', selinux, (s) => { s.process.selinuxLabel = 'system_u:system_r:container_t:s0' }],
  ]
  for (const [field, enabled, mutate] of cases) {
    await t.test(field, async (t) => {
      if (enabled) return t.skip(`the host has this LSM enabled (the positive path is tested on its own)`)
      const { ts, rc, check } = await runBoth(t, { args: ['true'], mutate })
      t.not(ts.code, 0, 'tsrun run fails')
      t.match(ts.stderr, new RegExp(field.replace('.', '\\.')), 'the error names the field')
      if (rc) t.not(rc.code, 0, 'runc fails too')
      t.same(await check(), [])
    })
  }
})

// The positive path: a profile the host has loaded confines the process.
t.test('process.apparmorProfile on a host with AppArmor: the process runs under the profile, as with runc', async (t) => {
  if (!needsRoot(t)) return
  let enabled = false
  try { enabled = readFileSync('/sys/module/apparmor/parameters/enabled', 'utf8').trim() === 'Y' } catch {}
  if (!enabled) return t.skip('this host has no AppArmor (/sys/module/apparmor/parameters/enabled is not Y)')
  const parser = which('apparmor_parser')
  if (!parser) return t.skip('apparmor_parser is not installed: no profile can be loaded for the test')
  const profile = uniqueId('tsrun-test-aa')
  const file = join(tempDir(t), profile)
  writeFileSync(file, `profile ${profile} flags=(attach_disconnected,mediate_deleted) {\n  file,\n  capability,\n  umount,\n  signal,\n}\n`)
  const load = await run(parser, ['-r', file])
  t.equal(load.code, 0, `apparmor_parser loads the profile: ${load.stderr}`)
  t.teardown(() => run(parser, ['-R', file]))
  const { ts, rc, check } = await runBoth(t, {
    args: ['cat', '/proc/self/attr/current'],
    mutate: (s) => { s.process.apparmorProfile = profile },
  })
  t.equal(ts.code, 0, ts.stderr)
  t.equal(ts.stdout.replace(/\0/g, ''), `${profile} (enforce)\n`, 'confined by the profile')
  if (rc) t.same(ts.stdout, rc.stdout, 'same as runc')
  t.same(await check(), [])
})

// ---------------------------------------------------------------- fds

t.test('no runtime fds reach the container, not even ones its caller passed', async (t) => {
  if (!needsRoot(t)) return
  // The runtime is given a 4th fd (a pipe): it must not appear inside.
  // `ls` lists its own directory fd (3): the list is 0 1 2 3, as with runc.
  const { ts, rc, check } = await runBoth(t, {
    args: ['sh', '-c', 'ls /proc/self/fd; echo; ls /proc/1/fd; true'],
    opts: { stdio: ['pipe', 'pipe', 'pipe', 'pipe'] },
  })
  t.equal(ts.code, 0, ts.stderr)
  t.equal(ts.stdout, '0\n1\n2\n3\n\n0\n1\n2\n', 'ls sees 0-2 and its own 3; the init (sh) 0-2 only')
  if (rc) t.same(ts.stdout, rc.stdout, 'same as runc')
  t.same(await check(), [])
})

// ---------------------------------------------------------------- the created init

/** Runs a host command as uid/gid (no supplementary groups): { code, stdout, stderr }. */
function asUser(uid, cmd, args) {
  const r = spawnSync(cmd, args, { uid, gid: uid, encoding: 'utf8', timeout: 10_000, env: { PATH: '/usr/bin:/bin' } })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

t.test('a created init is not dumpable: its user cannot reach /proc/<pid>/exe or environ', async (t) => {
  if (!needsRoot(t)) return
  // The init switches to the container's user before it waits for start;
  // it is still the runtime's image (for tsrun, tsrun-init) until execve. A process
  // of the same uid must not open its exe (CVE-2019-5736) nor read its memory
  // or environment: the init must be non-dumpable, which also makes its
  // /proc/<pid> files root's. After start the program is an ordinary
  // (dumpable) process of that uid: the same checks then succeed, which shows
  // they can tell the difference.
  const uid = 4000 + (process.pid % 20000)
  const rts = RUNC ? ['tsrun', 'runc'] : ['tsrun']
  if (!RUNC) t.comment(NO_RUNC)
  for (const rt of rts) {
    await t.test(rt, async (t) => {
      const dir = bundle(t, {
        args: ['sleep', '1000'],
        mutate: (s) => { s.process.user = { uid, gid: uid } },
      })
      const root = stateRoot(t)
      const id = uniqueId('proc-dump')
      const check = cleanup(t, { root, id, bundle: dir, runtime: rt })
      const r = await runtimeRun(rt, ['--root', root, 'create', '--bundle', dir, id], { stdio: 'ignore' })
      t.equal(r.code, 0, `${rt} create`)
      const st = await runtimeRun(rt, ['--root', root, 'state', id])
      const state = JSON.parse(st.stdout)
      t.equal(state.status, 'created')
      const pid = state.pid
      check.addPid(pid)
      const status = readFileSync(`/proc/${pid}/status`, 'utf8')
      t.match(status, new RegExp(`\\nUid:\\s+${uid}\\s+${uid}\\s+${uid}\\s+${uid}\\n`), 'the init already runs as the container user')
      if (rt === 'tsrun') t.comment(`created init: /proc/${pid}/exe -> ${spawnSync('readlink', [`/proc/${pid}/exe`], { encoding: 'utf8' }).stdout.trim()}`)
      t.equal(statSync(`/proc/${pid}/environ`).uid, 0, '/proc/<pid>/environ is root\'s: the init is not dumpable')
      const exe = asUser(uid, 'readlink', ['-v', `/proc/${pid}/exe`])
      t.not(exe.code, 0, `uid ${uid} cannot readlink /proc/<pid>/exe (${exe.stdout.trim()})`)
      t.match(exe.stderr, /Permission denied/)
      const env = asUser(uid, 'cat', [`/proc/${pid}/environ`])
      t.not(env.code, 0, `uid ${uid} cannot read /proc/<pid>/environ`)
      t.match(env.stderr, /Permission denied/)

      const s = await runtimeRun(rt, ['--root', root, 'start', id])
      t.equal(s.code, 0, `${rt} start ${s.stderr}`)
      // Once the program runs, the same checks pass: they are not vacuous.
      let owner = -1
      for (let i = 0; i < 100 && owner !== uid; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50))
        owner = statSync(`/proc/${pid}/environ`).uid
      }
      t.equal(owner, uid, 'after exec the program is dumpable (its /proc files are its user\'s)')
      t.equal(asUser(uid, 'readlink', ['-v', `/proc/${pid}/exe`]).code, 0, 'and its user may readlink its exe')
      t.same(await check(), [])
    })
  }
})

t.test('the init runs from a sealed memfd: /proc/self/exe leads to no host binary (CVE-2019-5736)', async (t) => {
  if (!needsRoot(t)) return
  // A container's program that is (or whose interpreter is) /proc/self/exe
  // runs whatever the init's exe is at execve; were that the runtime's host
  // binary (node), the container could reopen it and overwrite it on the host.
  const root = stateRoot(t)
  const id = uniqueId('proc-exe')
  const dir = bundle(t, { args: ['sleep', '1000'] })
  const check = cleanup(t, { root, id, bundle: dir })
  t.equal((await runtimeRun('tsrun', ['--root', root, 'create', '--bundle', dir, id], { stdio: 'ignore' })).code, 0, 'create')
  const { pid } = JSON.parse((await runtimeRun('tsrun', ['--root', root, 'state', id])).stdout)
  check.addPid(pid)
  const exe = spawnSync('readlink', [`/proc/${pid}/exe`], { encoding: 'utf8' }).stdout.trim()
  t.match(exe, /^\/memfd:tsrun-init/, `the created init's exe is the sealed memfd (${exe})`)
  t.throws(() => writeFileSync(`/proc/${pid}/exe`, 'x', { flag: 'r+' }), 'and it cannot be opened for writing')
  t.same(await check(), [])

  // With the host's libraries at hand, the host's node would run here.
  const id2 = uniqueId('proc-exe-run')
  const dir2 = bundle(t, {
    args: ['/proc/self/exe', '-e', 'console.log("host binary ran")'],
    mutate: (s) => {
      for (const d of ['/lib', '/lib64', '/usr/lib']) s.mounts.push({ destination: d, type: 'bind', source: d, options: ['rbind', 'ro'] })
    },
  })
  const check2 = cleanup(t, { root, id: id2, bundle: dir2 })
  const r = await runtimeRun('tsrun', ['--root', root, 'run', '--bundle', dir2, id2])
  t.not(r.code, 0, 'the program (tsrun-init without its arguments) fails')
  t.notMatch(r.stdout, /host binary ran/, 'no host binary ran in the container')
  t.same(await check2(), [])
})
