// linux.sysctl with namespaces joined by path (issue #9 item 4): a namespace
// the container joins is its own unless it is the host's. podman's default
// network joins /run/netns/netns-… and sets net.ipv4.ping_group_range; runc
// compares the joined namespace with its own (inode) and allows the key.
// Run with `tsrun run` and `runc run` on the same bundle; the host's values
// are checked unchanged (and put back should a runtime have changed them).
import t from 'tap'
import { spawn } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import {
  bundle, needsCommand, needsRoot, run, runWithBoth, uniqueId, waitFor,
} from './helpers/env.mjs'

// Keys of each namespace, with a value unlike the host's and the file that shows it.
const KEYS = {
  network: { key: 'net.ipv4.ip_default_ttl', value: '42', file: '/proc/sys/net/ipv4/ip_default_ttl' },
  ipc: { key: 'kernel.msgmni', value: '1234', file: '/proc/sys/kernel/msgmni' },
  uts: { key: 'kernel.domainname', value: 'tsrun-joined', file: '/proc/sys/kernel/domainname' },
}

/** The host's values of KEYS' files; put back at teardown if a runtime changed them. */
function guardHostValues(t) {
  const before = Object.fromEntries(Object.values(KEYS).map(({ file }) => [file, readFileSync(file, 'utf8')]))
  t.teardown(() => {
    for (const [file, v] of Object.entries(before)) if (readFileSync(file, 'utf8') !== v) writeFileSync(file, v)
  })
  // The files whose value changed.
  return () => Object.keys(before).filter((f) => readFileSync(f, 'utf8') !== before[f])
}

/** A named network namespace (`ip netns add`), deleted at teardown: its path. */
async function namedNetns(t) {
  const name = uniqueId('tsrun-netns')
  const r = await run('ip', ['netns', 'add', name])
  if (r.code !== 0) throw new Error(`ip netns add ${name}: ${r.stderr}`)
  t.teardown(() => run('ip', ['netns', 'delete', name]))
  return `/run/netns/${name}`
}

/** A process in new ipc and uts namespaces (unshare), killed at teardown: its pid. */
async function namespaceHolder(t) {
  const child = spawn('unshare', ['--ipc', '--uts', 'sleep', '300'], { stdio: 'ignore' })
  t.teardown(() => child.kill('SIGKILL'))
  // Once unshare has exec'd sleep, the namespaces are the new ones.
  const unshared = () => {
    try { return readFileSync(`/proc/${child.pid}/comm`, 'utf8').trim() === 'sleep' } catch { return false }
  }
  if (!await waitFor(unshared, 5000, 20)) throw new Error('unshare --ipc --uts sleep 300 did not start')
  return child.pid
}

/** The bundle's namespaces with `joins` ({ type: path }) joined instead of created. */
function joining(joins) {
  return (s) => {
    s.linux.namespaces = s.linux.namespaces.filter((n) => !(n.type in joins))
    for (const [type, path] of Object.entries(joins)) s.linux.namespaces.push({ type, path })
  }
}

/** runWithBoth of a bundle made with `args` and `mutate`. */
function runBoth(t, { args, mutate, compare = true }) {
  return runWithBoth(t, bundle(t, { args, mutate }), { prefix: 'sysctl', compare })
}

t.test('linux.sysctl in joined network, ipc and uts namespaces (not the host\'s): written, as runc does', async (t) => {
  if (!needsRoot(t) || !needsCommand(t, 'ip', 'unshare')) return
  const hostChanged = guardHostValues(t)
  const netns = await namedNetns(t)
  const holder = await namespaceHolder(t)
  const { ts, rc, check } = await runBoth(t, {
    args: ['cat', ...Object.values(KEYS).map((k) => k.file)],
    mutate: (s) => {
      joining({ network: netns, ipc: `/proc/${holder}/ns/ipc`, uts: `/proc/${holder}/ns/uts` })(s)
      s.linux.sysctl = Object.fromEntries(Object.values(KEYS).map((k) => [k.key, k.value]))
    },
  })
  t.equal(ts.code, 0, `tsrun run exits 0${ts.code ? `: ${ts.stderr}` : ''}`)
  t.equal(ts.stdout, Object.values(KEYS).map((k) => `${k.value}\n`).join(''), 'the container sees the values')
  if (rc) t.same({ code: ts.code, stdout: ts.stdout }, { code: rc.code, stdout: rc.stdout }, 'as runc')
  const inNetns = await run('ip', ['netns', 'exec', netns.split('/').pop(), 'cat', KEYS.network.file])
  t.equal(inNetns.stdout, `${KEYS.network.value}\n`, 'the joined network namespace keeps the value')
  t.same(hostChanged(), [], 'the host\'s values are unchanged')
  t.same(await check(), [], 'nothing left behind')
})

t.test('linux.sysctl with the host\'s network namespace joined by path: refused, as runc does', async (t) => {
  if (!needsRoot(t)) return
  const hostChanged = guardHostValues(t)
  const { ts, rc, check } = await runBoth(t, {
    args: ['true'],
    mutate: (s) => {
      joining({ network: `/proc/${process.pid}/ns/net` })(s)
      s.linux.sysctl = { [KEYS.network.key]: KEYS.network.value }
    },
  })
  t.not(ts.code, 0, 'tsrun run fails')
  t.match(ts.stderr, /linux\.sysctl\.net\.ipv4\.ip_default_ttl.*host's network namespace/, 'the error names the key and why')
  if (rc) t.not(rc.code, 0, 'runc refuses it too')
  t.same(hostChanged(), [], 'the host\'s value is unchanged')
  t.same(await check(), [], 'nothing left behind')
})

// runc 1.1.5 compares inodes for net.* only: with the host's ipc or uts
// namespace joined by path it writes the host's values. tsrun refuses them
// as it refuses net.* (no runc comparison: it would change this host).
for (const type of ['ipc', 'uts']) {
  t.test(`linux.sysctl with the host's ${type} namespace joined by path: refused`, async (t) => {
    if (!needsRoot(t)) return
    const hostChanged = guardHostValues(t)
    const { ts, check } = await runBoth(t, {
      args: ['true'],
      compare: false,
      mutate: (s) => {
        // No hostname: should the refusal regress, the host keeps its name.
        delete s.hostname
        joining({ [type]: `/proc/${process.pid}/ns/${type}` })(s)
        s.linux.sysctl = { [KEYS[type].key]: KEYS[type].value }
      },
    })
    t.not(ts.code, 0, 'tsrun run fails')
    t.match(ts.stderr, new RegExp(`linux\\.sysctl\\.${KEYS[type].key.replace(/\./g, '\\.')}.*host's ${type} namespace`),
      'the error names the key and why')
    t.same(hostChanged(), [], 'the host\'s value is unchanged')
    t.same(await check(), [], 'nothing left behind')
  })
}
