// The runc-compatible command line (bin/tsrun): the contract of issue "A real
// Linux OCI runtime", checked against runc on the same bundles wherever the
// behaviour is observable. Each scenario runs under tsrun and (when
// installed) under runc, each with its own state root; tsrun's observations
// are asserted on their own, then compared with runc's.

import t from 'tap'
import {
  closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmdirSync, rmSync, statSync, writeFileSync,
} from 'node:fs'
import { join } from 'node:path'
import { runcDefaultSpec } from '../scripts/make-bundle.mjs'
import {
  bundle, cleanup, leftovers, mountsUnder, needsRoot, readSpec, runc, spawnCommand, spawnTsrun,
  stateRoot, tempDir, tsrun, uniqueId, which, sleep, waitFor } from './helpers/env.mjs'

const RUNC = which('runc')
// Some 200 runtime commands: more than tap's default 30 s when the file is
// run directly (`node test/cli.test.mjs`); the same as package.json's tap.timeout.
t.setTimeout(180_000)
const STATE_KEYS = ['ociVersion', 'id', 'pid', 'status', 'bundle', 'rootfs', 'created', 'owner']
const NOT_FOUND = 'container does not exist'

// ---------------------------------------------------------------- helpers

/** The runtimes to run a scenario with: tsrun, then runc when installed. */
function runtimes(t) {
  if (RUNC) return ['tsrun', 'runc']
  t.comment('runc is not installed: skipping the runc half of the comparison')
  return ['tsrun']
}

function exec(rt, args, opts) {
  return rt === 'tsrun' ? tsrun(args, opts) : runc(args, opts)
}

function spawnRt(rt, args, opts) {
  return rt === 'tsrun' ? spawnTsrun(args, opts) : spawnCommand(RUNC, args, opts)
}

/**
 * Runs a command whose stdout/stderr go to files (not pipes): for create and
 * run -d, whose container keeps the descriptors it was given open.
 */
async function execFiles(t, rt, args, opts = {}) {
  const dir = tempDir(t, 'tsrun-io-')
  const outFd = openSync(join(dir, 'stdout'), 'w')
  const errFd = openSync(join(dir, 'stderr'), 'w')
  let r
  try {
    r = await exec(rt, args, { ...opts, stdio: ['ignore', outFd, errFd] })
  } finally {
    closeSync(outFd)
    closeSync(errFd)
  }
  const files = { stdout: join(dir, 'stdout'), stderr: join(dir, 'stderr') }
  return { ...r, stdout: readFileSync(files.stdout, 'utf8'), stderr: readFileSync(files.stderr, 'utf8'), files }
}


/** Parsed `state` JSON, or null when the command fails. */
async function state(rt, root, id) {
  const r = await exec(rt, ['--root', root, 'state', id])
  if (r.code !== 0) return null
  return JSON.parse(r.stdout)
}

async function waitStatus(rt, root, id, status, timeout = 10_000) {
  return waitFor(async () => {
    const s = await state(rt, root, id)
    return s && s.status === status ? s : null
  }, timeout)
}

/** Resolves with all stdout so far once it contains `text` (or after timeout ms). */
function waitOutput(child, text, timeout = 10_000) {
  return new Promise((resolve) => {
    let buf = ''
    const timer = setTimeout(() => resolve(buf), timeout)
    const on = (d) => {
      buf += d
      if (buf.includes(text)) {
        clearTimeout(timer)
        child.stdout.off('data', on)
        resolve(buf)
      }
    }
    child.stdout.on('data', on)
  })
}

const LOG_LINE = /^time="[^"]+" level=error msg="((?:[^"\\]|\\.)*)"$/

/**
 * The error message of a failed command: its stderr must be one logrus text
 * line (as runc writes it when stderr is not a terminal); returns its msg,
 * or the raw stderr when it does not have that shape (so a comparison fails
 * visibly).
 */
function errorMessage(stderr) {
  const lines = stderr.trim().split('\n')
  if (lines.length !== 1) return `NOT ONE LINE: ${stderr}`
  const m = LOG_LINE.exec(lines[0])
  if (!m) return `NOT A LOG LINE: ${stderr}`
  try { return JSON.parse(`"${m[1]}"`) } catch { return m[1] }
}

/** A message with the runtime's name and runc's extra wrapping taken out, for comparisons. */
function shape(msg, rt) {
  return msg
    .replace(new RegExp(`^${rt} (\\w+) failed: `), 'RUNTIME $1 failed: ')
    .replace('unable to start container process: ', '')
}

/** Live processes (not ourselves) whose command line mentions one of strs. */
function processesWith(...strs) {
  const found = []
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p) || Number(p) === process.pid) continue
    try {
      const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8')
      if (strs.some((s) => cmd.includes(s))) found.push(`process ${p}: ${cmd.replace(/\0/g, ' ').trim()}`)
    } catch {}
  }
  return found
}

function procState(pid) {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return s.slice(s.lastIndexOf(')') + 2).split(' ')[0]
  } catch {
    return null
  }
}

/** The number in a pid file, 0 when there is none. */
function readPid(file) {
  try { return Number(readFileSync(file, 'utf8')) } catch { return 0 }
}

const alive = (pid) => { const s = procState(pid); return s !== null && s !== 'Z' && s !== 'X' }
const cmdline = (pid) => { try { return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean) } catch { return null } }
const listRoot = (root) => (existsSync(root) ? readdirSync(root) : [])

/** A bind mount of host dir `out` on the container's /tmp (the rootfs stays read-only and shared). */
const bindTmp = (out) => (s) => { s.mounts.push({ destination: '/tmp', type: 'bind', source: out, options: ['rbind', 'rw'] }) }

// ---------------------------------------------------------------- lifecycle

