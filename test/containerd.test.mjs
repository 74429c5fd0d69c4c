// containerd (ctr, runc shim v2) on tsrun: issue "Real engines run on tsrun".
// Every scenario runs with runc first (the reference), then with tsrun, both
// behind test/engines/runtime-wrapper (`ctr run --runc-binary WRAPPER`),
// which logs each call (printed when tsrun's half fails). See
// /work/shared/notes/engine-contract.md for how the shim calls a runtime.
//
// A private containerd (own root, state, sockets, no CRI plugin) in a temp
// dir, stopped by pid at the end; a namespace of its own (so the containers'
// cgroups are /NAMESPACE/ID); the runtimes' root (--runc-root) and the IO
// fifos (--fifo-dir) in the temp dir too.
//
// The test image (no registry): the busybox rootfs of make-bundle.mjs in an
// OCI layout made with umoci (init, new, insert, config --config.cmd),
// tarred and `ctr images import`ed.

import t from 'tap'
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { cgroupsMatching, run, which } from './helpers/env.mjs'
import {
  callShape, cgroupHierarchies, engineDir, engineSkipReason, imageRootfs, leftovers, makeWrapper,
  runInTerminal, runtimeNames, scenario, sleep, splitCall, startDaemon, stopDaemon, tarDir, waitFor, cgroupFile, runInARow } from './engines/fixtures/engines.mjs'

t.setTimeout(300_000)

const skip = engineSkipReason(['containerd', 'ctr', 'containerd-shim-runc-v2', 'umoci', 'tar', 'script'])
if (skip) {
  t.comment(`skipping: ${skip}`)
  t.plan(0, skip)
} else {
  await main()
}

