// Linux namespaces on a real kernel: pid, uts, mount, ipc, net, cgroup, time;
// joining namespaces by path; config errors. Observed through the CLI
// (`tsrun --root R run ID`, stdout captured) and, where the output is the
// same by design, compared with runc (the reference) on the same bundle.
import t from 'tap'
import { existsSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { hostname as osHostname } from 'node:os'
import {
  bundle, cleanup, mountsUnder, needsRoot, run, runc, stateRoot, tsrun, TSRUN_BIN, uniqueId, which,
} from './helpers/env.mjs'

const RUNC = which('runc')
const NO_RUNC = 'runc is not installed: the runc comparison is skipped'

// spec namespace type -> /proc/<pid>/ns/<name>
const NS_FILE = {
  pid: 'pid', network: 'net', ipc: 'ipc', uts: 'uts', mount: 'mnt', cgroup: 'cgroup', time: 'time',
}

/** The host's (this test process's) namespace link, e.g. "net:[4026531840]". */
const hostNs = (type) => readlinkSync(`/proc/self/ns/${NS_FILE[type]}`)

/** Shell snippet printing "name link" for each /proc/self/ns/<name>. */
const printNs = (names) => `for f in ${names.join(' ')}; do echo "$f $(readlink /proc/self/ns/$f)"; done`

/** Parse the output of printNs into { name: link }. */
function parseNs(text) {
  const out = {}
  for (const line of text.split('\n')) {
    const m = /^(\w+) (\w+:\[\d+\])$/.exec(line)
    if (m) out[m[1]] = m[2]
  }
  return out
}

/**
 * Run one container with `tsrun run` on a fresh bundle and, when `compare`
 * and runc is installed, `runc run` on the same bundle (own state root, own
 * id). Returns { dir, ts, rc (null without runc), check } where check()
 * force-deletes both and lists leftovers.
 */
async function runBoth(t, { args, mutate, hostname, flags = [], compare = true }) {
  const dir = bundle(t, { args, mutate, hostname })
  const root = stateRoot(t)
  const id = uniqueId('ns')
  const checkTs = cleanup(t, { root, id, bundle: dir })
  const ts = await tsrun(['--root', root, 'run', ...flags, '--bundle', dir, id])
  let rc = null
  let checkRc = async () => []
  if (compare) {
    if (RUNC) {
      const rroot = stateRoot(t)
      const rid = uniqueId('ns-runc')
      checkRc = cleanup(t, { root: rroot, id: rid, runtime: 'runc', bundle: dir })
      rc = await runc(['--root', rroot, 'run', ...flags, '--bundle', dir, rid])
    } else {
      t.comment(NO_RUNC)
    }
  }
  const check = async () => [...await checkTs(), ...await checkRc()]
  return { dir, ts, rc, check }
}

/** Start a detached container running `sleep` with tsrun; resolve to its host pid. */
async function startDetached(t, root, { hostname = 'ctr-a', mutate } = {}) {
  const dir = bundle(t, { args: ['sleep', '1000'], hostname, mutate })
  const id = uniqueId('ns-a')
  const check = cleanup(t, { root, id, bundle: dir })
  const r = await tsrun(['--root', root, 'run', '-d', '--bundle', dir, id])
  t.equal(r.code, 0, `run -d exits 0 ${r.stderr}`)
  const st = await tsrun(['--root', root, 'state', id])
  t.equal(st.code, 0, `state ${st.stderr}`)
  const state = JSON.parse(st.stdout)
  t.equal(state.status, 'running', 'container A is running')
  t.ok(state.pid > 0, 'container A has a pid')
  check.addPid(state.pid)
  return { id, dir, pid: state.pid, check }
}

t.test('pid namespace: the program is PID 1 and sees only its own processes', async (t) => {
  if (!needsRoot(t)) return
  const { ts, rc, check } = await runBoth(t, {
    // The glob is expanded by the shell itself, when it is the only process.
    args: ['sh', '-c', 'echo $$; ps -o pid,comm; echo /proc/[0-9]*'],
  })
  t.equal(ts.code, 0, ts.stderr)
  const [first, ...rest] = ts.stdout.split('\n')
  t.equal(first, '1', 'echo $$ prints 1')
  const psLines = rest.filter((l) => /^\s*\d+\s/.test(l))
  t.equal(psLines.length, 2, `ps lists the shell and ps only:\n${ts.stdout}`)
  t.match(psLines[0], /^\s*1\s+sh$/, 'PID 1 is the container program')
  t.match(psLines[1], /^\s*\d+\s+ps$/, 'the other process is ps')
  t.equal(rest.find((l) => l.startsWith('/proc/')), '/proc/1', '/proc shows the program alone')
  if (rc) {
    t.equal(rc.code, 0, rc.stderr)
    t.equal(rc.stdout.split('\n')[0], '1', 'runc: echo $$ prints 1 too')
    t.equal(rc.stdout.split('\n').filter((l) => /^\s*\d+\s/.test(l)).length, 2, 'runc: two processes too')
  }
  t.same(await check(), [])
})

t.test('uts namespace: hostname and domainname from config, host unchanged', async (t) => {
  if (!needsRoot(t)) return
  const hostBefore = osHostname()
  const domainBefore = readFileSync('/proc/sys/kernel/domainname', 'utf8')
  const { ts, rc, check } = await runBoth(t, {
    args: ['sh', '-c', 'hostname; cat /proc/sys/kernel/hostname /proc/sys/kernel/domainname; uname -n'],
    mutate: (s) => { s.hostname = 'ctr-host'; s.domainname = 'ctr.example' },
  })
  t.equal(ts.code, 0, ts.stderr)
  t.equal(ts.stdout, 'ctr-host\nctr-host\nctr.example\nctr-host\n')
  if (rc) {
    // runc 1.1 ignores "domainname" (supported from runc 1.2): compare the hostname only.
    const hostLines = (out) => out.split('\n').filter((_, i) => i !== 2)
    t.same(hostLines(ts.stdout), hostLines(rc.stdout), 'same hostname as runc')
  }
  t.equal(osHostname(), hostBefore, 'the host hostname is unchanged')
  t.equal(readFileSync('/proc/sys/kernel/domainname', 'utf8'), domainBefore, 'the host domainname is unchanged')
  t.same(await check(), [])
})

const NS_TYPES = ['mount', 'uts', 'ipc', 'network', 'pid', 'cgroup']

t.test('each namespace in config is new: /proc/self/ns/<x> differs from the host', async (t) => {
  if (!needsRoot(t)) return
  const names = NS_TYPES.map((n) => NS_FILE[n])
  const { ts, rc, check } = await runBoth(t, {
    args: ['sh', '-c', printNs(names)],
    mutate: (s) => { s.linux.namespaces.push({ type: 'cgroup' }) },
  })
  t.equal(ts.code, 0, ts.stderr)
  const inside = parseNs(ts.stdout)
  for (const type of NS_TYPES) {
    t.ok(inside[NS_FILE[type]], `${type}: the container reports its namespace`)
    t.not(inside[NS_FILE[type]], hostNs(type), `${type}: the container's namespace is not the host's`)
  }
  if (rc) {
    const r = parseNs(rc.stdout)
    for (const type of NS_TYPES) t.not(r[NS_FILE[type]], hostNs(type), `runc: ${type} is new too`)
  }
  t.same(await check(), [])
})

t.test('a namespace missing from config is shared with the host', async (t) => {
  if (!needsRoot(t)) return
  // mount is left out: the default spec's mounts and masked paths need one
  // (see 'no mount namespace' below); cgroup is not in the default spec at all.
  for (const type of ['uts', 'ipc', 'network', 'pid', 'cgroup']) {
    await t.test(type, async (t) => {
      const all = NS_TYPES.map((n) => NS_FILE[n])
      const { ts, rc, check } = await runBoth(t, {
        args: ['sh', '-c', printNs(all)],
        mutate: (s) => {
          s.linux.namespaces = s.linux.namespaces.filter((n) => n.type !== type)
          if (type === 'uts') delete s.hostname // a hostname needs a uts namespace
        },
      })
      t.equal(ts.code, 0, ts.stderr)
      const inside = parseNs(ts.stdout)
      t.equal(inside[NS_FILE[type]], hostNs(type), `${type}: the container shares the host's namespace`)
      for (const other of NS_TYPES.filter((n) => n !== type && n !== 'cgroup')) {
        t.not(inside[NS_FILE[other]], hostNs(other), `${other} is still new`)
      }
      if (rc) {
        t.equal(rc.code, 0, rc.stderr)
        t.equal(parseNs(rc.stdout)[NS_FILE[type]], hostNs(type), `runc: ${type} is shared too`)
      }
      t.same(await check(), [])
    })
  }
})

t.test('no mount namespace: the container runs chrooted in the host\'s, and nothing is mounted', async (t) => {
  if (!needsRoot(t)) return
  // runc and crun run such a config in the host's mount namespace, chrooted
  // into the rootfs; but they also mount the config's mounts there (on the
  // host, left behind). tsrun refuses whatever needs a mount, naming the field.
  const noMountNs = (s) => {
    s.linux.namespaces = s.linux.namespaces.filter((n) => n.type !== 'mount')
    s.mounts = []
    s.linux.maskedPaths = []
    s.linux.readonlyPaths = []
    s.root.readonly = false
    s.process.cwd = '/made/here'
  }
  await t.test('it runs', async (t) => {
    const root = stateRoot(t)
    const id = uniqueId('ns-nomnt')
    const dir = bundle(t, { args: ['sh', '-c', 'cat /marker; pwd; ls -A /proc | wc -l; sleep 1000'], mutate: noMountNs })
    writeFileSync(join(dir, 'rootfs', 'marker'), 'in the rootfs\n')
    const check = cleanup(t, { root, id, bundle: dir })
    const r = await tsrun(['--root', root, 'create', '--bundle', dir, id])
    t.equal(r.code, 0, `create exits 0: ${r.stderr}`)
    const state = JSON.parse((await tsrun(['--root', root, 'state', id])).stdout)
    check.addPid(state.pid)
    t.equal(readlinkSync(`/proc/${state.pid}/ns/mnt`), hostNs('mount'), 'the init is in the host\'s mount namespace')
    t.equal(readlinkSync(`/proc/${state.pid}/root`), join(dir, 'rootfs'), 'chrooted into the rootfs')
    t.same(mountsUnder(dir).map((m) => m.mountPoint), [], 'nothing is mounted in the bundle')
    // runc 1.1.5's exec stays at the host's / (its setns process never
    // chroots): tsrun's enters the init's root, as the container sees it.
    const e = await tsrun(['--root', root, 'exec', '--cwd', '/made/here', id, 'sh', '-c', 'cat /marker; pwd'])
    t.equal(e.code, 0, `exec exits 0: ${e.stderr}`)
    t.equal(e.stdout, 'in the rootfs\n/made/here\n', 'exec sees the rootfs as its /')
    t.same(await check(), [])
  })
  await t.test('the program sees the rootfs, its working directory made there', async (t) => {
    const { dir, ts, check } = await runBoth(t, {
      args: ['sh', '-c', 'pwd; ls -A /proc | wc -l'],
      mutate: noMountNs,
      compare: false, // runc 1.1.5 fails without a /proc: "open /proc/self/fd: no such file or directory"
    })
    t.equal(ts.code, 0, ts.stderr)
    t.match(ts.stdout, /^\/made\/here\n\s*0\n$/, 'the cwd made, /proc an empty directory of the rootfs')
    t.ok(existsSync(join(dir, 'rootfs', 'made', 'here')), 'the cwd was made in the rootfs')
    t.same(await check(), [])
  })
  const refused = [
    ['mounts', (s) => { s.mounts = [{ destination: '/tmp', type: 'tmpfs', source: 'tmpfs' }] }],
    ['linux.maskedPaths', (s) => { s.linux.maskedPaths = ['/proc/kcore'] }],
    ['linux.readonlyPaths', (s) => { s.linux.readonlyPaths = ['/proc/sys'] }],
    ['linux.devices', (s) => { s.linux.devices = [{ path: '/dev/fuse', type: 'c', major: 10, minor: 229 }] }],
    ['linux.rootfsPropagation', (s) => { s.linux.rootfsPropagation = 'private' }],
    ['root.readonly', (s) => { s.root.readonly = true }],
    ['--no-pivot', () => {}, ['--no-pivot']],
  ]
  for (const [field, mutate, flags = []] of refused) {
    await t.test(`${field} is refused`, async (t) => {
      const { ts, rc, dir, check } = await runBoth(t, {
        args: ['true'],
        flags,
        mutate: (s) => { noMountNs(s); mutate(s) },
        // runc refuses masked and read-only paths too; the rest it mounts on the host.
        compare: field === 'linux.maskedPaths' || field === 'linux.readonlyPaths',
      })
      t.not(ts.code, 0, 'run fails')
      t.match(ts.stderr, field, 'the error names it')
      t.match(ts.stderr, 'needs a mount namespace')
      t.same(mountsUnder(dir).map((m) => m.mountPoint), [], 'nothing is mounted in the bundle')
      if (rc) {
        t.not(rc.code, 0, 'runc refuses it too')
        t.match(rc.stderr, 'without a private MNT namespace')
      }
      t.same(await check(), [])
    })
  }
})

t.test('a namespace joined by path that is the runtime\'s own is the host\'s: what needs a new one is refused', async (t) => {
  if (!needsRoot(t)) return
  // /proc/self/ns/<x> opened by tsrun is its own namespace. tsrun runs in a
  // throwaway mount and uts namespace here, so that a regression would
  // mount or rename in that one, not on the host.
  const cases = [
    ['mounts', 'mount', (s) => {}],
    ['hostname', 'uts', (s) => { s.hostname = 'renamed' }],
  ]
  for (const [field, type, mutate] of cases) {
    await t.test(`${type} joined: ${field} is refused`, async (t) => {
      const root = stateRoot(t)
      const id = uniqueId('ns-own')
      const dir = bundle(t, {
        args: ['true'],
        mutate: (s) => {
          s.linux.namespaces = s.linux.namespaces.map((n) => (n.type === type ? { type, path: `/proc/self/ns/${NS_FILE[type]}` } : n))
          mutate(s)
        },
      })
      const check = cleanup(t, { root, id, bundle: dir })
      const r = await run('unshare', ['-mu', '--propagation', 'private', TSRUN_BIN, '--root', root, 'run', '--bundle', dir, id])
      t.not(r.code, 0, 'run fails')
      t.match(r.stderr, `${field}:`, 'the error names the field')
      t.same(await check(), [])
    })
  }
})

t.test('network namespace: only lo', async (t) => {
  if (!needsRoot(t)) return
  const { ts, rc, check } = await runBoth(t, {
    args: ['sh', '-c', 'cat /proc/net/dev'],
  })
  t.equal(ts.code, 0, ts.stderr)
  const ifaces = (out) => out.split('\n').slice(2).filter(Boolean).map((l) => l.split(':')[0].trim())
  t.same(ifaces(ts.stdout), ['lo'], 'only the loopback interface')
  const hostIfaces = ifaces(readFileSync('/proc/net/dev', 'utf8'))
  t.comment(`host interfaces: ${hostIfaces.join(' ')}`)
  if (rc) t.same(ifaces(rc.stdout), ifaces(ts.stdout), 'same interfaces as runc')
  t.same(await check(), [])
})

t.test('joining namespaces by path', async (t) => {
  if (!needsRoot(t)) return
  const root = stateRoot(t)
  const a = await startDetached(t, root, { hostname: 'ctr-a' })
  const aNs = {}
  for (const n of ['net', 'ipc', 'uts', 'pid']) aNs[n] = readlinkSync(`/proc/${a.pid}/ns/${n}`)
  for (const n of ['net', 'ipc', 'uts', 'pid']) {
    t.not(aNs[n], readlinkSync(`/proc/self/ns/${n}`), `A has its own ${n} namespace`)
  }

  const joinMutate = (types) => (s) => {
    delete s.hostname // B must not rename A's uts namespace
    s.linux.namespaces = s.linux.namespaces.map((n) => (types.includes(n.type)
      ? { type: n.type, path: `/proc/${a.pid}/ns/${NS_FILE[n.type]}` }
      : n))
  }

  await t.test('network, ipc and uts by path', async (t) => {
    const { ts, rc, check } = await runBoth(t, {
      args: ['sh', '-c', `hostname; ${printNs(['net', 'ipc', 'uts', 'pid', 'mnt'])}`],
      mutate: joinMutate(['network', 'ipc', 'uts']),
    })
    t.equal(ts.code, 0, ts.stderr)
    t.equal(ts.stdout.split('\n')[0], 'ctr-a', "B sees A's hostname")
    const b = parseNs(ts.stdout)
    t.equal(b.net, aNs.net, "B is in A's net namespace")
    t.equal(b.ipc, aNs.ipc, "B is in A's ipc namespace")
    t.equal(b.uts, aNs.uts, "B is in A's uts namespace")
    t.not(b.pid, aNs.pid, 'B has its own pid namespace (not joined)')
    t.not(b.mnt, readlinkSync(`/proc/${a.pid}/ns/mnt`), 'B has its own mount namespace')
    if (rc) {
      t.equal(rc.code, 0, rc.stderr)
      const r = parseNs(rc.stdout)
      t.same([r.net, r.ipc, r.uts], [aNs.net, aNs.ipc, aNs.uts], "runc's B joins the same namespaces")
    }
    t.same(await check(), [])
  })

  await t.test('pid by path: B appears among A\'s processes', async (t) => {
    const { ts, rc, check } = await runBoth(t, {
      args: ['sh', '-c', `echo $$; ps -o pid,args; ${printNs(['pid'])}`],
      mutate: joinMutate(['pid']),
    })
    t.equal(ts.code, 0, ts.stderr)
    const lines = ts.stdout.split('\n')
    t.not(lines[0], '1', "B's program is not PID 1 in A's pid namespace")
    t.match(lines[0], /^\d+$/)
    t.equal(parseNs(ts.stdout).pid, aNs.pid, "B is in A's pid namespace")
    const procs = lines.filter((l) => /^\s*\d+\s/.test(l)).map((l) => l.trim())
    t.ok(procs.some((l) => /^1 sleep 1000$/.test(l)), `A's sleep is PID 1 in B's view:\n${ts.stdout}`)
    t.ok(procs.some((l) => l.startsWith(`${lines[0]} sh -c`)), 'B itself is listed')
    if (rc) {
      t.equal(rc.code, 0, rc.stderr)
      const rl = rc.stdout.split('\n')
      t.not(rl[0], '1', 'runc: not PID 1 either')
      t.ok(rl.some((l) => /^\s*1 sleep 1000$/.test(l)), "runc: A's sleep is PID 1 too")
    }
    t.same(await check(), [])
  })

  const k = await tsrun(['--root', root, 'kill', a.id, 'KILL'])
  t.equal(k.code, 0, k.stderr)
  t.same(await a.check(), [])
})

t.test('a namespace path that does not exist is an error naming the field, nothing left', async (t) => {
  if (!needsRoot(t)) return
  const missing = `/proc/${2 ** 22 + 12345}/ns/net` // above the largest pid_max
  const { dir, ts, rc, check } = await runBoth(t, {
    args: ['true'],
    mutate: (s) => {
      s.linux.namespaces = s.linux.namespaces.map((n) => (n.type === 'network' ? { type: 'network', path: missing } : n))
    },
  })
  t.ok(existsSync(dir))
  t.not(ts.code, 0, 'tsrun run fails')
  t.match(ts.stderr, /linux\.namespaces\[1\]\.path/, `the error names linux.namespaces[1].path: ${ts.stderr}`)
  t.match(ts.stderr, missing, 'and the path')
  if (rc) {
    t.not(rc.code, 0, 'runc fails too')
    t.comment(`runc: ${rc.stderr.trim()}`)
  }
  t.same(await check(), [])
})

t.test('time namespace with a boottime offset', { skip: !existsSync('/proc/self/ns/time') && 'the kernel has no time namespaces' }, async (t) => {
  if (!needsRoot(t)) return
  const uptime = () => Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0])
  const before = uptime()
  // runc 1.1.x has no time namespace support (added in 1.2): no comparison.
  t.comment('runc half skipped: runc 1.1 does not support time namespaces')
  const { ts, check } = await runBoth(t, {
    args: ['sh', '-c', `cat /proc/uptime; ${printNs(['time'])}`],
    compare: false,
    mutate: (s) => {
      s.linux.namespaces.push({ type: 'time' })
      s.linux.timeOffsets = { boottime: { secs: 86400, nanosecs: 0 } }
    },
  })
  const after = uptime()
  t.equal(ts.code, 0, ts.stderr)
  const inside = Number(ts.stdout.split(' ')[0])
  t.ok(inside >= before + 86400, `uptime inside ${inside} >= host ${before} + 86400`)
  t.ok(inside <= after + 86400 + 1, `uptime inside ${inside} <= host ${after} + 86400 (+1s)`)
  const ns = parseNs(ts.stdout)
  t.not(ns.time, hostNs('time'), 'a new time namespace')
  t.same(await check(), [])
})