t.test('create blocks the init before exec; start, state, kill (SIGTERM), delete', async (t) => {
  if (!needsRoot(t)) return
  const out = tempDir(t, 'tsrun-out-')
  // `ls /proc/1/fd` (the shell's fds) goes to the container's stdout, i.e.
  // create's (a file here). Neither `ls /proc/1/fd > F` (busybox sh keeps the
  // redirected fd's copy as fd 10 meanwhile) nor `ls /proc/1/fd | cat > F`
  // (the shell may still hold the pipe when ls looks) would show only the
  // descriptors the runtime gave.
  const program = 'trap "echo TERM > /tmp/signal; exit 0" TERM; ls /proc/1/fd; '
    + 'echo started > /tmp/started; while :; do sleep 0.1; done'
  const args = ['sh', '-c', program]
  const dir = bundle(t, { args, mutate: bindTmp(out) })
  const spec = readSpec(dir)
  const obs = {}
  for (const rt of runtimes(t)) {
    for (const f of readdirSync(out)) rmSync(join(out, f))
    const root = stateRoot(t)
    const id = uniqueId(`cli-life-${rt}`)
    const check = cleanup(t, { root, id, bundle: dir, runtime: rt })
    const pidFile = join(tempDir(t), 'pid')
    const o = (obs[rt] = {})

    const c = await execFiles(t, rt, ['--root', root, 'create', '--bundle', dir, '--pid-file', pidFile, id])
    o.create = { code: c.code, stdout: c.stdout, stderr: c.stderr }
    const pid = readPid(pidFile)
    if (pid) check.addPid(pid)
    o.pidFileIsNumber = Number.isInteger(pid) && pid > 0
    o.initAliveWhenCreated = alive(pid)
    o.initIsUserProgramWhenCreated = JSON.stringify(cmdline(pid)) === JSON.stringify(args)
    await sleep(300)
    o.programRanBeforeStart = existsSync(join(out, 'started'))
    const created = await state(rt, root, id)
    o.created = created && {
      keys: Object.keys(created),
      status: created.status,
      pidIsPidFile: created.pid === pid,
      id: created.id === id,
      bundle: created.bundle === dir,
      rootfs: created.rootfs === spec.root.path,
      ociVersion: created.ociVersion === spec.ociVersion,
      createdIsRecent: Math.abs(Date.parse(created.created) - Date.now()) < 120_000,
      owner: created.owner,
    }

    const s = await exec(rt, ['--root', root, 'start', id])
    o.start = { code: s.code, stdout: s.stdout, stderr: s.stderr }
    o.programRanAfterStart = Boolean(await waitFor(() => existsSync(join(out, 'started'))))
    o.initIsUserProgramWhenRunning = JSON.stringify(cmdline(pid)) === JSON.stringify(args)
    o.fdsInside = readFileSync(c.files.stdout, 'utf8').split(/\s+/).filter(Boolean)
    const running = await state(rt, root, id)
    o.running = running && { keys: Object.keys(running), status: running.status, pidIsPidFile: running.pid === pid }

    const d = await exec(rt, ['--root', root, 'delete', id])
    o.deleteRunning = { code: d.code, message: shape(errorMessage(d.stderr), rt).replace(id, 'ID') }
    o.stillRunningAfterFailedDelete = (await state(rt, root, id))?.status

    const k = await exec(rt, ['--root', root, 'kill', id])
    o.kill = { code: k.code, stderr: k.stderr }
    const stopped = await waitStatus(rt, root, id, 'stopped')
    o.stopped = stopped && { keys: Object.keys(stopped), status: stopped.status, pid: stopped.pid }
    o.signalSeen = existsSync(join(out, 'signal')) ? readFileSync(join(out, 'signal'), 'utf8') : null
    o.initGone = Boolean(await waitFor(() => !alive(pid), 5000))

    const d2 = await exec(rt, ['--root', root, 'delete', id])
    o.delete = { code: d2.code, stdout: d2.stdout, stderr: d2.stderr }
    const st = await exec(rt, ['--root', root, 'state', id])
    o.stateAfterDelete = { code: st.code, message: errorMessage(st.stderr) }
    o.rootAfterDelete = listRoot(root)
    t.same(await check(), [], `${rt}: nothing left behind`)
  }

  const o = obs.tsrun
  t.same(o.create, { code: 0, stdout: '', stderr: '' }, 'create exits 0 quietly')
  t.ok(o.pidFileIsNumber, '--pid-file holds a pid')
  t.ok(o.initAliveWhenCreated, 'the pid in the pid file is a live process')
  t.notOk(o.initIsUserProgramWhenCreated, 'before start that process is not yet the user\'s program')
  t.notOk(o.programRanBeforeStart, 'the user\'s program has not run before start')
  t.same(o.created, {
    keys: STATE_KEYS, status: 'created', pidIsPidFile: true, id: true, bundle: true, rootfs: true,
    ociVersion: true, createdIsRecent: true, owner: '',
  }, 'state of a created container')
  t.same(o.start, { code: 0, stdout: '', stderr: '' }, 'start exits 0 quietly')
  t.ok(o.programRanAfterStart, 'start runs the program')
  t.ok(o.initIsUserProgramWhenRunning, 'the pid of the pid file is now the user\'s program')
  t.same(o.fdsInside, ['0', '1', '2'], 'no runtime descriptor leaks into the container (create + start)')
  t.same(o.running, { keys: STATE_KEYS, status: 'running', pidIsPidFile: true }, 'state of a running container')
  t.same(o.deleteRunning, {
    code: 1, message: 'cannot delete container ID that is not stopped: running',
  }, 'delete without --force refuses a running container with runc\'s message')
  t.equal(o.stillRunningAfterFailedDelete, 'running', 'the refused delete left it running')
  t.same(o.kill, { code: 0, stderr: '' }, 'kill with the default signal exits 0')
  t.same(o.stopped, { keys: STATE_KEYS, status: 'stopped', pid: 0 }, 'stopped, pid 0')
  t.equal(o.signalSeen, 'TERM\n', 'the default signal of kill is SIGTERM')
  t.ok(o.initGone, 'the init is gone')
  t.same(o.delete, { code: 0, stdout: '', stderr: '' }, 'delete of a stopped container')
  t.same(o.stateAfterDelete, { code: 1, message: NOT_FOUND }, 'state after delete: container does not exist')
  t.same(o.rootAfterDelete, [], 'the state root is empty')
  if (obs.runc) t.same(obs.tsrun, obs.runc, 'the same observations as with runc')
})

t.test('state, start, kill, delete of an unknown id', async (t) => {
  if (!needsRoot(t)) return
  const obs = {}
  for (const rt of runtimes(t)) {
    const root = stateRoot(t)
    const id = uniqueId(`cli-unknown-${rt}`)
    const check = cleanup(t, { root, id, runtime: rt })
    const o = (obs[rt] = {})
    for (const cmd of [['state', id], ['start', id], ['kill', id], ['kill', id, 'KILL'], ['delete', id]]) {
      const r = await exec(rt, ['--root', root, ...cmd])
      o[cmd.join(' ').replace(id, 'ID')] = { code: r.code, stdout: r.stdout, message: errorMessage(r.stderr) }
    }
    const f = await exec(rt, ['--root', root, 'delete', '--force', id])
    o['delete --force ID'] = { code: f.code, stdout: f.stdout, stderr: f.stderr }
    t.same(listRoot(root), [], `${rt}: nothing created in the state root`)
    t.same(await check(), [], `${rt}: nothing left behind`)
  }
  const notFound = { code: 1, stdout: '', message: NOT_FOUND }
  t.same(obs.tsrun, {
    'state ID': notFound,
    'start ID': notFound,
    'kill ID': notFound,
    'kill ID KILL': notFound,
    'delete ID': notFound,
    'delete --force ID': { code: 0, stdout: '', stderr: '' },
  }, 'exit 1 with "container does not exist"; delete --force exits 0 quietly')
  if (obs.runc) t.same(obs.tsrun, obs.runc, 'the same as runc')
})