async function main() {
  const CTR = which('ctr')
  const STRESS = Math.max(1, Math.round(Number(process.env.TSRUN_ENGINE_STRESS || 50) / 5))
  const env = await engineDir(t, 'containerd')
  const D = env.dir
  // The namespace names the tasks' cgroups: /NS/ID, under our cgroup parent.
  const NS = env.cgroupParent.slice(1)
  const SOCK = join(D, 'containerd.sock')

  const runtimes = {}
  for (const name of runtimeNames(t)) runtimes[name] = makeWrapper(D, name)

  // ---------------------------------------------------------------- containerd

  for (const d of ['root', 'state', 'opt', 'fifo', 'runc-root', 'image']) mkdirSync(join(D, d))
  const toml = (s) => JSON.stringify(s)
  writeFileSync(join(D, 'config.toml'), [
    'version = 2',
    `root = ${toml(join(D, 'root'))}`,
    `state = ${toml(join(D, 'state'))}`,
    'disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.btrfs",',
    '  "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper",',
    '  "io.containerd.snapshotter.v1.aufs", "io.containerd.tracing.processor.v1.otlp",',
    '  "io.containerd.internal.v1.tracing"]',
    '[grpc]',
    `  address = ${toml(SOCK)}`,
    '[ttrpc]',
    `  address = ${toml(`${SOCK}.ttrpc`)}`,
    '[debug]',
    '  address = ""',
    '[metrics]',
    '  address = ""',
    '[plugins."io.containerd.internal.v1.opt"]',
    `  path = ${toml(join(D, 'opt'))}`,
    '',
  ].join('\n'))

  const daemon = startDaemon(which('containerd'), ['--config', join(D, 'config.toml')], { logFile: join(D, 'containerd.log') })
  env.defer(function stopContainerd() { return stopDaemon(daemon) })

  /** ctr in our namespace (ctr forwards SIGTERM to the task: timeouts SIGKILL it). */
  function ctr(args, opts = {}) {
    return run(CTR, ['--address', SOCK, '--namespace', NS, ...args], { timeout: 60_000, ...opts })
  }

  const up = await waitFor(async () => (await ctr(['version'], { timeout: 5000 })).code === 0, 20_000, 200)
  if (!up) {
    t.fail(`containerd did not come up:\n${readFileSync(join(D, 'containerd.log'), 'utf8').slice(-3000)}`)
    return
  }

  env.defer(async function removeContainers() {
    // Every task and container of our namespace, killed and deleted.
    const list = await ctr(['containers', 'list', '--quiet'])
    for (const id of list.stdout.split('\n').filter(Boolean)) {
      await ctr(['task', 'kill', '--signal', 'SIGKILL', id], { timeout: 20_000 })
      await waitFor(async () => !/RUNNING|PAUSED/.test((await ctr(['task', 'list'])).stdout.split('\n').find((l) => l.startsWith(`${id} `)) ?? ''), 5000)
      await ctr(['task', 'delete', '--force', id], { timeout: 20_000 })
      await ctr(['containers', 'delete', id], { timeout: 20_000 })
    }
  })

  // ---------------------------------------------------------------- image

  const IMAGE = 'tsrun-test/busybox:latest'
  {
    const layout = join(D, 'image', 'layout')
    const rootfs = imageRootfs(join(D, 'image'))
    const steps = [
      ['init', '--layout', layout],
      ['new', '--image', `${layout}:latest`],
      ['insert', '--image', `${layout}:latest`, rootfs, '/'],
      ['config', '--image', `${layout}:latest`, '--config.cmd', 'sh',
        '--config.env', 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
    ]
    for (const s of steps) {
      const r = await run(which('umoci'), s)
      if (r.code !== 0) {
        t.fail(`umoci ${s.join(' ')}: ${r.stderr}`)
        return
      }
    }
    const tar = await tarDir(layout, join(D, 'image', 'image.tar'))
    const r = await ctr(['images', 'import', '--base-name', 'tsrun-test/busybox', tar])
    const ls = await ctr(['images', 'list', '--quiet'])
    if (r.code !== 0 || !ls.stdout.split('\n').includes(IMAGE)) {
      t.fail(`ctr images import: ${r.stdout}${r.stderr}; images: ${ls.stdout}`)
      return
    }
  }
  t.comment(`${(await run(which('containerd'), ['--version'])).stdout.trim()}, image ${IMAGE}`)

  // ---------------------------------------------------------------- helpers

  let idCounter = 0
  const newId = (rt, what) => `${what}-${rt.name}-${++idCounter}`
  const rtArgs = (rt) => ['--runc-binary', rt.path, '--runc-root', join(D, 'runc-root', rt.name), '--fifo-dir', join(D, 'fifo')]

  /** The task's line of `ctr task list`: { pid, status } or null. */
  async function task(id) {
    const r = await ctr(['task', 'list'])
    const line = r.stdout.split('\n').find((l) => l.split(/\s+/)[0] === id)
    if (!line) return null
    const [, pid, status] = line.split(/\s+/)
    return { pid: Number(pid), status }
  }

  /** Kills (SIGKILL) and deletes the task and container `id`, whatever their state. */
  async function remove(id) {
    if (await task(id)) {
      await ctr(['task', 'kill', '--signal', 'SIGKILL', id], { timeout: 20_000 })
      await waitFor(async () => (await task(id))?.status === 'STOPPED' || !(await task(id)), 5000)
      await ctr(['task', 'delete', '--force', id], { timeout: 20_000 })
    }
    await ctr(['containers', 'delete', id], { timeout: 20_000 })
  }

  /** Removal at the end of t, and check(): what is left (containers, mounts, state, our namespace's cgroups). */
  function tracked(t, rt) {
    return leftovers(t, {
      dir: D,
      remove: async (ids) => {
        for (const id of ids) await remove(id)
      },
      listNames: async () => (await ctr(['containers', 'list', '--quiet'])).stdout.split('\n'),
      more: (ids) => {
        const left = []
        const stateRoot = join(D, 'runc-root', rt.name, NS)
        if (existsSync(stateRoot)) for (const e of readdirSync(stateRoot)) left.push(`state: ${join(stateRoot, e)}`)
        for (const c of cgroupsMatching(ids.map((id) => `${NS}/${id}`))) left.push(`cgroup: ${c}`)
        for (const h of cgroupHierarchies()) {
          const d = join(h, NS)
          if (existsSync(d)) for (const e of readdirSync(d, { withFileTypes: true })) if (e.isDirectory()) left.push(`cgroup: ${join(d, e.name)}`)
        }
        return left
      },
    })
  }

  const LOOP = 'trap "echo got USR1 >> /data/signals" USR1; trap "exit 3" TERM; while :; do sleep 0.1; done'

  /** A detached task running LOOP, with host dir `dir` at /data: its id. */
  async function startDetached(t, rt, check, dir, extra = []) {
    const id = newId(rt, 'd')
    check.add(id)
    mkdirSync(dir, { recursive: true })
    const r = await ctr(['run', '-d', ...rtArgs(rt), '--mount', `type=bind,src=${dir},dst=/data,options=rbind:rw`,
      ...extra, IMAGE, id, 'sh', '-c', LOOP])
    t.equal(r.code, 0, `ctr run -d${r.code ? `: ${r.stderr}` : ''}`)
    t.ok(await waitFor(async () => (await task(id))?.status === 'RUNNING', 5000), 'the task runs')
    return id
  }

  /** `ctr task exec` (SIGKILLed after `timeout`: a lost exit never comes). */
  function exec(id, execId, args, { timeout = 15_000, detach = false } = {}) {
    return ctr(['task', 'exec', ...(detach ? ['--detach'] : []), '--fifo-dir', join(D, 'fifo'), '--exec-id', execId, id, ...args], { timeout })
  }

  /** The host's cgroup file of a container (v1 controller file, or the unified one). */
  const containerCgroupFile = (id, ctrl, v1file, v2file) => cgroupFile(join(NS, id), ctrl, v1file, v2file)


  // ---------------------------------------------------------------- scenarios

  scenario(t, 'run: output, exit code, missing command', runtimes, async (t, rt) => {
    const check = tracked(t, rt)
    let id = newId(rt, 'out')
    check.add(id)
    let r = await ctr(['run', '--rm', ...rtArgs(rt), IMAGE, id, 'echo', 'hello'])
    t.equal(r.stdout, 'hello\n', 'echo hello: output')
    t.equal(r.code, 0, `echo hello: exit code 0${r.code ? `: ${r.stderr}` : ''}`)
    id = newId(rt, 'exit')
    check.add(id)
    r = await ctr(['run', '--rm', ...rtArgs(rt), IMAGE, id, 'sh', '-c', 'exit 7'])
    t.equal(r.code, 7, `sh -c 'exit 7': exit code 7${r.code !== 7 ? `: ${r.stderr}` : ''}`)
    id = newId(rt, 'missing')
    check.add(id)
    r = await ctr(['run', '--rm', ...rtArgs(rt), IMAGE, id, '/nonexistent'])
    t.not(r.code, 0, 'a missing command: ctr fails')
    t.match(r.stderr, /\/nonexistent.*no such file or directory/, 'with the runtime\'s error (from its JSON log)')
    t.same(await check(), [], 'nothing left behind')
  })

  scenario(t, 'run: env and cwd; a longer-lived command', runtimes, async (t, rt) => {
    const check = tracked(t, rt)
    let id = newId(rt, 'env')
    check.add(id)
    let r = await ctr(['run', '--rm', ...rtArgs(rt), '--env', 'FOO=bar baz', '--cwd', '/tmp', IMAGE, id,
      'sh', '-c', 'echo "$FOO"; pwd; id -u'])
    t.equal(r.stdout, 'bar baz\n/tmp\n0\n', 'the process sees them')
    t.equal(r.code, 0, `exit code 0${r.code ? `: ${r.stderr}` : ''}`)
    // The same with a process that outlives `start` (no race with the runtime).
    id = newId(rt, 'slow')
    check.add(id)
    r = await ctr(['run', '--rm', ...rtArgs(rt), IMAGE, id, 'sh', '-c', 'sleep 0.5; echo done; exit 6'])
    t.equal(r.stdout, 'done\n', 'sleep 0.5 then echo: output')
    t.equal(r.code, 6, `exit code 6${r.code !== 6 ? `: ${r.stderr}` : ''}`)
    t.same(await check(), [], 'nothing left behind')
  })

  scenario(t, 'terminal: run -t', runtimes, async (t, rt) => {
    const check = tracked(t, rt)
    const id = newId(rt, 'tty')
    check.add(id)
    const r = await runInTerminal(CTR, ['--address', SOCK, '--namespace', NS, 'run', '--rm', '-t', ...rtArgs(rt), IMAGE, id,
      'sh', '-c', 'sleep 0.2; tty; [ -t 0 ] && echo stdin-is-a-tty'], { timeout: 30_000 })
    t.match(r.stdout, /\/dev\/pts\/\d+\r*\n/, 'the process has a terminal')
    t.match(r.stdout, /stdin-is-a-tty/, 'stdin is the terminal')
    t.equal(r.code, 0, `exit code 0${r.code ? `: ${r.stdout}${r.stderr}` : ''}`)
    t.same(await check(), [], 'nothing left behind')
  })

  scenario(t, 'detached: run -d, task exec, task ps, kill -s USR1, kill', runtimes, async (t, rt) => {
    const check = tracked(t, rt)
    const dir = join(D, `signals-${rt.name}-${++idCounter}`)
    const id = await startDetached(t, rt, check, dir)
    let r = await exec(id, 'e1', ['sh', '-c', 'echo exec-out; exit 4'])
    t.equal(r.stdout, 'exec-out\n', 'task exec: output')
    t.equal(r.code, 4, `task exec: exit code 4${r.code !== 4 ? ` (${r.timedOut ? 'ctr killed after 15 s: the exit never came' : r.stderr})` : ''}`)
    // Short execs exit at once, maybe before the runtime does: the shim (a
    // subreaper) must still get each exit status.
    const codes = []
    for (let i = 0; i < 10; i++) {
      r = await exec(id, `short${i}`, ['sh', '-c', 'exit 5'], { timeout: 10_000 })
      codes.push(r.timedOut ? 'no exit (ctr killed after 10 s)' : r.code)
      if (r.timedOut) break
    }
    t.same(codes, Array(10).fill(5), 'ten short execs: exit code 5 each time')
    r = await exec(id, 'bg', ['sleep', '30'], { detach: true })
    t.equal(r.code, 0, `task exec --detach: exit code 0${r.code ? `: ${r.stderr}` : ''}`)
    const init = (await task(id))?.pid
    r = await ctr(['task', 'ps', id])
    const pids = r.stdout.split('\n').slice(1).map((l) => Number(l.split(/\s+/)[0])).filter(Boolean)
    t.equal(r.code, 0, `task ps: exit code 0${r.code ? `: ${r.stderr}` : ''}`)
    t.ok(init && pids.includes(init), `task ps lists the init (${init}): ${pids.join(' ')}`)
    t.ok(pids.length >= 3, 'and the processes of the exec and the loop')
    r = await ctr(['task', 'kill', '--signal', 'SIGUSR1', id])
    t.equal(r.code, 0, `task kill -s SIGUSR1: exit code 0${r.code ? `: ${r.stderr}` : ''}`)
    t.ok(await waitFor(() => /got USR1/.test(readFileSync(join(dir, 'signals'), { encoding: 'utf8', flag: 'a+' })), 5000),
      'the process got SIGUSR1 (its trap wrote to the bind mount)')
    t.equal((await task(id))?.status, 'RUNNING', 'and runs on')
    r = await ctr(['task', 'kill', id])
    t.equal(r.code, 0, `task kill (SIGTERM): exit code 0${r.code ? `: ${r.stderr}` : ''}`)
    t.ok(await waitFor(async () => (await task(id))?.status === 'STOPPED', 10_000), 'stopped')
    r = await ctr(['task', 'delete', id])
    t.match(r.stderr, /exit code 3/, 'exit status 3 (its TERM trap)')
    t.same(await check(), [], 'nothing left behind')
  })

  scenario(t, 'pause and resume', runtimes, async (t, rt) => {
    const check = tracked(t, rt)
    const id = await startDetached(t, rt, check, join(D, `pause-${rt.name}-${++idCounter}`))
    let r = await ctr(['task', 'pause', id])
    t.equal(r.code, 0, `task pause: exit code 0${r.code ? `: ${r.stderr}` : ''}`)
    t.equal((await task(id))?.status, 'PAUSED', 'paused')
    const freezer = containerCgroupFile(id, 'freezer', 'freezer.state', 'cgroup.freeze')
    if (freezer) t.match(readFileSync(freezer, 'utf8').trim(), /^(FROZEN|1)$/, `${freezer}: frozen`)
    else t.fail('the task\'s freezer cgroup file was not found')
    r = await ctr(['task', 'resume', id])
    t.equal(r.code, 0, `task resume: exit code 0${r.code ? `: ${r.stderr}` : ''}`)
    t.equal((await task(id))?.status, 'RUNNING', 'running again')
    if (freezer) t.match(readFileSync(freezer, 'utf8').trim(), /^(THAWED|0)$/, 'thawed')
    t.same(await check(), [], 'nothing left behind')
  })

  scenario(t, 'metrics; --memory-limit', runtimes, async (t, rt) => {
    const check = tracked(t, rt)
    const limit = 64 * 1024 * 1024
    const id = await startDetached(t, rt, check, join(D, `metrics-${rt.name}-${++idCounter}`), ['--memory-limit', String(limit)])
    const file = containerCgroupFile(id, 'memory', 'memory.limit_in_bytes', 'memory.max')
    t.equal(file && readFileSync(file, 'utf8').trim(), String(limit), 'the host sees the memory limit')
    const r = await ctr(['task', 'metrics', id])
    t.equal(r.code, 0, `task metrics: exit code 0${r.code ? `: ${r.stderr}` : ''}`)
    t.match(r.stdout, new RegExp(`memory\\.limit(_in_bytes)?\\s+${limit}\\b`), 'metrics: the memory limit')
    t.match(r.stdout, /pids\.current\s+[1-9]/, 'metrics: the pids')
    t.same(await check(), [], 'nothing left behind')
  })

  // The calls of one task's life, as shapes (see callShape), per runtime.
  const shapes = {}
  const CONTRACT = [
    ['create', /^--root V --log V --log-format V create --bundle V --pid-file V ID$/],
    ['start', /^--root V --log V --log-format V start ID$/],
    ['exec', /^--root V --log V --log-format V exec --process V --detach --pid-file V ID$/],
    ['ps', /^--root V --log V --log-format V ps --format V ID$/],
    ['kill (USR1 = 10)', /^--root V --log V --log-format V kill ID 10$/],
    ['kill (TERM = 15)', /^--root V --log V --log-format V kill ID 15$/],
    ['pause', /^--root V --log V --log-format V pause ID$/],
    ['resume', /^--root V --log V --log-format V resume ID$/],
    ['delete', /^--root V --log V --log-format V delete ID$/],
    ['delete --force', /^--root V --log V --log-format V delete --force ID$/],
  ]

  scenario(t, 'the calls the shim makes (engine-contract.md)', runtimes, async (t, rt) => {
    const check = tracked(t, rt)
    const mark = rt.mark()
    const id = await startDetached(t, rt, check, join(D, `contract-${rt.name}-${++idCounter}`))
    // An exec that outlives the runtime's exec command.
    let r = await exec(id, 'e1', ['sh', '-c', 'sleep 1'])
    t.equal(r.code, 0, `task exec${r.code ? `: ${r.stderr}` : ''}`)
    for (const args of [['ps', id], ['kill', '--signal', 'SIGUSR1', id], ['pause', id], ['resume', id], ['kill', id]]) {
      r = await ctr(['task', ...args], { timeout: 20_000 })
      t.equal(r.code, 0, `ctr task ${args.join(' ')}${r.code ? `: ${r.stderr}` : ''}`)
    }
    await waitFor(async () => (await task(id))?.status === 'STOPPED', 10_000)
    r = await ctr(['task', 'delete', id])
    t.ok(!/error/i.test(r.stderr), `task delete${r.stderr ? `: ${r.stderr.trim()}` : ''}`)
    await ctr(['containers', 'delete', id])
    await sleep(200)
    const seen = [...new Set(rt.callsSince(mark).map((c) => callShape(c.argv, [id])))]
    shapes[rt.name] = seen
    t.comment(`${rt.name}: ${seen.join(' | ')}`)
    for (const [what, re] of CONTRACT) t.ok(seen.some((s) => re.test(s)), `${what}: ${re}`)
    if (rt.name !== 'runc' && shapes.runc) t.same([...seen].sort(), [...shapes.runc].sort(), 'the same calls as runc got')
    // The global options every call starts with.
    const calls = rt.callsSince(mark)
    t.ok(calls.every((c) => splitCall(c.argv).globals[0] === '--root'), 'every call starts with --root')
    t.same(await check(), [], 'nothing left behind')
  })

  // A task without a pid namespace of its own: once its init exits, the
  // shim sends `kill --all ID 9` to the stopped container for whatever is
  // left (runc exits 0 there); a failure shows as "failed to kill init's
  // children" in containerd's log.
  scenario(t, 'a task in the host\'s pid namespace: kill --all after it exits', runtimes, async (t, rt) => {
    const check = tracked(t, rt)
    const id = newId(rt, 'hostpid')
    check.add(id)
    const mark = rt.mark()
    const logFile = join(D, 'containerd.log')
    const logStart = readFileSync(logFile, 'utf8').length
    const r = await ctr(['run', '--rm', ...rtArgs(rt), '--with-ns', `pid:/proc/${process.pid}/ns/pid`, IMAGE, id, 'echo', 'hi'])
    t.equal(r.stdout, 'hi\n', 'output')
    t.equal(r.code, 0, `exit code 0${r.code ? `: ${r.stderr}` : ''}`)
    const shapesSeen = rt.callsSince(mark).map((c) => callShape(c.argv, [id]))
    t.ok(shapesSeen.some((s) => /kill --all ID 9$/.test(s)), 'the shim sent kill --all ID 9')
    const log = readFileSync(logFile, 'utf8').slice(logStart)
    t.notMatch(log, /failed to kill init's children/, 'which the runtime did (no error in containerd\'s log)')
    t.same(await check(), [], 'nothing left behind')
  })

  scenario(t, `${STRESS} containers in a row leave nothing behind`, runtimes, async (t, rt) => {
    const check = tracked(t, rt)
    const failures = await runInARow(STRESS, () => {
      const id = newId(rt, 's')
      check.add(id)
      return ctr(['run', '--rm', ...rtArgs(rt), IMAGE, id, 'true'])
    })
    t.same(failures, [], `${STRESS} runs exit 0`)
    const cs = await ctr(['containers', 'list', '--quiet'])
    t.equal(cs.stdout.trim(), '', 'containerd knows no container')
    t.same(await check(), [], 'no containers, mounts, state or cgroups left')
  })
}