t.test('no time namespace: uptime is the host\'s', { skip: !existsSync('/proc/self/ns/time') && 'the kernel has no time namespaces' }, async (t) => {
  if (!needsRoot(t)) return
  const before = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0])
  const { ts, check } = await runBoth(t, {
    args: ['sh', '-c', `cat /proc/uptime; ${printNs(['time'])}`],
    compare: false,
  })
  t.equal(ts.code, 0, ts.stderr)
  const inside = Number(ts.stdout.split(' ')[0])
  t.ok(inside >= before && inside < before + 60, `uptime inside ${inside} is the host's (${before})`)
  t.equal(parseNs(ts.stdout).time, hostNs('time'), 'the host time namespace')
  t.same(await check(), [])
})

t.test('an unknown namespace type is an error naming the field', async (t) => {
  if (!needsRoot(t)) return
  const { ts, rc, check } = await runBoth(t, {
    args: ['true'],
    mutate: (s) => { s.linux.namespaces.push({ type: 'bogus' }) },
  })
  t.not(ts.code, 0, 'tsrun run fails')
  t.match(ts.stderr, /linux\.namespaces\[5\]\.type/, `the error names linux.namespaces[5].type: ${ts.stderr}`)
  if (rc) {
    t.not(rc.code, 0, 'runc fails too')
    t.comment(`runc: ${rc.stderr.trim()}`)
  }
  t.same(await check(), [])
})