t.test('kill accepts KILL, SIGKILL and 9; kill --all signals every process', async (t) => {
  if (!needsRoot(t)) return
  const sleeper = bundle(t, { args: ['sleep', '100'] })
  // PID 1 of a pid namespace ignores SIGTERM without a handler: only --all
  // (which also reaches the sleeps) makes this one stop.
  const family = bundle(t, { args: ['sh', '-c', 'sleep 100 & sleep 100 & wait'] })
  const obs = {}
  for (const rt of runtimes(t)) {
    const root = stateRoot(t)
    const o = (obs[rt] = {})
    for (const sig of ['KILL', 'SIGKILL', '9']) {
      const id = uniqueId(`cli-kill-${rt}`)
      const check = cleanup(t, { root, id, bundle: sleeper, runtime: rt })
      const r = await execFiles(t, rt, ['--root', root, 'run', '-d', '--bundle', sleeper, id])
      const pid = (await state(rt, root, id))?.pid
      if (pid) check.addPid(pid)
      const k = await exec(rt, ['--root', root, 'kill', id, sig])
      const stopped = await waitStatus(rt, root, id, 'stopped')
      const d = await exec(rt, ['--root', root, 'delete', id])
      o[sig] = { run: r.code, kill: k.code, killStderr: k.stderr, stopped: stopped?.status, pid: stopped?.pid, delete: d.code }
      t.same(await check(), [], `${rt} kill ${sig}: nothing left behind`)
    }
    const id = uniqueId(`cli-killall-${rt}`)
    const check = cleanup(t, { root, id, bundle: family, runtime: rt })
    const r = await execFiles(t, rt, ['--root', root, 'run', '-d', '--bundle', family, id])
    const pid = (await state(rt, root, id))?.pid
    if (pid) check.addPid(pid)
    const k1 = await exec(rt, ['--root', root, 'kill', id, 'TERM'])
    await sleep(500)
    const afterInitOnly = (await state(rt, root, id))?.status
    const k2 = await exec(rt, ['--root', root, 'kill', '--all', id, 'TERM'])
    const stopped = await waitStatus(rt, root, id, 'stopped')
    const d = await exec(rt, ['--root', root, 'delete', id])
    o.all = { run: r.code, kill: k1.code, afterInitOnly, killAll: k2.code, killAllStderr: k2.stderr, stopped: stopped?.status, delete: d.code }
    t.same(listRoot(root), [], `${rt}: the state root is empty`)
    t.same(await check(), [], `${rt} kill --all: nothing left behind`)
  }
  const killed = { run: 0, kill: 0, killStderr: '', stopped: 'stopped', pid: 0, delete: 0 }
  t.same(obs.tsrun.KILL, killed, 'kill ID KILL')
  t.same(obs.tsrun.SIGKILL, killed, 'kill ID SIGKILL')
  t.same(obs.tsrun['9'], killed, 'kill ID 9')
  t.same(obs.tsrun.all, {
    run: 0, kill: 0, afterInitOnly: 'running', killAll: 0, killAllStderr: '', stopped: 'stopped', delete: 0,
  }, 'SIGTERM to the init alone does not stop it; kill --all does')
  if (obs.runc) t.same(obs.tsrun, obs.runc, 'the same as runc')
})

// ---------------------------------------------------------------- run

t.test('run in the foreground: the caller\'s stdout/stderr, exit code, container deleted', async (t) => {
  if (!needsRoot(t)) return
  const dir = bundle(t, { args: ['sh', '-c', 'echo out; echo err >&2; exit 7'] })
  const obs = {}
  for (const rt of runtimes(t)) {
    const root = stateRoot(t)
    const id = uniqueId(`cli-fg-${rt}`)
    const check = cleanup(t, { root, id, bundle: dir, runtime: rt })
    const r = await exec(rt, ['--root', root, 'run', '--bundle', dir, id])
    obs[rt] = { code: r.code, signal: r.signal, stdout: r.stdout, stderr: r.stderr, root: listRoot(root) }
    t.same(await check(), [], `${rt}: nothing left behind`)
    t.same(processesWith(id), [], `${rt}: no process of the container`)
  }
  t.same(obs.tsrun, { code: 7, signal: null, stdout: 'out\n', stderr: 'err\n', root: [] },
    'exit 7 propagated, stdout and stderr apart, container deleted afterwards')
  if (obs.runc) t.same(obs.tsrun, obs.runc, 'the same as runc')
})

t.test('run in the foreground: the caller\'s stdin (echo input | run cat)', async (t) => {
  if (!needsRoot(t)) return
  const dir = bundle(t, { args: ['cat'] })
  const input = 'hello\nworld\n'.repeat(1000)
  const obs = {}
  for (const rt of runtimes(t)) {
    const root = stateRoot(t)
    const id = uniqueId(`cli-stdin-${rt}`)
    const check = cleanup(t, { root, id, bundle: dir, runtime: rt })
    const r = await exec(rt, ['--root', root, 'run', '--bundle', dir, id], { input })
    obs[rt] = { code: r.code, stdoutIsInput: r.stdout === input, stdoutLength: r.stdout.length, stderr: r.stderr, root: listRoot(root) }
    t.same(await check(), [], `${rt}: nothing left behind`)
  }
  t.same(obs.tsrun, { code: 0, stdoutIsInput: true, stdoutLength: input.length, stderr: '', root: [] },
    'cat gets the caller\'s stdin and ends at its EOF')
  if (obs.runc) t.same(obs.tsrun, obs.runc, 'the same as runc')
})

t.test('run in the foreground: killed by SIGKILL exits 137; --pid-file', async (t) => {
  if (!needsRoot(t)) return
  const args = ['sh', '-c', 'echo ready; while :; do sleep 0.1; done']
  const dir = bundle(t, { args })
  const obs = {}
  for (const rt of runtimes(t)) {
    const root = stateRoot(t)
    const id = uniqueId(`cli-137-${rt}`)
    const check = cleanup(t, { root, id, bundle: dir, runtime: rt })
    const pidFile = join(tempDir(t), 'pid')
    const { child, done } = spawnRt(rt, ['--root', root, 'run', '--pid-file', pidFile, '--bundle', dir, id])
    const o = (obs[rt] = {})
    o.ready = (await waitOutput(child, 'ready\n')).includes('ready\n')
    // runc run writes the pid file after starting the program: wait for it.
    const pid = (await waitFor(() => readPid(pidFile), 5000)) ?? 0
    const s = await state(rt, root, id)
    if (pid) check.addPid(pid)
    o.state = s?.status
    o.pidFileIsStatePid = pid > 0 && s?.pid === pid
    o.pidIsUserProgram = JSON.stringify(cmdline(pid)) === JSON.stringify(args)
    const k = await exec(rt, ['--root', root, 'kill', id, 'KILL'])
    o.kill = k.code
    const r = await done
    o.run = { code: r.code, signal: r.signal, stdout: r.stdout, stderr: r.stderr }
    o.root = listRoot(root)
    t.same(await check(), [], `${rt}: nothing left behind`)
    t.same(processesWith(id), [], `${rt}: no process of the container`)
  }
  t.same(obs.tsrun, {
    ready: true, state: 'running', pidFileIsStatePid: true, pidIsUserProgram: true, kill: 0,
    run: { code: 137, signal: null, stdout: 'ready\n', stderr: '' }, root: [],
  }, 'run --pid-file writes the init\'s pid; SIGKILLed, run exits 137 and deletes the container')
  if (obs.runc) t.same(obs.tsrun, obs.runc, 'the same as runc')
})

