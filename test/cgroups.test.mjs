// Containers and their cgroups, through the library and the CLI, on this
// host's driver (v1/hybrid here; pure v2 runs in the UML guest's suite):
// limits enforced, pause/resume, update, stats, ps, OOM events, cleanup.
import t from 'tap'
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { bundle, cleanup, needsRoot, runc, stateRoot, tsrun, uniqueId, which } from './helpers/env.mjs'
import { cgroupHierarchies, cgroupProcs, killCgroupTree, removeCgroupTree } from './engines/fixtures/engines.mjs'

const { Runtime } = await import('../dist/index.js')

function procState(pid) {
  const s = readFileSync(`/proc/${pid}/stat`, 'utf8')
  return s.slice(s.lastIndexOf(')') + 2).split(' ')[0]
}

async function started(t, args, resources) {
  const root = stateRoot(t)
  const dir = bundle(t, { args, mutate: (s) => { Object.assign(s.linux.resources, resources ?? {}) } })
  const id = uniqueId('cg')
  const check = cleanup(t, { root, id, bundle: dir })
  const rt = new Runtime({ root })
  const c = await rt.create(id, dir)
  await c.start()
  return { c, id, root, check }
}

t.test('a memory hog is OOM-killed at the limit and the oom event arrives', async (t) => {
  if (!needsRoot(t)) return
  const { c, check } = await started(t, ['sh', '-c', 'x=$(head -c 100000000 /dev/zero | tr "\\0" a); echo survived'],
    { memory: { limit: 32 * 1024 * 1024, swap: 32 * 1024 * 1024 } })
  const oom = new Promise((resolve) => c.once('oom', resolve))
  t.same(await c.wait(), { status: 137, code: null, signal: 9 })
  t.equal(await Promise.race([oom, new Promise((r) => setTimeout(() => r('no event'), 3000))]), 1)
  t.ok(await c.oomKills() >= 1)
  await c.delete()
  t.same(await check(), [])
})

t.test('a fork bomb stops at the pids limit', async (t) => {
  if (!needsRoot(t)) return
  const { c, id, root, check } = await started(t, ['sleep', '100'], { pids: { limit: 10 } })
  // The bomb runs beside the init: when fork fails its shell gives up, its children stay.
  await tsrun(['--root', root, 'exec', id, 'sh', '-c', 'while :; do sleep 10 & done'])
  const dir = `/sys/fs/cgroup/pids/${id}`
  // The bomb's shell was the tenth process; it has gone, its sleeps stay.
  t.equal(readFileSync(`${dir}/pids.current`, 'utf8').trim(), '9', 'no more processes than pids.max allowed')
  t.match(readFileSync(`${dir}/pids.events`, 'utf8'), /^max [1-9]/, 'forks were refused')
  await c.delete({ force: true })
  t.same(await check(), [])
})

t.test('pause freezes every process, resume thaws them; state says paused', async (t) => {
  if (!needsRoot(t)) return
  const { c, id, root, check } = await started(t, ['sh', '-c', 'while :; do :; done'])
  await c.pause()
  t.equal((await c.state()).status, 'paused')
  const r = await tsrun(['--root', root, 'state', id])
  t.match(r.stdout, /"status": "paused"/)
  t.equal(procState(c.pid), 'D', 'a frozen task sleeps uninterruptibly (v1 freezer)')
  await c.resume()
  t.equal((await c.state()).status, 'running')
  t.equal(procState(c.pid), 'R')
  await c.delete({ force: true })
  t.same(await check(), [])
})

