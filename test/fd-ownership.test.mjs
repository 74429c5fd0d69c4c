// Every fd a create or an exec opens in the runtime's process (namespace
// files, cgroup directories, console and listener sockets, id-mapped trees,
// the state directory) is closed again, whether the operation succeeds or
// fails at whichever stage: the Node process's fd count stays the same.
import t from 'tap'
import { readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { bundle, cleanup, needsRoot, stateRoot, tempDir, uniqueId } from './helpers/env.mjs'

const { Runtime } = await import('../dist/index.js')

const openFds = () => readdirSync('/proc/self/fd').length
const proc = (args, more = {}) => ({ args, cwd: '/', env: ['PATH=/usr/bin:/bin'], ...more })
const ROUNDS = 2

/** Ways for a create to fail: in planning, in the runtime, in the init. */
function failingCreates(dir) {
  const notANamespace = join(dir, 'not-a-namespace')
  writeFileSync(notANamespace, '')
  return {
    'no program (planning)': (s) => { s.process.args = [] },
    'a namespace path that is a plain file (setns)': (s) => {
      s.linux.namespaces = s.linux.namespaces.map((n) => (n.type === 'network' ? { ...n, path: notANamespace } : n))
    },
    'a missing program (exec lookup)': (s) => { s.process.args = ['/no/such/program'] },
    'a bind mount of a missing source (a step)': (s) => {
      s.mounts.push({ destination: '/mnt', type: 'bind', source: join(dir, 'missing'), options: ['bind'] })
    },
    'a failing createContainer hook (the init)': (s) => { s.hooks = { createContainer: [{ path: '/bin/false' }] } },
    'a failing prestart hook (the runtime)': (s) => { s.hooks = { prestart: [{ path: '/bin/false' }] } },
    'a console socket that does not exist': (s) => { s.process.terminal = true },
    'no program, with a console kept here (planning)': [(s) => { s.process.terminal = true; s.process.args = [] }, { openConsole: true }],
    'a missing program, with a console kept here': [(s) => { s.process.terminal = true; s.process.args = ['/no/such/program'] }, { openConsole: true }],
    'a seccomp listener that does not exist': (s) => {
      s.linux.seccomp = {
        defaultAction: 'SCMP_ACT_ALLOW', listenerPath: join(dir, 'no-listener'),
        syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_NOTIFY' }],
      }
    },
    'an id-mapped mount in a container without a user namespace': (s) => {
      s.mounts.push({
        destination: '/mnt', type: 'bind', source: dir, options: ['rbind'],
        uidMappings: [{ containerID: 0, hostID: 100000, size: 1000 }],
        gidMappings: [{ containerID: 0, hostID: 100000, size: 1000 }],
      })
      // Accepted or refused, the tree opened for it is closed.
      s.process.args = ['/no/such/program']
    },
  }
}

t.test('create and exec close every fd they open, on every path', async (t) => {
  if (!needsRoot(t)) return
  const root = stateRoot(t)
  const rt = new Runtime({ root })
  const ok = bundle(t, { args: ['sleep', '1000'] })
  const okId = uniqueId('fds')
  const check = cleanup(t, { root, id: okId, bundle: ok })
  // The first container warms up what the runtime keeps for good (the init
  // executable, the reactor): later ones may open nothing more.
  const running = await rt.create(okId, ok)
  await running.start()
  await (await running.exec(proc(['true']))).wait()
  const before = openFds()

  const scratch = tempDir(t)
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, how] of Object.entries(failingCreates(scratch))) {
      const [mutate, options = { consoleSocket: join(scratch, 'no-console') }] = Array.isArray(how) ? how : [how]
      const dir = bundle(t, { args: ['true'], mutate })
      const id = uniqueId('fds')
      check.add(id)
      await t.rejects(rt.create(id, dir, options), `create fails: ${name}`)
    }
    const id = uniqueId('fds')
    check.add(id)
    const c = await rt.create(id, ok)
    await c.delete({ force: true })

    await t.rejects(running.exec(proc(['/no/such/program'])), 'exec of a missing program fails')
    await t.rejects(running.exec(proc(['true'], { cwd: '/no/such/dir' })), 'exec into a missing cwd fails')
    await t.rejects(running.exec(proc(['true'], { terminal: true }), { consoleSocket: join(scratch, 'no-console') }),
      'exec with a console socket that does not exist fails')
    await t.rejects(running.exec(proc([], { terminal: true }), { openConsole: true }),
      'exec of no program, with a console kept here, fails')
    await t.rejects(running.exec(proc(['/no/such/program'], { terminal: true }), { openConsole: true }),
      'exec of a missing program, with a console kept here, fails')
    const p = await running.exec(proc(['true']))
    t.same(await p.wait(), { status: 0, code: 0, signal: null }, 'an exec runs')
  }
  t.equal(openFds(), before, 'the fd count is what it was')
  await running.delete({ force: true })
  t.same(await check(), [])
})