t.test('run -d with --pid-file, later kill, delete, and delete --force of a running one', async (t) => {
  if (!needsRoot(t)) return
  const args = ['sh', '-c', 'trap "exit 3" TERM; echo detached-output; while :; do sleep 0.1; done']
  const dir = bundle(t, { args })
  const obs = {}
  for (const rt of runtimes(t)) {
    const root = stateRoot(t)
    const [a, b] = [uniqueId(`cli-d-${rt}`), uniqueId(`cli-d-${rt}`)]
    const check = cleanup(t, { root, ids: [a, b], bundle: dir, runtime: rt })
    const pidFile = join(tempDir(t), 'pid')
    const o = (obs[rt] = {})
    const started = Date.now()
    const r = await execFiles(t, rt, ['--root', root, 'run', '-d', '--pid-file', pidFile, '--bundle', dir, a])
    o.run = { code: r.code, stderr: r.stderr }
    o.returnedAtOnce = Date.now() - started < 20_000
    const pid = readPid(pidFile)
    if (pid) check.addPid(pid)
    const s = await state(rt, root, a)
    o.state = s?.status
    o.pidFileIsStatePid = s?.pid === pid
    o.pidIsUserProgram = JSON.stringify(cmdline(pid)) === JSON.stringify(args)
    // The container's stdout is run -d's (here a file), as with runc.
    o.output = (await waitFor(() => readFileSync(r.files.stdout, 'utf8'), 5000)) ?? ''
    const k = await exec(rt, ['--root', root, 'kill', a])
    o.kill = k.code
    o.stopped = (await waitStatus(rt, root, a, 'stopped'))?.status
    o.delete = (await exec(rt, ['--root', root, 'delete', a])).code

    await execFiles(t, rt, ['--root', root, 'run', '-d', '--bundle', dir, b])
    const sb = await state(rt, root, b)
    if (sb?.pid) check.addPid(sb.pid)
    o.secondState = sb?.status
    const f = await exec(rt, ['--root', root, 'delete', '--force', b])
    o.forceDelete = { code: f.code, stdout: f.stdout, stderr: f.stderr }
    o.afterForce = (await exec(rt, ['--root', root, 'state', b])).code
    o.secondInitGone = Boolean(sb?.pid && await waitFor(() => !alive(sb.pid), 5000))
    o.root = listRoot(root)
    t.same(await check(), [], `${rt}: nothing left behind`)
  }
  t.same(obs.tsrun, {
    run: { code: 0, stderr: '' }, returnedAtOnce: true, state: 'running', pidFileIsStatePid: true,
    pidIsUserProgram: true, output: 'detached-output\n', kill: 0, stopped: 'stopped', delete: 0,
    secondState: 'running', forceDelete: { code: 0, stdout: '', stderr: '' }, afterForce: 1,
    secondInitGone: true, root: [],
  }, 'run -d returns with the container running; kill, delete; delete --force kills a running one')
  if (obs.runc) t.same(obs.tsrun, obs.runc, 'the same as runc')
})

t.test('run forwards the signals it receives (SIGUSR1, SIGTERM) to the container', async (t) => {
  if (!needsRoot(t)) return
  const dir = bundle(t, {
    args: ['sh', '-c', 'trap "echo got USR1" USR1; trap "echo got TERM; exit 42" TERM; echo ready; while :; do sleep 0.1; done'],
  })
  const obs = {}
  for (const rt of runtimes(t)) {
    const root = stateRoot(t)
    const id = uniqueId(`cli-sig-${rt}`)
    const check = cleanup(t, { root, id, bundle: dir, runtime: rt })
    const { child, done } = spawnRt(rt, ['--root', root, 'run', '--bundle', dir, id])
    const o = (obs[rt] = {})
    o.ready = (await waitOutput(child, 'ready\n')).includes('ready\n')
    const pid = (await state(rt, root, id))?.pid
    if (pid) check.addPid(pid)
    child.kill('SIGUSR1')
    o.usr1 = (await waitOutput(child, 'got USR1\n', 5000)).includes('got USR1\n')
    child.kill('SIGTERM')
    const r = await done
    o.run = { code: r.code, signal: r.signal, stdout: r.stdout, stderr: r.stderr }
    o.root = listRoot(root)
    t.same(await check(), [], `${rt}: nothing left behind`)
    t.same(processesWith(id), [], `${rt}: no process of the container`)
  }
  t.same(obs.tsrun, {
    ready: true, usr1: true,
    run: { code: 42, signal: null, stdout: 'ready\ngot USR1\ngot TERM\n', stderr: '' }, root: [],
  }, 'SIGUSR1 and SIGTERM reach the container; its exit code is run\'s')
  if (obs.runc) t.same(obs.tsrun, obs.runc, 'the same as runc')
})

// ---------------------------------------------------------------- descriptors

t.test('--preserve-fds passes fd 3; no other descriptor leaks into the container', async (t) => {
  if (!needsRoot(t)) return
  // `ls /proc/1/fd` from the shell (PID 1): `ls /proc/self/fd` would also
  // list the directory ls itself opens. `{ cat <&3; }` reads fd 3 if open.
  const dir = bundle(t, { args: ['sh', '-c', 'ls /proc/1/fd; echo ---; { cat <&3; } 2>/dev/null || echo none'] })
  const secret = join(tempDir(t), 'secret')
  writeFileSync(secret, 'secret\n')
  const obs = {}
  for (const rt of runtimes(t)) {
    const root = stateRoot(t)
    const check = cleanup(t, { root, bundle: dir, runtime: rt })
    const o = (obs[rt] = {})
    for (const preserve of [false, true]) {
      const id = uniqueId(`cli-fds-${rt}`)
      check.add(id)
      const fd = openSync(secret, 'r')
      let r
      try {
        const args = ['--root', root, 'run', ...(preserve ? ['--preserve-fds', '1'] : []), '--bundle', dir, id]
        r = await spawnRt(rt, args, { stdio: ['pipe', 'pipe', 'pipe', fd] }).done
      } finally {
        closeSync(fd)
      }
      o[preserve ? 'preserved' : 'plain'] = { code: r.code, stdout: r.stdout, stderr: r.stderr }
    }
    o.root = listRoot(root)
    t.same(await check(), [], `${rt}: nothing left behind`)
  }
  t.same(obs.tsrun.plain, { code: 0, stdout: '0\n1\n2\n---\nnone\n', stderr: '' },
    'without --preserve-fds: only 0 1 2 inside, fd 3 not passed')
  t.same(obs.tsrun.preserved, { code: 0, stdout: '0\n1\n2\n3\n---\nsecret\n', stderr: '' },
    'with --preserve-fds 1: 0 1 2 3 inside, fd 3 is the caller\'s')
  t.same(obs.tsrun.root, [], 'the state root is empty')
  if (obs.runc) t.same(obs.tsrun, obs.runc, 'the same as runc')
})

// ---------------------------------------------------------------- list

