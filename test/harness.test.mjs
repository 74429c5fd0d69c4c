// Tests of the test infrastructure itself: scripts/make-bundle.mjs and
// test/helpers/env.mjs, checked against runc (the reference runtime).

import t from 'tap'
import { execFileSync, spawnSync } from 'node:child_process'
import {
  existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync,
  rmdirSync, statSync, writeFileSync,
} from 'node:fs'
import { join } from 'node:path'
import { isDeepStrictEqual } from 'node:util'
import {
  makeBundle, makeRootfs, runcDefaultSpec, elfLinkage, busyboxApplets, findBusybox,
} from '../scripts/make-bundle.mjs'
import {
  REPO, TSRUN_BIN, needsRoot, needsCommand, which, bundle, sharedRootfs,
  stateRoot, tempDir, uniqueId, run, runc, tsrun, cleanup, leftovers,
  mountsUnder, readSpec, processIdentity, isRoot,
} from './helpers/env.mjs'

const MAKE_BUNDLE = join(REPO, 'scripts', 'make-bundle.mjs')

function checkRootfs(t, rootfs) {
  const bb = join(rootfs, 'bin', 'busybox')
  const st = lstatSync(bb)
  t.ok(st.isFile() && !st.isSymbolicLink(), 'bin/busybox is a regular file')
  t.ok(st.mode & 0o111, 'bin/busybox is executable')
  t.equal(elfLinkage(bb), 'static', 'bin/busybox is statically linked')
  if (which('file')) {
    t.match(execFileSync('file', [bb], { encoding: 'utf8' }), /statically linked|static-pie linked/,
      'file(1) agrees it is static')
  }
  t.equal(readlinkSync(join(rootfs, 'bin', 'sh')), 'busybox', 'bin/sh -> busybox')
  const applets = busyboxApplets()
  t.ok(applets.length > 100, `${applets.length} applets`)
  t.notOk(applets.includes('busybox'), '"busybox" is not linked as an applet')
  const missing = applets.filter((a) => readlinkSync(join(rootfs, 'bin', a)) !== 'busybox')
  t.same(missing, [], 'one symlink per applet')
  for (const d of ['proc', 'sys', 'dev', 'etc', 'tmp', 'root', 'var', 'run']) {
    t.ok(statSync(join(rootfs, d)).isDirectory(), `/${d} exists`)
  }
  t.equal(statSync(join(rootfs, 'tmp')).mode & 0o7777, 0o1777, '/tmp is 1777')
  const passwd = readFileSync(join(rootfs, 'etc', 'passwd'), 'utf8')
  t.match(passwd, /^root:x:0:0:/m)
  t.match(passwd, /^nobody:x:65534:65534:/m)
  const group = readFileSync(join(rootfs, 'etc', 'group'), 'utf8')
  t.match(group, /^root:x:0:/m)
  t.match(group, /^nobody:x:65534:/m)
  t.ok(readFileSync(join(rootfs, 'etc', 'hostname'), 'utf8').trim().length > 0, '/etc/hostname')
}

t.test('makeBundle builds a static busybox rootfs and runc-default config', async (t) => {
  const dir = tempDir(t)
  const r = makeBundle(dir, { args: ['echo', 'hello'] })
  t.equal(r.rootfs, join(dir, 'rootfs'))
  checkRootfs(t, r.rootfs)
  const spec = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'))
  const want = runcDefaultSpec()
  want.process.terminal = false
  want.process.args = ['echo', 'hello']
  t.same(spec, want, 'config.json is runc spec with terminal false and the args')
  t.equal(spec.root.path, 'rootfs')
  t.equal(spec.root.readonly, true)

  // idempotent: building again over it works and keeps busybox a file
  makeRootfs(r.rootfs)
  checkRootfs(t, r.rootfs)
})

t.test('inline default spec equals what `runc spec` writes', async (t) => {
  if (!needsCommand(t, 'runc')) return
  const ver = (await runc(['--version'])).stdout
  if (!/runc version 1\.1\./.test(ver)) {
    t.plan(0, `runc spec of ${ver.split('\n')[0]} differs from 1.1.x by design`)
    return
  }
  const dir = tempDir(t)
  const r = await runc(['spec', '--bundle', dir])
  t.equal(r.code, 0, r.stderr)
  const fromRunc = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'))
  t.same(fromRunc, runcDefaultSpec())
  t.ok(isDeepStrictEqual(fromRunc, runcDefaultSpec()), 'strictly equal')
})

