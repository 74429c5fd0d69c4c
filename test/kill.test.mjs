// kill of a container whose init has exited (issue #9 item 6): containerd's
// shim sends `kill --all ID 9` to stopped containers, and runc exits 0 there;
// a plain `kill ID 9` is "container not running" for both. Through the CLI
// (tsrun and runc, the reference) and the library.
import t from 'tap'
import {
  bundle, cleanup, containerState, needsRoot, runc, stateRoot, tsrun, uniqueId, waitFor, which,
} from './helpers/env.mjs'

const { Runtime } = await import('../dist/index.js')

const RUNTIMES = which('runc') ? { runc, tsrun } : { tsrun }

t.test('kill --all on a stopped container exits 0, as runc does; kill without --all fails', async (t) => {
  if (!needsRoot(t)) return
  const dir = bundle(t, { args: ['true'] })
  const seen = {}
  for (const [name, runtime] of Object.entries(RUNTIMES)) {
    const root = stateRoot(t)
    const id = uniqueId(`kill-stopped-${name}`)
    const check = cleanup(t, { root, id, bundle: dir, runtime: name })
    const r = await runtime(['--root', root, 'run', '-d', '--bundle', dir, id], { stdio: ['ignore', 'ignore', 'pipe'] })
    t.equal(r.code, 0, `${name} run -d${r.code ? `: ${r.stderr}` : ''}`)
    const stopped = await waitFor(async () => (await containerState(name, root, id))?.status === 'stopped', 10_000)
    t.ok(stopped, `${name}: the container has stopped`)
    const all = await runtime(['--root', root, 'kill', '--all', id, '9'])
    const one = await runtime(['--root', root, 'kill', id, '9'])
    seen[name] = {
      killAll: all.code, killAllStderr: all.stderr,
      kill: one.code, killSaysNotRunning: /container not running/.test(one.stderr),
    }
    const d = await runtime(['--root', root, 'delete', id])
    t.equal(d.code, 0, `${name} delete${d.code ? `: ${d.stderr}` : ''}`)
    t.same(await check(), [], `${name}: nothing left behind`)
  }
  t.same(seen.tsrun, { killAll: 0, killAllStderr: '', kill: 1, killSaysNotRunning: true },
    'tsrun: kill --all exits 0 quietly; kill exits 1, "container not running"')
  if (seen.runc) t.same(seen.tsrun, seen.runc, 'as runc')
})

t.test('Container.kill(9, { all: true }) on a stopped container resolves', async (t) => {
  if (!needsRoot(t)) return
  const root = stateRoot(t)
  const id = uniqueId('kill-stopped-lib')
  const dir = bundle(t, { args: ['true'] })
  const check = cleanup(t, { root, id, bundle: dir })
  const c = await new Runtime({ root }).create(id, dir)
  await c.start()
  await c.wait()
  await t.resolves(c.kill(9, { all: true }), 'kill --all resolves')
  await t.rejects(c.kill(9), /container not running/, 'kill of the init alone rejects')
  await c.delete()
  t.same(await check(), [])
})