t.test('list: table, json, -q', async (t) => {
  if (!needsRoot(t)) return
  const dir = bundle(t, { args: ['sleep', '100'] })
  const obs = {}
  for (const rt of runtimes(t)) {
    const root = stateRoot(t)
    const [a, b] = [uniqueId(`cli-list-${rt}-a`), uniqueId(`cli-list-${rt}-b`)]
    const check = cleanup(t, { root, ids: [a, b], bundle: dir, runtime: rt })
    const o = (obs[rt] = {})
    const empty = await exec(rt, ['--root', root, 'list'])
    o.empty = { code: empty.code, stdout: empty.stdout, stderr: empty.stderr }
    const emptyJson = await exec(rt, ['--root', root, 'list', '--format', 'json'])
    o.emptyJson = { code: emptyJson.code, stdout: emptyJson.stdout }
    const emptyQ = await exec(rt, ['--root', root, 'list', '-q'])
    o.emptyQuiet = { code: emptyQ.code, stdout: emptyQ.stdout }

    await execFiles(t, rt, ['--root', root, 'create', '--bundle', dir, a])
    await execFiles(t, rt, ['--root', root, 'run', '-d', '--bundle', dir, b])
    const sa = await state(rt, root, a)
    const sb = await state(rt, root, b)
    for (const s of [sa, sb]) if (s?.pid) check.addPid(s.pid)

    const table = await exec(rt, ['--root', root, 'list'])
    const lines = table.stdout.split('\n')
    o.table = {
      code: table.code,
      header: lines[0].split(/\s+/),
      lines: lines.length,
      endsWithNewline: table.stdout.endsWith('\n'),
      aligned: tabwriterLayout(table.stdout) === table.stdout,
      rows: lines.slice(1, -1).map((l) => l.split(/\s+/).filter(Boolean)).sort((x, y) => x[0].localeCompare(y[0]))
        .map(([id, pid, status, bnd, created, owner]) => {
          const s = id === a ? sa : sb
          return { id: id === a ? 'A' : id === b ? 'B' : id, pid: Number(pid) === s?.pid, status, bundle: bnd === dir, created: created === s?.created, owner }
        }),
    }
    const json = await exec(rt, ['--root', root, 'list', '-f', 'json'])
    const list = JSON.parse(json.stdout)
    o.json = {
      code: json.code,
      endsWithNewline: json.stdout.endsWith('\n'),
      oneLine: json.stdout.trim().split('\n').length === 1,
      entries: list.sort((x, y) => x.id.localeCompare(y.id)).map((e) => ({
        keys: Object.keys(e), sameAsState: same(e, e.id === a ? sa : sb, ['owner']), status: e.status, owner: e.owner,
      })),
    }
    const q = await exec(rt, ['--root', root, 'list', '-q'])
    o.quiet = { code: q.code, ids: q.stdout.split('\n').sort().map((l) => (l === a ? 'A' : l === b ? 'B' : l)) }
    const bad = await exec(rt, ['--root', root, 'list', '--format', 'bogus'])
    o.badFormat = { code: bad.code, message: errorMessage(bad.stderr) }
    for (const id of [a, b]) await exec(rt, ['--root', root, 'delete', '--force', id])
    o.afterDelete = (await exec(rt, ['--root', root, 'list', '-q'])).stdout
    t.same(await check(), [], `${rt}: nothing left behind`)
  }
  const o = obs.tsrun
  t.same(o.empty, { code: 0, stdout: `ID${' '.repeat(10)}PID${' '.repeat(9)}STATUS${' '.repeat(6)}BUNDLE${' '.repeat(6)}CREATED${' '.repeat(5)}OWNER\n`, stderr: '' },
    'an empty list is runc\'s header line')
  t.same(o.emptyJson, { code: 0, stdout: 'null\n' }, 'an empty json list is null')
  t.same(o.emptyQuiet, { code: 0, stdout: '' }, 'an empty quiet list is empty')
  t.same(o.table.header, ['ID', 'PID', 'STATUS', 'BUNDLE', 'CREATED', 'OWNER'], 'table header')
  t.equal(o.table.lines, 4, 'header, two rows, final newline')
  t.ok(o.table.aligned, 'columns laid out as runc\'s tabwriter (min width 12, padding 3)')
  t.same(o.table.rows.map(({ owner, ...r }) => r), [
    { id: 'A', pid: true, status: 'created', bundle: true, created: true },
    { id: 'B', pid: true, status: 'running', bundle: true, created: true },
  ], 'table rows: id, pid, status, bundle, created as in state')
  t.same(o.json.entries.map(({ owner, ...e }) => e), [
    { keys: STATE_KEYS, sameAsState: true, status: 'created' },
    { keys: STATE_KEYS, sameAsState: true, status: 'running' },
  ], 'json list: the state objects')
  t.ok(o.json.oneLine && o.json.endsWithNewline, 'json list is one line')
  t.same(o.quiet, { code: 0, ids: ['', 'A', 'B'] }, '-q lists the ids, one a line')
  t.same(o.badFormat, { code: 1, message: 'invalid format option' }, 'an unknown --format is an error')
  t.equal(o.afterDelete, '', 'empty after delete')
  if (obs.runc) {
    // runc's OWNER column / "owner" field in list is the user name of the
    // state dir's owner ("root" here), unlike `state`, which prints "".
    t.same(o.table.rows.map((r) => r.owner), obs.runc.table.rows.map((r) => r.owner), 'list OWNER column as runc\'s')
    t.same(o.json.entries.map((e) => e.owner), obs.runc.json.entries.map((e) => e.owner), 'list json "owner" as runc\'s')
    t.same(o, obs.runc, 'the same as runc')
  }
})

/** Equal objects, ignoring some keys. */
function same(x, y, ignore = []) {
  if (!x || !y) return false
  const strip = (o) => Object.fromEntries(Object.entries(o).filter(([k]) => !ignore.includes(k)))
  return JSON.stringify(strip(x)) === JSON.stringify(strip(y))
}

/** Re-lays out a whitespace-separated table as Go's tabwriter.NewWriter(w, 12, 1, 3, ' ', 0) does for runc list. */
function tabwriterLayout(text) {
  const rows = text.split('\n').slice(0, -1).map((l) => {
    // Cells are padded with at least 3 spaces; an empty OWNER leaves the
    // line ending in CREATED's padding, which splits off as an empty cell.
    const cells = l.split(/ {2,}/)
    while (cells.length < 6) cells.push('')
    return cells
  })
  const widths = [0, 1, 2, 3, 4].map((i) => Math.max(12, ...rows.map((r) => [...r[i]].length + 3)))
  return rows.map((r) => r.map((c, i) => (i < 5 ? c + ' '.repeat(widths[i] - [...c].length) : c)).join('') + '\n').join('')
}

// ---------------------------------------------------------------- spec, version, log