t.test('mutate and hostname', async (t) => {
  const dir = tempDir(t)
  makeBundle(dir, {
    hostname: 'h1',
    mutate(spec) { spec.process.env.push('X=1') },
  })
  let spec = readSpec(dir)
  t.same(spec.process.args, ['sh'], 'default args')
  t.equal(spec.hostname, 'h1')
  t.ok(spec.process.env.includes('X=1'), 'mutate in place')
  const dir2 = tempDir(t)
  makeBundle(dir2, { mutate: () => ({ ociVersion: '1.0.2', root: { path: 'rootfs' } }) })
  spec = readSpec(dir2)
  t.same(spec, { ociVersion: '1.0.2', root: { path: 'rootfs' } }, 'mutate may return a new spec')
})

t.test('make-bundle.mjs command line', async (t) => {
  const dir = tempDir(t)
  let r = await run(process.execPath, [MAKE_BUNDLE, join(dir, 'b'), '--hostname', 'hn', '--', 'echo', 'a b'])
  t.equal(r.code, 0, r.stderr)
  const spec = readSpec(join(dir, 'b'))
  t.same(spec.process.args, ['echo', 'a b'])
  t.equal(spec.hostname, 'hn')
  t.equal(spec.process.terminal, false)
  checkRootfs(t, join(dir, 'b', 'rootfs'))

  r = await run(process.execPath, [MAKE_BUNDLE, join(dir, 'c'), '--rootfs-only'])
  t.equal(r.code, 0, r.stderr)
  t.ok(existsSync(join(dir, 'c', 'rootfs', 'bin', 'busybox')), '--rootfs-only makes rootfs')
  t.notOk(existsSync(join(dir, 'c', 'config.json')), '--rootfs-only writes no config.json')

  r = await run(process.execPath, [MAKE_BUNDLE, join(dir, 'd')])
  t.equal(r.code, 0, r.stderr)
  t.same(readSpec(join(dir, 'd')).process.args, ['sh'], 'default args ["sh"]')

  r = await run(process.execPath, [MAKE_BUNDLE])
  t.not(r.code, 0, 'no DIR is an error')
  t.match(r.stderr, /usage/)

  r = await run(process.execPath, [MAKE_BUNDLE, join(dir, 'e')], { env: { TSRUN_BUSYBOX: '/bin/true' } })
  t.equal(r.code, 3, 'dynamic busybox is refused')
  t.match(r.stderr, /busybox-static/)
  r = await run(process.execPath, [MAKE_BUNDLE, join(dir, 'e')], { env: { TSRUN_BUSYBOX: join(dir, 'nope') } })
  t.equal(r.code, 3, 'missing busybox is refused')
  t.match(r.stderr, /busybox-static/)
})

t.test('shared rootfs and bundle()', async (t) => {
  const shared = sharedRootfs()
  t.equal(sharedRootfs(), shared, 'cached')
  checkRootfs(t, shared)
  const b = bundle(t, { args: ['true'] })
  const spec = readSpec(b)
  t.equal(spec.root.path, shared, 'root.path points at the shared rootfs')
  t.notOk(existsSync(join(b, 'rootfs')), 'no copy')
  const p = bundle(t, { mutate(s) { s.root.readonly = false } })
  t.equal(readSpec(p).root.path, 'rootfs', 'writable root gets a private copy')
  checkRootfs(t, join(p, 'rootfs'))
  const m = bundle(t, {
    mutate(s) { s.mounts.push({ destination: '/data', type: 'tmpfs', source: 'tmpfs' }) },
  })
  t.equal(readSpec(m).root.path, 'rootfs', 'a new mount point gets a private copy')
  t.not(b, p)
})

t.test('uniqueId', async (t) => {
  const ids = new Set()
  for (let i = 0; i < 200; i++) ids.add(uniqueId('x y'))
  t.equal(ids.size, 200)
  const id = [...ids][0]
  t.match(id, new RegExp(`^x-y-${process.pid}-\\d+-[0-9a-f]{6}$`))
})