t.test('update changes a live limit; stats and processes', async (t) => {
  if (!needsRoot(t)) return
  const { c, id, root, check } = await started(t, ['sleep', '100'], { pids: { limit: 20 } })
  const u = await tsrun(['--root', root, 'update', '--pids-limit', '7', id])
  t.equal(u.code, 0, u.stderr)
  t.equal(readFileSync(`/sys/fs/cgroup/pids/${id}/pids.max`, 'utf8').trim(), '7')
  const stats = await c.stats()
  t.equal(stats.pids.limit, 7)
  t.ok(stats.memory.usage.usage > 0)
  t.same(await c.processes(), [c.pid])
  const ps = await tsrun(['--root', root, 'ps', '--format', 'json', id])
  t.same(JSON.parse(ps.stdout), [c.pid])
  const ev = await tsrun(['--root', root, 'events', '--stats', id])
  t.equal(JSON.parse(ev.stdout).type, 'stats')
  await c.delete({ force: true })
  t.notOk(existsSync(`/sys/fs/cgroup/pids/${id}`), 'the cgroup is removed with the container')
  t.same(await check(), [])
})

// /dev/kmsg (c 1:11) is not among the default rules and opens for writing
// without a capability: made with mknod (CAP_MKNOD granted; runc's default
// rules allow "m" on every device), its open is the devices cgroup's verdict.
t.test('a device the rules deny cannot be opened; allowed, the same open works', async (t) => {
  if (!needsRoot(t)) return
  const OPEN = 'mknod /dev/tsrun-kmsg c 1 11 || exit 3; (exec 3>/dev/tsrun-kmsg) && echo open-ok'
  const grantMknod = (s) => {
    for (const set of ['bounding', 'effective', 'permitted']) s.process.capabilities[set].push('CAP_MKNOD')
  }
  for (const [name, devices, expected] of [
    ['denied', [{ allow: false, access: 'rwm' }], { code: 1, stdout: '', stderr: /Operation not permitted/, says: 'the open fails with EPERM' }],
    ['allowed', [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 1, minor: 11, access: 'w' }], { code: 0, stdout: 'open-ok\n', stderr: /^$/, says: 'no error' }],
  ]) {
    await t.test(name, async (t) => {
      const root = stateRoot(t)
      const id = uniqueId('cg-dev')
      const dir = bundle(t, { args: ['sh', '-c', OPEN], mutate: (s) => { grantMknod(s); s.linux.resources.devices = devices } })
      const check = cleanup(t, { root, id, bundle: dir })
      const r = await tsrun(['--root', root, 'run', '--bundle', dir, id])
      t.equal(r.code, expected.code, `exit ${r.code} (3: mknod failed) ${r.stderr.trim()}`)
      t.equal(r.stdout, expected.stdout)
      t.match(r.stderr, expected.stderr, expected.says)
      t.same(await check(), [])
    })
  }
})

t.test('bad resources: an error naming the field and no cgroup left', async (t) => {
  if (!needsRoot(t)) return
  const root = stateRoot(t)
  for (const [resources, field] of [
    [{ memory: { limit: -5 } }, /linux\.resources\.memory\.limit/],
    [{ devices: [{ allow: true, type: 'x', access: 'r' }] }, /linux\.resources\.devices\[0\]\.type/],
    [{ cpu: { cpus: '0-1023' } }, /linux\.resources\.cpu\.cpus/],
  ]) {
    const dir = bundle(t, { args: ['true'], mutate: (s) => { Object.assign(s.linux.resources, resources) } })
    const id = uniqueId('cg')
    const check = cleanup(t, { root, id, bundle: dir })
    const r = await tsrun(['--root', root, 'run', '--bundle', dir, id])
    t.not(r.code, 0)
    t.match(r.stderr, field)
    t.same(await check(), [])
  }
})