t.test('spec writes runc\'s config.json (also --rootless); refuses to overwrite', async (t) => {
  const obs = {}
  for (const rt of runtimes(t)) {
    const o = (obs[rt] = {})
    const a = tempDir(t)
    const r = await exec(rt, ['spec'], { cwd: a })
    o.spec = { code: r.code, stdout: r.stdout, stderr: r.stderr, mode: statSync(join(a, 'config.json')).mode & 0o777 }
    o.text = readFileSync(join(a, 'config.json'), 'utf8')
    writeFileSync(join(a, 'config.json'), 'mine')
    const again = await exec(rt, ['spec'], { cwd: a })
    o.again = { code: again.code, message: errorMessage(again.stderr), kept: readFileSync(join(a, 'config.json'), 'utf8') }
    const b = tempDir(t)
    const rl = await exec(rt, ['spec', '--rootless', '--bundle', b])
    o.rootless = { code: rl.code, stdout: rl.stdout, stderr: rl.stderr }
    o.rootlessText = readFileSync(join(b, 'config.json'), 'utf8')
  }
  const o = obs.tsrun
  t.same(o.spec, { code: 0, stdout: '', stderr: '', mode: 0o666 & ~process.umask() }, 'spec exits 0 quietly')
  // runc 1.1's default spec (kept in scripts/make-bundle.mjs, checked against
  // runc by harness.test.mjs), as Go's json.MarshalIndent(spec, "", "\t").
  t.equal(o.text, JSON.stringify(runcDefaultSpec(), null, '\t'), 'config.json is runc 1.1\'s default spec, tab-indented')
  t.same(o.again, { code: 1, message: 'File config.json exists. Remove it first', kept: 'mine' },
    'an existing config.json is an error and is kept')
  t.same(o.rootless, { code: 0, stdout: '', stderr: '' }, 'spec --rootless --bundle exits 0 quietly')
  t.ok(JSON.parse(o.rootlessText).linux.namespaces.some((n) => n.type === 'user'), 'the rootless spec has a user namespace')
  if (obs.runc) {
    t.equal(o.text, obs.runc.text, 'config.json is byte for byte `runc spec`\'s')
    t.equal(o.rootlessText, obs.runc.rootlessText, '--rootless: byte for byte `runc spec --rootless`\'s')
    t.same(o, obs.runc, 'the same as runc')
  }
})

t.test('--version', async (t) => {
  const r = await tsrun(['--version'])
  t.equal(r.code, 0, 'exit 0')
  t.equal(r.stderr, '', 'nothing on stderr')
  t.ok(r.stdout.endsWith('\n'), 'ends with a newline')
  const lines = r.stdout.split('\n')
  t.match(lines[0], /^tsrun version \d+\.\d+\.\d+\S*$/, 'first line: tsrun version X.Y.Z')
  const spec = lines.find((l) => l.startsWith('spec: '))
  t.match(spec, /^spec: \d+\.\d+\.\d+\S*$/, 'a spec: line')
  if (!RUNC) {
    t.comment('runc is not installed: skipping the runc comparison')
    return
  }
  const rr = await runc(['--version'])
  t.match(rr.stdout.split('\n')[0], /^runc version /, 'runc\'s first line has the same shape')
  t.equal(spec, rr.stdout.split('\n').find((l) => l.startsWith('spec: ')), 'the same OCI spec version as runc')
})

t.test('--log FILE --log-format json|text records errors', async (t) => {
  if (!needsRoot(t)) return
  const obs = {}
  for (const rt of runtimes(t)) {
    const root = stateRoot(t)
    const id = uniqueId(`cli-log-${rt}`)
    const check = cleanup(t, { root, id, runtime: rt })
    const logs = tempDir(t)
    const jsonLog = join(logs, 'log.json')
    const textLog = join(logs, 'log.txt')
    const o = (obs[rt] = {})
    const r1 = await exec(rt, ['--root', root, '--log', jsonLog, '--log-format', 'json', 'state', id])
    const r2 = await exec(rt, ['--root', root, '--log', jsonLog, '--log-format', 'json', 'kill', id])
    o.json = { codes: [r1.code, r2.code], stderr: [r1.stderr, r2.stderr], stdout: r1.stdout + r2.stdout }
    const lines = readFileSync(jsonLog, 'utf8').split('\n')
    o.json.lines = lines.length
    o.json.entries = lines.filter(Boolean).map((l) => {
      try {
        const e = JSON.parse(l)
        return { keys: Object.keys(e), level: e.level, msg: e.msg, time: /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$/.test(e.time) }
      } catch {
        return `NOT JSON: ${l}`
      }
    })
    const r3 = await exec(rt, ['--root', root, '--log', textLog, 'state', id])
    const text = readFileSync(textLog, 'utf8')
    o.text = {
      code: r3.code,
      stderr: r3.stderr,
      lines: text.split('\n').length,
      shape: text.replace(/^time="[^"]+" /, 'time="TIME" '),
      time: /^time="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)" /.test(text),
    }
    t.same(listRoot(root), [], `${rt}: nothing created in the state root`)
    t.same(await check(), [], `${rt}: nothing left behind`)
  }
  const entry = { keys: ['level', 'msg', 'time'], level: 'error', msg: NOT_FOUND, time: true }
  t.same(obs.tsrun.json, {
    codes: [1, 1], stderr: [`${NOT_FOUND}\n`, `${NOT_FOUND}\n`], stdout: '', lines: 3, entries: [entry, entry],
  }, 'each error appends one JSON line {level:"error", msg, time}; stderr gets the bare message')
  t.same(obs.tsrun.text, {
    code: 1, stderr: `${NOT_FOUND}\n`, lines: 2, shape: `time="TIME" level=error msg="${NOT_FOUND}"\n`, time: true,
  }, 'text format: time=... level=error msg=...')
  if (obs.runc) t.same(obs.tsrun, obs.runc, 'the same as runc')
})

// ---------------------------------------------------------------- bad input

const BAD = [
  {
    name: 'invalid JSON config',
    prepare: (dir) => writeFileSync(join(dir, 'config.json'), '{ not json'),
    message: /config\.json.*JSON|JSON.*config\.json/i,
  },
  {
    name: 'process.args a string',
    mutate: (s) => { s.process.args = 'true' },
    message: /process\.args/,
  },
  {
    name: 'unknown namespace type',
    mutate: (s) => { s.linux.namespaces.push({ type: 'bogus' }) },
    message: /namespace.*bogus/,
  },
  {
    name: 'missing rootfs',
    mutate: (s) => { s.root.path = 'no-such-rootfs' },
    message: /no-such-rootfs/,
  },
  {
    name: 'relative mount destination',
    mutate: (s) => { s.mounts.push({ destination: 'rel/x', type: 'tmpfs', source: 'tmpfs' }) },
    message: /destination.*rel\/x|rel\/x.*absolute/,
    // runc 1.1 only warns ("will be removed in a future release") and runs it.
    runcAccepts: true,
  },
  {
    name: 'bundle without config.json',
    prepare: (dir) => rmSync(join(dir, 'config.json')),
    message: /config\.json/,
  },
  {
    name: 'id containing /',
    id: 'cli/bad',
    message: /invalid container ID format/,
    sameMessage: true,
  },
  {
    name: 'id ..',
    id: '..',
    message: /invalid container ID format/,
    sameMessage: true,
  },
  {
    name: 'program not in $PATH',
    args: ['nope'],
    message: /exec: "nope": executable file not found in \$PATH/,
    sameMessage: true,
  },
  {
    name: 'absolute program that does not exist',
    args: ['/bin/nope'],
    message: /exec: "\/bin\/nope": stat \/bin\/nope: no such file or directory/,
    sameMessage: true,
  },
]