t.test('run(): stdin input, exit codes, timeouts', async (t) => {
  let r = await run('cat', [], { input: 'abc\n' })
  t.equal(r.code, 0)
  t.equal(r.stdout, 'abc\n')
  r = await run('sh', ['-c', 'echo out; echo err >&2; exit 7'])
  t.same([r.code, r.stdout, r.stderr, r.timedOut], [7, 'out\n', 'err\n', false])
  const start = Date.now()
  r = await run('sh', ['-c', 'sleep 30 & sleep 30; echo never'], { timeout: 300 })
  t.ok(r.timedOut, 'timed out')
  t.equal(r.signal, 'SIGKILL')
  t.ok(Date.now() - start < 5000, 'returned promptly')
  // a grandchild keeping stdout open does not block after the child exited
  r = await run('sh', ['-c', 'sleep 3 & echo started'], { drain: 100 })
  t.equal(r.code, 0)
  t.equal(r.stdout, 'started\n')
  await t.rejects(run('/nonexistent/cmd'), 'spawn errors reject')
})

t.test('stateRoot() and tempDir() are removed at teardown', async (t) => {
  let root, tmp
  await t.test('inner', async (t) => {
    root = stateRoot(t)
    tmp = tempDir(t)
    writeFileSync(join(root, 'x'), 'x')
    mkdirSync(join(tmp, 'a', 'b'), { recursive: true })
    t.ok(existsSync(root) && existsSync(tmp))
    t.equal(statSync(root).mode & 0o777, 0o700)
  })
  t.notOk(existsSync(root), 'state root removed')
  t.notOk(existsSync(tmp), 'temp dir removed')
})

t.test('leftovers() reports state files, live pids and cgroups', async (t) => {
  const root = stateRoot(t)
  t.same(await leftovers({ root }), [], 'empty root is clean')
  writeFileSync(join(root, 'stale'), '')
  t.same(await leftovers({ root }), [`file: ${join(root, 'stale')}`])

  const { spawn } = await import('node:child_process')
  const child = spawn('sleep', ['60'], { stdio: 'ignore' })
  const ident = processIdentity(child.pid)
  const left = await leftovers({ pids: [child.pid, ident] })
  t.equal(left.length, 2)
  t.match(left[0], new RegExp(`^process: ${child.pid} \\(sleep\\)$`))
  await new Promise((resolve) => { child.on('exit', resolve); child.kill('SIGKILL') })
  t.same(await leftovers({ pids: [child.pid, ident] }), [], 'dead process is not left')
  t.same(await leftovers({ pids: [{ pid: process.pid, starttime: '1' }] }), [],
    'a reused pid (other start time) is not ours')

  t.test('cgroup with the id', async (t) => {
    if (!needsRoot(t)) return
    const id = uniqueId('cg')
    const parent = ['/sys/fs/cgroup/pids', '/sys/fs/cgroup/unified', '/sys/fs/cgroup']
      .find((p) => existsSync(join(p, 'cgroup.procs')))
    if (!parent) return t.plan(0, 'no writable cgroup hierarchy found')
    const cg = join(parent, `test-${id}`)
    try {
      mkdirSync(cg)
    } catch (e) {
      return t.plan(0, `cannot create a cgroup: ${e.code}`)
    }
    try {
      t.same(await leftovers({ ids: [id] }), [`cgroup: ${cg}`])
    } finally {
      rmdirSync(cg)
    }
    t.same(await leftovers({ ids: [id] }), [])
  })
})

t.test('leftovers() finds a tmpfs left mounted under the bundle', async (t) => {
  if (!needsRoot(t)) return
  const b = bundle(t)
  const root = stateRoot(t)
  t.same(await leftovers({ root, bundle: b }), [], 'clean before')
  const mnt = join(b, 'leak')
  mkdirSync(mnt)
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tsrun-test-leak', mnt])
  try {
    t.same(await leftovers({ root, bundle: b }), [`mount: ${mnt} (tmpfs)`])
    t.equal(mountsUnder(b).length, 1)
  } finally {
    execFileSync('umount', [mnt])
  }
  t.same(await leftovers({ root, bundle: b }), [], 'clean after umount')
})

