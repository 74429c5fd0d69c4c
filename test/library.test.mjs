// The library: lifecycle, state shared with the CLI format, errors, no leaks.
import t from 'tap'
import { closeSync, existsSync, openSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { bundle, cleanup, needsRoot, stateRoot, tempDir, uniqueId } from './helpers/env.mjs'

const { Runtime, ContainerNotFoundError, ContainerExistsError, InvalidStateError } = await import('../dist/index.js')

/** Runs args in a fresh container, capturing stdout through a file. */
async function runCaptured(t, args, mutate) {
  const root = stateRoot(t)
  const dir = bundle(t, { args, mutate })
  const id = uniqueId('lib')
  const check = cleanup(t, { root, id, bundle: dir })
  const out = join(tempDir(t), 'out')
  const fd = openSync(out, 'w')
  const rt = new Runtime({ root })
  let status
  try {
    const c = await rt.create(id, dir, { stdio: [0, fd, fd] })
    await c.start()
    status = await c.wait()
    await c.delete()
  } finally {
    closeSync(fd)
  }
  return { status, output: readFileSync(out, 'utf8'), check }
}

t.test('create, start, wait, delete', async (t) => {
  if (!needsRoot(t)) return
  const root = stateRoot(t)
  const dir = bundle(t, { args: ['sh', '-c', 'exit 7'] })
  const id = uniqueId('lib')
  const check = cleanup(t, { root, id, bundle: dir })
  const rt = new Runtime({ root })
  const c = await rt.create(id, dir)
  t.equal(c.id, id)
  t.ok(c.pid > 0, 'init has a host pid')
  const created = await c.state()
  t.equal(created.status, 'created')
  t.equal(created.pid, c.pid)
  t.equal(created.bundle, dir)
  t.ok(existsSync(join(root, id, 'state.json')))
  const exit = new Promise((resolve) => c.once('exit', resolve))
  await c.start()
  const status = await c.wait()
  t.same(status, { status: 7, code: 7, signal: null })
  t.same(await exit, status, 'the exit event carries the status')
  const stopped = await c.state()
  t.equal(stopped.status, 'stopped')
  t.equal(stopped.pid, 0, 'a stopped container reports pid 0, as runc does')
  await c.delete()
  t.notOk(existsSync(join(root, id)), 'state directory removed')
  t.same(await check(), [])
})

t.test('a signal exit reports 128 + signal', async (t) => {
  if (!needsRoot(t)) return
  const root = stateRoot(t)
  const dir = bundle(t, { args: ['sleep', '100'] })
  const id = uniqueId('lib')
  const check = cleanup(t, { root, id, bundle: dir })
  const c = await new Runtime({ root }).create(id, dir)
  await c.start()
  t.equal((await c.state()).status, 'running')
  await c.kill('KILL')
  t.same(await c.wait(), { status: 137, code: null, signal: 9 })
  await c.delete()
  t.same(await check(), [])
})

t.test('stdout is the caller\'s, args and env reach the program', async (t) => {
  if (!needsRoot(t)) return
  const { status, output, check } = await runCaptured(t, ['sh', '-c', 'echo "$GREETING $0"; pwd'], (s) => {
    s.process.env.push('GREETING=hello')
    s.process.cwd = '/tmp'
  })
  t.equal(status.code, 0)
  t.equal(output, 'hello sh\n/tmp\n')
  t.same(await check(), [])
})

t.test('another Runtime on the same root sees the container (one state format)', async (t) => {
  if (!needsRoot(t)) return
  const root = stateRoot(t)
  // PID 1 of a pid namespace ignores signals it has no handler for.
  const dir = bundle(t, { args: ['sh', '-c', 'trap "exit 143" TERM; sleep 100 & wait'] })
  const id = uniqueId('lib')
  const check = cleanup(t, { root, id, bundle: dir })
  const c = await new Runtime({ root }).create(id, dir)
  const other = new Runtime({ root })
  const list = await other.list()
  t.same(list.map((s) => [s.id, s.status]), [[id, 'created']])
  const loaded = await other.load(id)
  t.equal(loaded.pid, c.pid)
  // One JSON object: the shared fields and, beside them, the Linux backend's own (the layout tsrun has always written).
  const saved = JSON.parse(readFileSync(join(root, id, 'state.json'), 'utf8'))
  for (const key of ['ociVersion', 'id', 'pid', 'bundle', 'rootfs', 'created', 'spec', 'pidStartTime', 'ownPidNamespace', 'cgroup']) {
    t.ok(Object.hasOwn(saved, key), `state.json has ${key}`)
  }
  await loaded.start()
  t.equal((await c.state()).status, 'running')
  await t.rejects(loaded.delete(), InvalidStateError, 'a running container is not deleted without force')
  // Until the shell has set its trap a TERM is ignored (it is PID 1): repeat it.
  const exited = c.wait()
  let status
  while (!(status = await Promise.race([exited, new Promise((r) => setTimeout(r, 100))]))) await loaded.kill('TERM')
  t.same(status, { status: 143, code: 143, signal: null })
  await loaded.delete()
  t.same(await other.list(), [])
  t.same(await check(), [])
})

t.test('delete --force kills a running container; delete of a created one needs no force', async (t) => {
  if (!needsRoot(t)) return
  const root = stateRoot(t)
  const dir = bundle(t, { args: ['sleep', '100'] })
  const rt = new Runtime({ root })
  const [a, b] = [uniqueId('lib'), uniqueId('lib')]
  const check = cleanup(t, { root, ids: [a, b], bundle: dir })
  const running = await rt.create(a, dir)
  await running.start()
  await running.delete({ force: true })
  const created = await rt.create(b, dir)
  await created.delete()
  t.same(await rt.list(), [])
  t.same(await check(), [])
})

t.test('errors: unknown id, duplicate id, bad id, start twice', async (t) => {
  if (!needsRoot(t)) return
  const root = stateRoot(t)
  const dir = bundle(t, { args: ['true'] })
  const rt = new Runtime({ root })
  const id = uniqueId('lib')
  const check = cleanup(t, { root, id, bundle: dir })
  await t.rejects(rt.load('nope'), ContainerNotFoundError)
  await t.rejects(rt.load('nope'), { message: 'container does not exist' })
  await t.rejects(rt.create('a/b', dir), { message: 'invalid container ID format' })
  await t.rejects(rt.create('..', dir), { message: 'invalid container ID format' })
  const c = await rt.create(id, dir)
  await t.rejects(rt.create(id, dir), ContainerExistsError)
  await c.start()
  await c.wait()
  await t.rejects(c.start(), { message: 'cannot start a container that has stopped' })
  await c.delete()
  t.same(await check(), [])
})

t.test('pid file', async (t) => {
  if (!needsRoot(t)) return
  const root = stateRoot(t)
  const dir = bundle(t, { args: ['true'] })
  const id = uniqueId('lib')
  const check = cleanup(t, { root, id, bundle: dir })
  const pidFile = join(tempDir(t), 'pid')
  const c = await new Runtime({ root }).create(id, dir, { pidFile })
  t.equal(readFileSync(pidFile, 'utf8'), String(c.pid))
  await c.delete()
  t.same(await check(), [])
})

t.test('a program that does not exist fails create and leaves nothing', async (t) => {
  if (!needsRoot(t)) return
  const root = stateRoot(t)
  const rt = new Runtime({ root })
  for (const [args, message] of [
    [['no-such-program'], 'exec: "no-such-program": executable file not found in $PATH'],
    [['/bin/nope'], 'exec: "/bin/nope": stat /bin/nope: no such file or directory'],
  ]) {
    const dir = bundle(t, { args })
    const id = uniqueId('lib')
    const check = cleanup(t, { root, id, bundle: dir })
    await t.rejects(rt.create(id, dir), { message })
    t.same(await check(), [])
  }
})

t.test('a bundle without config.json or with bad config leaves nothing', async (t) => {
  if (!needsRoot(t)) return
  const root = stateRoot(t)
  const rt = new Runtime({ root })
  const empty = tempDir(t)
  await t.rejects(rt.create(uniqueId('lib'), empty), /config\.json: no such file or directory/)
  const dir = bundle(t, { args: ['true'] })
  writeFileSync(join(dir, 'config.json'), '{ not json')
  await t.rejects(rt.create(uniqueId('lib'), dir), /^config\.json: invalid JSON/)
  const bad = bundle(t, { args: ['true'], mutate: (s) => { s.linux.namespaces.push({ type: 'bogus' }) } })
  await t.rejects(rt.create(uniqueId('lib'), bad), /linux\.namespaces\[\d\]\.type/)
  t.same(await rt.list(), [])
  t.same(await cleanup(t, { root, bundles: [dir, bad] })(), [])
})