t.test('the init places itself in its cgroups (no cgroup.procs write by the runtime); --debug and onDebug say so', async (t) => {
  if (!needsRoot(t)) return
  // A cgroup.procs write by the runtime waits for an RCU grace period; the
  // init joins by itself (clone3 into cgroup2, "0" into the v1 tasks files).
  const root = stateRoot(t)
  const dir = bundle(t, { args: ['cat', '/proc/self/cgroup'] })
  const id = uniqueId('cg-place')
  const check = cleanup(t, { root, id, bundle: dir })
  const r = await tsrun(['--debug', '--root', root, 'run', '--bundle', dir, id])
  t.equal(r.code, 0, r.stderr)
  t.match(r.stderr, /level=debug msg="process \d+ placed itself in its cgroup/, '--debug: the init placed itself')
  t.notMatch(r.stderr, /moving process \d+ into its cgroup/, 'the runtime did not move it')
  for (const line of r.stdout.trim().split('\n')) {
    // Without a cgroup namespace every hierarchy shows the container's own cgroup.
    t.match(line, new RegExp(`/${id}$`), `in its cgroup: ${line}`)
  }
  t.same(await check(), [])

  const messages = []
  const rt = new Runtime({ root, onDebug: (m) => messages.push(m) })
  const id2 = uniqueId('cg-place-lib')
  const check2 = cleanup(t, { root, id: id2, bundle: dir })
  const c = await rt.create(id2, dir)
  t.match(messages.join('\n'), /process \d+ placed itself in its cgroup/, 'onDebug: the same')
  await c.start()
  await c.wait()
  await c.delete()
  t.same(await check2(), [])
})

// ---------------------------------------------------------------- a cgroup that exists before the container

/** The runtimes a comparison runs: runc first (the reference) when installed, then tsrun. */
const RUNTIMES = which('runc') ? { runc, tsrun } : { tsrun }

/**
 * A cgroup of the test's own, /REL in every hierarchy, made now; at teardown
 * its processes are killed (thawed first) and it is removed.
 */
function ownCgroup(t) {
  const rel = `/${uniqueId('tsrun-test-cg')}`
  t.teardown(async () => {
    await killCgroupTree(rel)
    removeCgroupTree(rel)
  })
  for (const h of cgroupHierarchies()) {
    mkdirSync(join(h, rel))
    // A v1 cpuset cgroup takes no process until it has cpus and mems.
    for (const f of ['cpuset.cpus', 'cpuset.mems']) {
      if (existsSync(join(h, f))) writeFileSync(join(h, rel, f), readFileSync(join(h, f)))
    }
  }
  return rel
}

/** Freezes the cgroup at rel: the v1 freezer's, else the cgroup2 one. Returns a reader of its state. */
function freezeCgroup(rel) {
  const v1 = cgroupHierarchies().find((h) => existsSync(join(h, rel, 'freezer.state')))
  const [file, value] = v1 ? [join(v1, rel, 'freezer.state'), 'FROZEN'] : [join('/sys/fs/cgroup', rel, 'cgroup.freeze'), '1']
  writeFileSync(file, value)
  return () => readFileSync(file, 'utf8').trim()
}

t.test('a cgroup frozen before create: create and run fail at once, as runc does, and leave the cgroup as it was', async (t) => {
  if (!needsRoot(t)) return
  for (const [name, runtime] of Object.entries(RUNTIMES)) {
    for (const command of ['create', 'run']) {
      await t.test(`${name} ${command}`, async (t) => {
        const rel = ownCgroup(t)
        const freezerState = freezeCgroup(rel)
        const frozenState = freezerState()
        const root = stateRoot(t)
        const id = uniqueId('cg-frozen')
        const dir = bundle(t, { args: ['true'], mutate: (s) => { s.linux.cgroupsPath = rel } })
        const check = cleanup(t, { root, id, bundle: dir, runtime: name })
        const started = Date.now()
        // Before the fix tsrun hung here for ever, its init frozen in the cgroup.
        const r = await runtime(['--root', root, command, '--bundle', dir, id], { timeout: 20_000 })
        t.not(r.code, 0, 'it fails')
        t.match(r.stderr, /container's cgroup unexpectedly frozen/, 'saying why')
        t.ok(Date.now() - started < 10_000, 'at once')
        t.same(cgroupProcs(rel), [], 'no process left in the cgroup')
        t.equal(freezerState(), frozenState, 'the cgroup (not the container\'s) is still frozen')
        t.same(await check(), [], 'nothing left behind')
      })
    }
  }
})

t.test('a cgroup that holds processes before create: a warning, as runc gives, and the container runs', async (t) => {
  if (!needsRoot(t)) return
  for (const [name, runtime] of Object.entries(RUNTIMES)) {
    await t.test(name, async (t) => {
      const rel = ownCgroup(t)
      const sleeper = spawn('sleep', ['300'], { stdio: 'ignore' })
      t.teardown(() => sleeper.kill('SIGKILL'))
      for (const h of cgroupHierarchies()) writeFileSync(join(h, rel, 'cgroup.procs'), String(sleeper.pid))
      const root = stateRoot(t)
      const id = uniqueId('cg-busy')
      const dir = bundle(t, { args: ['echo', 'ran'], mutate: (s) => { s.linux.cgroupsPath = rel } })
      const check = cleanup(t, { root, id, bundle: dir, runtime: name })
      const r = await runtime(['--root', root, 'run', '--bundle', dir, id], { timeout: 20_000 })
      t.equal(r.code, 0, `it runs${r.code ? `: ${r.stderr}` : ''}`)
      t.equal(r.stdout, 'ran\n', 'its output')
      t.match(r.stderr, /level=warning msg="container's cgroup is not empty: 1 process\(es\) found"/, 'the warning')
      t.same(await check(), [], 'nothing left behind')
    })
  }
})

// ---------------------------------------------------------------- update

t.test('update --memory -1 with memory and memory+swap limits set: both lifted, as runc does', async (t) => {
  if (!needsRoot(t)) return
  const MB = 1024 * 1024
  const seen = {}
  for (const [name, runtime] of Object.entries(RUNTIMES)) {
    const root = stateRoot(t)
    const id = uniqueId(`cg-update-${name}`)
    const dir = bundle(t, {
      args: ['sleep', '100'],
      mutate: (s) => {
        s.linux.cgroupsPath = `/${id}`
        s.linux.resources.memory = { limit: 64 * MB, swap: 128 * MB }
      },
    })
    const check = cleanup(t, { root, id, bundle: dir, runtime: name })
    const c = await runtime(['--root', root, 'create', '--bundle', dir, id], { stdio: ['ignore', 'ignore', 'pipe'] })
    t.equal(c.code, 0, `${name} create${c.code ? `: ${c.stderr}` : ''}`)
    const cg = `/sys/fs/cgroup/memory/${id}`
    const limits = () => ['memory.limit_in_bytes', 'memory.memsw.limit_in_bytes'].map((f) => readFileSync(join(cg, f), 'utf8').trim())
    const before = limits()
    const u = await runtime(['--root', root, 'update', '--memory', '-1', id])
    const after = limits()
    // runc writes memory before it finds the swap below it (whether that write
    // succeeds depends on the usage at the time); tsrun refuses before writing.
    const bad = await runtime(['--root', root, 'update', '--memory', '2m', '--memory-swap', '1m', id])
    seen[name] = { before, update: u.code, updateStderr: u.stderr, after, bad: bad.code !== 0 }
    if (name === 'tsrun') {
      t.match(bad.stderr, /memory\.swap/, 'a refused update names the field')
      t.notMatch(bad.stderr, /config\.json/, 'and does not blame config.json')
      t.same(limits(), after, 'and writes nothing')
    }
    t.same(await check(), [], `${name}: nothing left behind`)
  }
  const unlimited = readFileSync('/sys/fs/cgroup/memory/memory.limit_in_bytes', 'utf8').trim()
  t.same(seen.tsrun, {
    before: [String(64 * MB), String(128 * MB)], update: 0, updateStderr: '', after: [unlimited, unlimited], bad: true,
  }, 'tsrun: both limits lifted; swap below memory refused')
  if (seen.runc) t.same(seen.tsrun, seen.runc, 'as runc')
})

// ---------------------------------------------------------------- device access strings

// runc takes any letters in a device rule's access and uses r, w and m
// (its device emulator ignores the rest, on v1 and v2 alike). /dev/fuse
// (c 10:229, not among runc's default rules) is given to the container
// (linux.devices) and opened for reading and for writing: EPERM is the devices cgroup's answer.
t.test('device access strings: letters other than r, w and m are ignored, as runc does', async (t) => {
  if (!needsRoot(t)) return
  const OPEN = '(exec 3</dev/tsrun-fuse) 2>/dev/null && echo read-ok || echo read-denied; ' +
    '(exec 3>/dev/tsrun-fuse) 2>/dev/null && echo write-ok || echo write-denied'
  const cases = {
    rwa: 'read-ok\nwrite-ok\n',
    ra: 'read-ok\nwrite-denied\n',
    'wxyz': 'read-denied\nwrite-ok\n',
  }
  for (const [access, expected] of Object.entries(cases)) {
    await t.test(`access "${access}"`, async (t) => {
      const seen = {}
      for (const [name, runtime] of Object.entries(RUNTIMES)) {
        const root = stateRoot(t)
        const id = uniqueId(`cg-dev-${name}`)
        const dir = bundle(t, {
          args: ['sh', '-c', OPEN],
          mutate: (s) => {
            s.linux.devices = [{ path: '/dev/tsrun-fuse', type: 'c', major: 10, minor: 229, fileMode: 0o666, uid: 0, gid: 0 }]
            s.linux.resources.devices = [
              { allow: false, access: 'rwm' },
              { allow: true, type: 'c', major: 10, minor: 229, access },
            ]
          },
        })
        const check = cleanup(t, { root, id, bundle: dir, runtime: name })
        const r = await runtime(['--root', root, 'run', '--bundle', dir, id])
        seen[name] = { code: r.code, stdout: r.stdout, stderr: r.code ? r.stderr : '' }
        t.same(await check(), [], `${name}: nothing left behind`)
      }
      t.same(seen.tsrun, { code: 0, stdout: expected, stderr: '' }, `tsrun: ${expected.trim().replace('\n', ', ')}`)
      if (seen.runc) t.same(seen.tsrun, seen.runc, 'as runc')
    })
  }
  await t.test('the cgroup2 eBPF program for "rwa" is the one for "rw"', async (t) => {
    const { programFor } = await import('../dist/linux/cgroups/v2/devices.js')
    const rule = (access) => ({ devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 10, minor: 229, access }] })
    t.same(programFor(rule('rwa')).insns, programFor(rule('rw')).insns)
  })
  // None of r, w and m: runc fails too (on "" at once, on "a" when its cgroup
  // check finds the rule missing); tsrun names the field.
  for (const access of ['', 'a']) {
    await t.test(`access "${access}": refused`, async (t) => {
      const root = stateRoot(t)
      const id = uniqueId('cg-dev')
      const dir = bundle(t, {
        args: ['true'],
        mutate: (s) => { s.linux.resources.devices = [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 10, minor: 229, access }] },
      })
      const check = cleanup(t, { root, id, bundle: dir })
      const r = await tsrun(['--root', root, 'run', '--bundle', dir, id])
      t.not(r.code, 0, 'tsrun run fails')
      t.match(r.stderr, /linux\.resources\.devices\[1\]\.access: .*r, w and m/, 'naming the field')
      if (RUNTIMES.runc) {
        const rroot = stateRoot(t)
        const rid = uniqueId('cg-dev-runc')
        const rcheck = cleanup(t, { root: rroot, id: rid, bundle: dir, runtime: 'runc' })
        t.not((await runc(['--root', rroot, 'run', '--bundle', dir, rid])).code, 0, 'runc fails too')
        t.same(await rcheck(), [], 'runc: nothing left behind')
      }
      t.same(await check(), [], 'nothing left behind')
    })
  }
})