t.test('bad input: a one-line error naming the problem, nothing left behind', async (t) => {
  if (!needsRoot(t)) return
  for (const c of BAD) {
    t.test(c.name, async (t) => {
      const dir = bundle(t, { args: c.args ?? ['true'], mutate: c.mutate })
      c.prepare?.(dir)
      const obs = {}
      for (const rt of runtimes(t)) {
        for (const cmd of ['create', 'run']) {
          if (rt === 'runc' && c.runcAccepts && cmd === 'run') continue
          const root = stateRoot(t)
          const id = c.id ?? uniqueId(`cli-bad-${rt}`)
          const check = cleanup(t, { root, ...(c.id ? {} : { id }), bundle: dir, runtime: rt })
          const r = await execFiles(t, rt, ['--root', root, cmd, '--bundle', dir, id])
          // Looked at before check(), whose delete --force could hide a leftover.
          const left = [
            ...listRoot(root).map((f) => `state root: ${f}`),
            ...mountsUnder(dir).map((m) => `mount: ${m.mountPoint}`),
            ...(c.id ? [] : processesWith(id)),
            ...await leftovers({ root, bundle: dir, ...(c.id ? {} : { id }) }),
          ]
          const message = errorMessage(r.stderr)
          obs[`${rt} ${cmd}`] = { code: r.code, stdout: r.stdout, message, left }
          if (rt === 'tsrun') {
            t.not(r.code, 0, `tsrun ${cmd}: non-zero exit`)
            t.equal(r.stderr.trim().split('\n').length, 1, `tsrun ${cmd}: one line on stderr`)
            t.match(message, c.message, `tsrun ${cmd}: the message names the problem: ${message}`)
            t.equal(r.stdout, '', `tsrun ${cmd}: nothing on stdout`)
            t.same(left, [], `tsrun ${cmd}: nothing left behind`)
          }
          t.same(await check(), [], `${rt} ${cmd}: check() finds nothing left behind`)
        }
      }
      if (!RUNC) return
      if (c.runcAccepts) {
        t.comment('runc 1.1.5 accepts this (it only warns): not compared')
        return
      }
      for (const cmd of ['create', 'run']) {
        const [a, b] = [obs[`tsrun ${cmd}`], obs[`runc ${cmd}`]]
        t.equal(a.code, b.code, `${cmd}: the same exit code as runc`)
        t.same(b.left, [], `runc ${cmd}: leaves nothing either`)
        if (c.sameMessage) t.equal(shape(a.message, 'tsrun'), shape(b.message, 'runc'), `${cmd}: the same message as runc`)
      }
    })
  }
})

t.test('duplicate id: the second create fails, the first container is intact', async (t) => {
  if (!needsRoot(t)) return
  const out = tempDir(t, 'tsrun-out-')
  const dir = bundle(t, { args: ['sh', '-c', 'echo ran > /tmp/ran; sleep 100'], mutate: bindTmp(out) })
  const obs = {}
  for (const rt of runtimes(t)) {
    for (const f of readdirSync(out)) rmSync(join(out, f))
    const root = stateRoot(t)
    const id = uniqueId(`cli-dup-${rt}`)
    const check = cleanup(t, { root, id, bundle: dir, runtime: rt })
    const o = (obs[rt] = {})
    const first = await execFiles(t, rt, ['--root', root, 'create', '--bundle', dir, id])
    const before = await state(rt, root, id)
    if (before?.pid) check.addPid(before.pid)
    const second = await execFiles(t, rt, ['--root', root, 'create', '--bundle', dir, id])
    const after = await state(rt, root, id)
    o.first = first.code
    o.second = { code: second.code, message: shape(errorMessage(second.stderr), rt) }
    o.intact = Boolean(before && after && same(before, after))
    o.alive = Boolean(after && alive(after.pid))
    o.ranEarly = existsSync(join(out, 'ran'))
    o.start = (await exec(rt, ['--root', root, 'start', id])).code
    o.ran = Boolean(await waitFor(() => existsSync(join(out, 'ran'))))
    o.running = (await state(rt, root, id))?.status
    o.delete = (await exec(rt, ['--root', root, 'delete', '--force', id])).code
    o.root = listRoot(root)
    t.same(await check(), [], `${rt}: nothing left behind`)
  }
  t.same(obs.tsrun, {
    first: 0,
    second: { code: 1, message: 'RUNTIME create failed: container with given ID already exists' },
    intact: true, alive: true, ranEarly: false, start: 0, ran: true, running: 'running', delete: 0, root: [],
  }, 'the second create fails with runc\'s message; the first still starts')
  if (obs.runc) t.same(obs.tsrun, obs.runc, 'the same as runc')
})

// ---------------------------------------------------------------- exit codes

t.test('exec: tsrun\'s own failures exit 255, the process\'s status is its own; run exits 1', async (t) => {
  if (!needsRoot(t)) return
  const dir = bundle(t, { args: ['sleep', '100'] })
  const missing = bundle(t, { args: ['nosuchprog'] })
  const obs = {}
  for (const rt of runtimes(t)) {
    const root = stateRoot(t)
    const id = uniqueId(`cli-execcode-${rt}`)
    const check = cleanup(t, { root, id, bundle: dir, bundles: [missing], runtime: rt })
    const code = async (...args) => (await exec(rt, ['--root', root, ...args])).code
    t.equal((await execFiles(t, rt, ['--root', root, 'run', '-d', '--bundle', dir, id])).code, 0, `${rt} run -d`)
    const o = (obs[rt] = {})
    o.status = await code('exec', id, 'sh', '-c', 'exit 7')
    o.missingProgram = await code('exec', id, 'nosuchprog')
    o.detachedMissing = await code('exec', '-d', id, 'nosuchprog')
    // The process was started, its pid could not be written: it does not stay (as runc).
    const nap = String(100_000 + Math.floor(Math.random() * 800_000))
    o.pidFile = await code('exec', '--pid-file', '/proc/nonexistent/pid', id, 'sleep', nap)
    o.pidFileDetached = await code('exec', '-d', '--pid-file', '/proc/nonexistent/pid', id, 'sleep', nap)
    o.pidFileLeft = await waitFor(() => processesWith(`sleep\0${nap}`).length === 0, 5000) ? [] : processesWith(`sleep\0${nap}`)
    o.noCommand = await code('exec', id)
    o.noContainer = await code('exec', uniqueId('cli-none'), 'true')
    o.badUser = await code('exec', '--user', 'abc', id, 'true')
    o.badFlag = await code('exec', '--bogus', id, 'true')
    o.noId = await code('exec')
    t.equal(await code('pause', id), 0, `${rt} pause`)
    o.paused = await code('exec', id, 'true')
    t.equal(await code('resume', id), 0, `${rt} resume`)
    for (const [name, args] of [['runMissingProgram', ['--bundle', missing]], ['runPidFile', ['--pid-file', '/proc/nonexistent/pid', '--bundle', dir]]]) {
      const other = uniqueId(`cli-runcode-${rt}`)
      check.add(other)
      o[name] = (await execFiles(t, rt, ['--root', root, 'run', ...args, other])).code
    }
    await exec(rt, ['--root', root, 'delete', '--force', id])
    t.same(await check(), [], `${rt}: nothing left behind`)
  }
  t.same(obs.tsrun, {
    status: 7, missingProgram: 255, detachedMissing: 255, pidFile: 255, pidFileDetached: 255, pidFileLeft: [], noCommand: 255, noContainer: 255,
    badUser: 255, badFlag: 1, noId: 1, paused: 255, runMissingProgram: 1, runPidFile: 1,
  }, 'exec: 255 when tsrun fails, 1 for a bad command line; run: 1')
  if (obs.runc) t.same(obs.tsrun, obs.runc, 'the same codes as runc')
})

