// SCMP_ACT_NOTIFY: the notify fd and the container's state reach the agent at
// linux.seccomp.listenerPath, as the runtime spec says.
import t from 'tap'
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { REPO, bundle, cleanup, needsCommand, needsRoot, runc, stateRoot, tempDir, tsrun, uniqueId } from './helpers/env.mjs'

t.test('the agent gets the notify fd and the state; unanswered calls fail', async (t) => {
  if (!needsRoot(t) || !needsCommand(t, 'python3')) return
  const root = stateRoot(t)
  const dir = tempDir(t)
  const sock = join(dir, 'agent.sock')
  const out = join(dir, 'agent.json')
  const agent = spawn('python3', [join(REPO, 'test/fixtures/seccomp/notify_agent.py'), sock, out], { stdio: ['ignore', 'pipe', 'inherit'] })
  t.teardown(() => agent.kill())
  await new Promise((resolve) => agent.stdout.once('data', resolve))
  const b = bundle(t, {
    args: ['sh', '-c', 'mkdir /tmp/x 2>&1; echo done'],
    mutate: (s) => {
      s.mounts.push({ destination: '/tmp', type: 'tmpfs', source: 'tmpfs' })
      s.linux.seccomp = {
        defaultAction: 'SCMP_ACT_ALLOW',
        listenerPath: sock,
        listenerMetadata: 'hello-agent',
        syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_NOTIFY' }],
      }
    },
  })
  const id = uniqueId('notify')
  const check = cleanup(t, { root, id, bundle: b })
  const r = await tsrun(['--root', root, 'run', '--bundle', b, id])
  t.equal(r.code, 0, r.stderr)
  t.match(r.stdout, /Function not implemented/, 'with the agent gone, the notified mkdir fails with ENOSYS')
  if (agent.exitCode === null) await new Promise((resolve) => agent.once('exit', resolve))
  const got = JSON.parse(readFileSync(out, 'utf8'))
  t.equal(got.fds, 1, 'one fd: the seccomp notify fd')
  t.same(got.state.fds, ['seccompFd'])
  t.equal(got.state.metadata, 'hello-agent')
  t.equal(got.state.state.id, id)
  t.equal(got.state.state.status, 'creating')
  t.ok(got.state.pid > 0)
  t.same(await check(), [])
})

// An exec'd process with a notify filter gets its own agent message: the
// outer pid is the new process, the state the running container's, and the
// metadata the container's listenerMetadata, as with runc.
t.test('exec: the agent gets listenerMetadata and the running state, as with runc', async (t) => {
  if (!needsRoot(t) || !needsCommand(t, 'python3', 'runc')) return
  const got = {}
  for (const rt of ['tsrun', 'runc']) {
    await t.test(rt, async (t) => {
      const root = stateRoot(t)
      const dir = tempDir(t)
      const sock = join(dir, 'agent.sock')
      const out = join(dir, 'agent.json')
      const agent = spawn('python3', [join(REPO, 'test/fixtures/seccomp/notify_agent.py'), sock, out, '2'], { stdio: ['ignore', 'pipe', 'inherit'] })
      t.teardown(() => agent.kill())
      await new Promise((resolve) => agent.stdout.once('data', resolve))
      const b = bundle(t, {
        args: ['sleep', '60'],
        mutate: (s) => {
          s.linux.seccomp = {
            defaultAction: 'SCMP_ACT_ALLOW',
            listenerPath: sock,
            listenerMetadata: 'hello-agent',
            syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_NOTIFY' }],
          }
        },
      })
      const id = uniqueId(`notify-exec-${rt}`)
      const check = cleanup(t, { root, id, bundle: b, runtime: rt })
      const run = rt === 'tsrun' ? tsrun : runc
      const r = await run(['--root', root, 'run', '-d', '--bundle', b, id], { stdio: ['ignore', 'ignore', 'pipe'] })
      t.equal(r.code, 0, r.stderr)
      const e = await run(['--root', root, 'exec', '--pid-file', join(dir, 'exec.pid'), id, 'true'])
      t.equal(e.code, 0, e.stderr)
      const initPid = JSON.parse((await run(['--root', root, 'state', id])).stdout).pid
      if (agent.exitCode === null) await new Promise((resolve) => agent.once('exit', resolve))
      const [, exec] = JSON.parse(readFileSync(out, 'utf8'))
      t.equal(exec.fds, 1, 'one fd: the seccomp notify fd')
      t.equal(exec.state.metadata, 'hello-agent', 'listenerMetadata')
      t.equal(exec.state.pid, Number(readFileSync(join(dir, 'exec.pid'), 'utf8')), 'pid: the exec\'d process')
      t.equal(exec.state.state.pid, initPid, 'state.pid: the container\'s init')
      got[rt] = { metadata: exec.state.metadata, fds: exec.state.fds, status: exec.state.state.status, keys: Object.keys(exec.state).sort() }
      await run(['--root', root, 'delete', '--force', id])
      t.same(await check(), [])
    })
  }
  t.same(got.tsrun, got.runc, 'the same message as runc sends')
})