t.test('teardown detaches a mount left under its own bundle before removing it', async (t) => {
  if (!needsRoot(t)) return
  let b, mnt
  await t.test('inner', async (t) => {
    b = bundle(t)
    mnt = join(b, 'leak2')
    mkdirSync(mnt)
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tsrun-test-leak2', mnt])
    writeFileSync(join(mnt, 'f'), 'x')
    t.ok(true)
  })
  t.same(mountsUnder(b), [], 'mount detached')
  t.notOk(existsSync(b), 'bundle removed')
})

t.test('runc runs a bundle and leaves nothing behind', async (t) => {
  if (!needsRoot(t) || !needsCommand(t, 'runc')) return
  const root = stateRoot(t)
  const b = bundle(t, { args: ['echo', 'hello'] })
  const id = uniqueId('harness-runc')
  const check = cleanup(t, { runtime: 'runc', root, ids: [id], bundle: b })
  const r = await runc(['--root', root, 'run', '--bundle', b, id])
  t.equal(r.code, 0, r.stderr)
  t.equal(r.stdout, 'hello\n')
  t.same(await check(), [], 'nothing left behind')
  t.same(await leftovers({ root, bundle: b, ids: [id] }), [])
})

t.test('runc in its own bundle dir (private rootfs), isolation visible', async (t) => {
  if (!needsRoot(t) || !needsCommand(t, 'runc')) return
  const root = stateRoot(t)
  const b = bundle(t, {
    privateRootfs: true,
    hostname: 'harness-host',
    args: ['sh', '-c', 'hostname; echo pid=$$; id -u; ls /'],
  })
  const id = uniqueId('harness-priv')
  const calls = []
  const runtime = (args, opts) => { calls.push(args[2]); return runc(args, opts) }
  const check = cleanup(t, { runtime, root, id, bundle: b })
  const r = await runc(['--root', root, 'run', id], { cwd: b })
  t.equal(r.code, 0, r.stderr)
  const lines = r.stdout.split('\n')
  t.equal(lines[0], 'harness-host')
  t.equal(lines[1], 'pid=1')
  t.equal(lines[2], '0')
  t.match(r.stdout, /\bbin\b/)
  t.same(await check(), [])
  t.same(calls, ['state', 'delete'], 'cleanup goes through a runtime function')
})

t.test('cleanup() force-deletes a running detached container', async (t) => {
  if (!needsRoot(t) || !needsCommand(t, 'runc')) return
  const root = stateRoot(t)
  const b = bundle(t, { args: ['sleep', '600'] })
  const id = uniqueId('harness-detached')
  const check = cleanup(t, { runtime: 'runc', root, ids: [id], bundle: b })
  const r = await runc(['--root', root, 'run', '-d', '--bundle', b, id], { stdio: 'ignore' })
  t.equal(r.code, 0)
  const st = JSON.parse((await runc(['--root', root, 'state', id])).stdout)
  t.equal(st.status, 'running')
  const pid = st.pid
  const ident = processIdentity(pid)
  const during = await leftovers({ root, bundle: b, pids: [ident], ids: [id] })
  t.ok(during.some((l) => l.startsWith('file: ')), 'state files while running')
  t.ok(during.some((l) => l.startsWith('process: ')), 'process while running')
  const left = await check()
  t.same(left, [], 'nothing left after delete --force')
  t.same(await leftovers({ pids: [ident] }), [], 'container process gone')
})

t.test('needsCommand / needsRoot', async (t) => {
  t.equal(which('sh') !== null, true)
  t.equal(which('definitely-not-a-command-tsrun'), null)
  t.equal(needsCommand(t, 'sh', ['true']), true, 'present commands do not skip')
  if (isRoot) t.equal(needsRoot(t), true, 'root does not skip')
})

t.test('tsrun() runs bin/tsrun with node', async (t) => {
  if (!existsSync(TSRUN_BIN)) return t.plan(0, `${TSRUN_BIN} not written yet`)
  const r = await tsrun(['--help'], { timeout: 30_000 })
  t.equal(r.timedOut, false)
  t.ok(r.stdout.length + r.stderr.length > 0, 'printed something')
})

t.test('findBusybox', async (t) => {
  t.equal(elfLinkage(findBusybox()), 'static')
  t.equal(elfLinkage(process.execPath), 'dynamic')
})