// ---------------------------------------------------------------- exec --cgroup

/** The container init's cgroup per hierarchy: [{ line: "N:controllers", path, dir }]. */
function cgroupDirs(pid) {
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8').trim().split('\n').map((l) => {
    const [pre, post] = l.split(' - ')
    const f = pre.split(' ')
    const [fstype, , opts] = post.split(' ')
    return { root: f[3], point: f[4], fstype, opts: opts.split(',') }
  })
  return readFileSync(`/proc/${pid}/cgroup`, 'utf8').trim().split('\n').map((l) => {
    const [n, controllers, path] = l.split(':')
    const m = controllers === ''
      ? mounts.find((x) => x.fstype === 'cgroup2')
      : mounts.find((x) => x.fstype === 'cgroup' && controllers.split(',').every((c) => x.opts.includes(c)))
    return { line: `${n}:${controllers}`, path, dir: join(m.point, path.slice(m.root === '/' ? 0 : m.root.length)) }
  })
}

t.test('exec --cgroup: into existing sub-cgroups, and runc\'s errors', async (t) => {
  if (!needsRoot(t)) return
  const dir = bundle(t, { args: ['sleep', '100'] })
  const obs = {}
  for (const rt of runtimes(t)) {
    const root = stateRoot(t)
    const id = uniqueId(`cli-subcg-${rt}`)
    const check = cleanup(t, { root, id, bundle: dir, runtime: rt })
    t.equal((await execFiles(t, rt, ['--root', root, 'run', '-d', '--bundle', dir, id])).code, 0, `${rt} run -d`)
    const init = cgroupDirs((await state(rt, root, id)).pid)
    const subs = init.map((c) => join(c.dir, 'sub'))
    const o = (obs[rt] = {})
    try {
      for (const [c, sub] of init.map((c, i) => [c, subs[i]])) {
        mkdirSync(sub)
        // A v1 cpuset cgroup takes no task until it has cpus and mems.
        for (const f of ['cpuset.cpus', 'cpuset.mems']) {
          if (c.line.split(':')[1].split(',').includes('cpuset')) writeFileSync(join(sub, f), readFileSync(join(c.dir, f)))
        }
      }
      // Each hierarchy's cgroup of the exec'd process, relative to the init's.
      const where = async (...flags) => {
        const r = await exec(rt, ['--root', root, 'exec', ...flags, id, 'cat', '/proc/self/cgroup'])
        if (r.code !== 0) return { code: r.code, message: errorMessage(r.stderr) }
        return r.stdout.trim().split('\n').map((l) => {
          const [n, controllers, path] = l.split(':')
          const base = init.find((c) => c.line === `${n}:${controllers}`).path
          return `${controllers}:${path.startsWith(base) ? path.slice(base.length) : path}`
        }).sort()
      }
      o.all = await where('--cgroup', 'sub')
      o.none = await where()
      o.root = await where('--cgroup', '/')
      o.some = await where('--cgroup', 'pids:sub', '--cgroup', 'memory,cpu:sub')
      for (const [name, flags] of Object.entries({
        parent: ['--cgroup', '..'], escape: ['--cgroup', 'sub/../..'], missing: ['--cgroup', 'nonexistent'],
        unknown: ['--cgroup', 'whaaat:/'], colons: ['--cgroup', 'a:b:c'], twoPaths: ['--cgroup', 'a', '--cgroup', 'b'],
      })) {
        const r = await exec(rt, ['--root', root, 'exec', ...flags, id, 'true'])
        o[name] = { code: r.code, ...(name === 'missing' ? {} : { message: errorMessage(r.stderr).replace(/unable to create new parent process: /, '') }) }
      }
    } finally {
      for (const sub of subs) try { rmdirSync(sub) } catch {}
    }
    await exec(rt, ['--root', root, 'delete', '--force', id])
    t.same(await check(), [], `${rt}: nothing left behind`)
  }
  const lines = obs.tsrun.none
  t.ok(lines.length > 0 && lines.every((l) => l.endsWith(':')), 'without --cgroup: the container\'s cgroup')
  t.same(obs.tsrun.all, lines.map((l) => `${l}/sub`), '--cgroup PATH: that sub-cgroup in every hierarchy')
  t.same(obs.tsrun.root, lines, '--cgroup /: the container\'s own')
  t.same(obs.tsrun.some, lines.map((l) => (/^(pids|memory|cpu):$/.test(l) ? `${l}/sub` : l)).sort(), 'CONTROLLER[,CONTROLLER]:PATH: those controllers only')
  t.same(obs.tsrun.parent, { code: 255, message: 'exec failed: .. is not a sub cgroup path' })
  t.same(obs.tsrun.colons, { code: 255, message: 'exec failed: invalid --cgroup argument: a:b:c' })
  t.same(obs.tsrun.missing, { code: 255 })
  if (obs.runc) t.same(obs.tsrun, obs.runc, 'the same as runc')
})

t.test('ps ID [ps options]: the options after the id go to ps(1), rows kept for the container\'s pids', async (t) => {
  if (!needsRoot(t)) return
  const dir = bundle(t, { args: ['sleep', '100'] })
  const obs = {}
  for (const rt of runtimes(t)) {
    const root = stateRoot(t)
    const id = uniqueId(`cli-ps-${rt}`)
    const check = cleanup(t, { root, id, bundle: dir, runtime: rt })
    t.equal((await execFiles(t, rt, ['--root', root, 'run', '-d', '--bundle', dir, id])).code, 0, `${rt} run -d`)
    const pid = (await state(rt, root, id)).pid
    const ps = async (...args) => {
      const r = await exec(rt, ['--root', root, 'ps', id, ...args])
      // (tsrun's log lines put a multi-line message on one line.)
      return { code: r.code, stdout: r.stdout.replaceAll(String(pid), 'PID'), ...(r.code ? { message: errorMessage(r.stderr).replace(/\s+/g, ' ').trim() } : {}) }
    }
    obs[rt] = {
      options: await ps('-o', 'pid,comm'),
      twoOptions: await ps('-o', 'pid', '-o', 'args'),
      // After the id, -f is ps's: "-f json" is not the json format.
      afterId: await ps('-f', 'json'),
      noPidColumn: await ps('-o', 'comm'),
    }
    await exec(rt, ['--root', root, 'delete', '--force', id])
    t.same(await check(), [], `${rt}: nothing left behind`)
  }
  t.match(obs.tsrun.options, { code: 0, stdout: /^\s*PID COMMAND\n\s*PID sleep\n$/ }, 'ps -o pid,comm, the container\'s row only')
  t.match(obs.tsrun.afterId, { code: 1, message: /^exit status 1: error: / }, 'ps(1)\'s failure, with its output')
  t.same(obs.tsrun.noPidColumn, { code: 1, stdout: '', message: "couldn't find PID field in ps output" })
  if (obs.runc) t.same(obs.tsrun, obs.runc, 'the same as runc')
})
