// process.terminal on a real kernel: the pty master sent over
// --console-socket (received by test/fixtures/process/console_receiver.py
// with SCM_RIGHTS), the foreground relay of `run` under script(1), and the
// errors without a console socket. Compared with runc on the same bundle;
// the runc half is skipped, with a comment, when runc is not installed.
import t from 'tap'
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  bundle, cleanup, needsCommand, needsRoot, runc, spawnCommand, stateRoot, tempDir, tsrun, uniqueId, which,
  TSRUN_BIN,
} from './helpers/env.mjs'

const RUNC = which('runc')
const NO_RUNC = 'runc is not installed: the runc comparison is skipped'
const HELPER = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'process', 'console_receiver.py')

/** The runtimes to compare: tsrun, then runc when installed. */
function runtimes(t) {
  if (RUNC) return ['tsrun', 'runc']
  t.comment(NO_RUNC)
  return ['tsrun']
}

const exec = (rt, args, opts) => (rt === 'tsrun' ? tsrun(args, opts) : runc(args, opts))
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/** A bundle with process.terminal and the given console size. */
function terminalBundle(t, args, consoleSize) {
  return bundle(t, {
    args,
    mutate: (s) => {
      s.process.terminal = true
      if (consoleSize) s.process.consoleSize = consoleSize
    },
  })
}

/**
 * create --console-socket + start + delete with runtime `rt`, the master
 * received by the python helper, which types `input` into it before start
 * and copies what it reads to its stdout until the container hangs up.
 * Returns { create, start, del, helper: { code, stdout, stderr }, check }.
 */
async function withConsoleSocket(t, rt, dir, input) {
  const root = stateRoot(t)
  const id = uniqueId(`tty-${rt}`)
  const check = cleanup(t, { root, id, bundle: dir, runtime: rt })
  const sock = join(tempDir(t, 'tsrun-console-'), 'console.sock')
  const helper = spawnCommand(which('python3'), [HELPER, sock, ...(input ? [input] : [])], { timeout: 90_000 })
  let helperErr = ''
  const ready = new Promise((resolve) => {
    helper.child.stderr.on('data', (d) => {
      helperErr += d
      if (helperErr.includes('isatty:')) resolve(true)
    })
    helper.done.then(() => resolve(false))
  })
  for (let i = 0; i < 400 && !existsSync(sock); i++) await sleep(25)
  t.ok(existsSync(sock), 'the helper listens')
  const create = await exec(rt, ['--root', root, 'create', '--console-socket', sock, '--bundle', dir, id])
  t.equal(create.code, 0, `${rt} create --console-socket: ${create.stderr}`)
  if (create.code !== 0) {
    helper.child.kill('SIGKILL')
    return { create, helper: await helper.done, check }
  }
  // The helper has the master (and typed its input) before start.
  let timer
  const gaveUp = new Promise((resolve) => { timer = setTimeout(resolve, 30_000, false) })
  t.ok(await Promise.race([ready, gaveUp]), 'the helper received the master')
  clearTimeout(timer)
  const start = await exec(rt, ['--root', root, 'start', id])
  t.equal(start.code, 0, `${rt} start: ${start.stderr}`)
  const h = await helper.done
  t.equal(h.code, 0, `the helper read until the hang-up: ${h.stderr}`)
  for (let i = 0; i < 200; i++) {
    const st = await exec(rt, ['--root', root, 'state', id])
    if (st.code !== 0 || JSON.parse(st.stdout).status === 'stopped') break
    await sleep(25)
  }
  const del = await exec(rt, ['--root', root, 'delete', id])
  t.equal(del.code, 0, `${rt} delete: ${del.stderr}`)
  return { create, start, del, helper: h, check }
}

/** Helper stderr lines "key: value" as an object. */
function facts(stderr) {
  return Object.fromEntries(stderr.split('\n').filter((l) => /^\w+: /.test(l)).map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 2)]))
}

t.test('terminal with --console-socket: the pty master comes over SCM_RIGHTS', async (t) => {
  if (!needsRoot(t)) return
  if (!needsCommand(t, 'python3')) return
  const script = [
    'tty', 'stty size', 'stat -c "%t,%T %F" /dev/console', 'ls -1 /proc/self/fd',
    'read line', 'echo "got:$line"',
  ].join('; ')
  const outputs = {}
  for (const rt of runtimes(t)) {
    await t.test(rt, async (t) => {
      const dir = terminalBundle(t, ['sh', '-c', script], { height: 40, width: 100 })
      const r = await withConsoleSocket(t, rt, dir, 'hello\n')
      const f = facts(r.helper.stderr)
      t.equal(f.isatty, '1', 'the fd received is a terminal')
      t.equal(f.name, '/dev/ptmx', 'sent under the name /dev/ptmx (as runc)')
      // The pty's line discipline: \n goes out as \r\n, the input is echoed.
      t.equal(r.helper.stdout, [
        'hello', // the echo of what the helper typed before start
        '/dev/pts/0', // tty
        '40 100', // stty size: process.consoleSize
        '88,0 character special file', // /dev/console is the pty (136, 0)
        '0', '1', '2', '3', // the pty as stdio, and ls's own fd
        'got:hello', // the input reached the program
        '',
      ].join('\r\n'))
      outputs[rt] = r.helper.stdout
      t.same(await r.check(), [])
    })
  }
  if (outputs.runc !== undefined) t.equal(outputs.tsrun, outputs.runc, 'the same as runc')
})

t.test('terminal with --console-socket and no consoleSize: a pty all the same', async (t) => {
  if (!needsRoot(t)) return
  if (!needsCommand(t, 'python3')) return
  const outputs = {}
  for (const rt of runtimes(t)) {
    await t.test(rt, async (t) => {
      const dir = terminalBundle(t, ['sh', '-c', 'tty; test -t 0 && test -t 1 && test -t 2 && echo all-ttys'])
      const r = await withConsoleSocket(t, rt, dir)
      t.equal(r.helper.stdout, '/dev/pts/0\r\nall-ttys\r\n')
      outputs[rt] = r.helper.stdout
      t.same(await r.check(), [])
    })
  }
  if (outputs.runc !== undefined) t.equal(outputs.tsrun, outputs.runc, 'the same as runc')
})

/**
 * `script -qec "RUNTIME --root R run --bundle B ID" /dev/null`: the runtime
 * in the foreground on a terminal (script's pty), relaying the container's
 * pty. script's stdin is a pipe kept open until it exits (no EOF is typed).
 */
function underScript(cmdline, { timeout = 60_000, typeAfter } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', cmdline, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'], detached: true })
    const out = []
    const err = []
    let typed = false
    child.stdout.on('data', (d) => {
      out.push(d)
      // typeAfter: [text, input]: once `text` was printed, type `input`.
      if (typeAfter && !typed && Buffer.concat(out).toString('latin1').includes(typeAfter[0])) {
        typed = true
        child.stdin.write(typeAfter[1])
      }
    })
    child.stderr.on('data', (d) => err.push(d))
    const timer = setTimeout(() => { try { process.kill(-child.pid, 'SIGKILL') } catch {} }, timeout)
    child.on('error', (e) => { clearTimeout(timer); reject(e) })
    child.on('close', (code) => {
      clearTimeout(timer)
      child.stdin.destroy()
      resolve({ code, stdout: Buffer.concat(out).toString('latin1'), stderr: Buffer.concat(err).toString() })
    })
  })
}

const quote = (s) => `'${s.replace(/'/g, "'\\''")}'`

t.test('run in the foreground with a terminal and no console socket, under script(1)', async (t) => {
  if (!needsRoot(t)) return
  if (!needsCommand(t, 'script')) return
  const outputs = {}
  for (const rt of runtimes(t)) {
    await t.test(rt, async (t) => {
      const dir = terminalBundle(t, ['sh', '-c', 'tty; stat -c "%t,%T" /dev/console; exit 3'])
      const root = stateRoot(t)
      const id = uniqueId(`tty-fg-${rt}`)
      const check = cleanup(t, { root, id, bundle: dir, runtime: rt })
      const bin = rt === 'tsrun' ? `${quote(process.execPath)} ${quote(TSRUN_BIN)}` : quote(RUNC)
      const r = await underScript(`${bin} --root ${quote(root)} run --bundle ${quote(dir)} ${id}`)
      t.equal(r.code, 3, `script exits with the container's status: ${r.stderr}`)
      const lines = r.stdout.split(/\r*\n/)
      t.equal(lines[0], '/dev/pts/0', 'the program\'s tty')
      t.equal(lines[1], '88,0', '/dev/console is the pty')
      outputs[rt] = r.stdout
      t.same(await check(), [])
    })
  }
  if (outputs.runc !== undefined) {
    // runc puts its own terminal in raw mode (no output processing): the
    // container's bytes, \r\n included, reach the terminal unchanged.
    t.equal(outputs.tsrun, outputs.runc, 'the same bytes as runc (no \\r added by the relay)')
  } else {
    t.equal(outputs.tsrun, '/dev/pts/0\r\n88,0\r\n', 'the container\'s bytes, unchanged')
  }
})

t.test('a terminal without a console socket: create and run -d fail naming it', async (t) => {
  if (!needsRoot(t)) return
  for (const cmd of [['create'], ['run', '-d']]) {
    await t.test(cmd.join(' '), async (t) => {
      const dir = terminalBundle(t, ['true'])
      for (const rt of runtimes(t)) {
        const root = stateRoot(t)
        const id = uniqueId(`tty-none-${rt}`)
        const check = cleanup(t, { root, id, bundle: dir, runtime: rt })
        const r = await exec(rt, ['--root', root, ...cmd, '--bundle', dir, id], { stdio: ['ignore', 'pipe', 'pipe'] })
        t.not(r.code, 0, `${rt} ${cmd.join(' ')} fails`)
        t.match(r.stderr, /console.socket/, `${rt}: the error names the console socket`)
        if (rt === 'tsrun') t.match(r.stderr, /terminal/, 'and the terminal')
        t.same(await check(), [], `${rt}: nothing left`)
      }
    })
  }
})

t.test('a console socket nobody listens on: create fails naming it, nothing left', async (t) => {
  if (!needsRoot(t)) return
  const dir = terminalBundle(t, ['true'])
  const sock = join(tempDir(t, 'tsrun-console-'), 'nobody.sock')
  for (const rt of runtimes(t)) {
    const root = stateRoot(t)
    const id = uniqueId(`tty-nosock-${rt}`)
    const check = cleanup(t, { root, id, bundle: dir, runtime: rt })
    const r = await exec(rt, ['--root', root, 'create', '--console-socket', sock, '--bundle', dir, id])
    t.not(r.code, 0, `${rt} create fails`)
    t.match(r.stderr, /nobody\.sock/, `${rt}: the error names the socket`)
    t.same(await check(), [], `${rt}: nothing left`)
  }
})

t.test('run in the foreground with a terminal: what is typed reaches the program', async (t) => {
  if (!needsRoot(t)) return
  if (!needsCommand(t, 'script')) return
  for (const rt of runtimes(t)) {
    await t.test(rt, async (t) => {
      const dir = terminalBundle(t, ['sh', '-c', 'echo ready; read line; echo "got:$line"'])
      const root = stateRoot(t)
      const id = uniqueId(`tty-in-${rt}`)
      const check = cleanup(t, { root, id, bundle: dir, runtime: rt })
      const bin = rt === 'tsrun' ? `${quote(process.execPath)} ${quote(TSRUN_BIN)}` : quote(RUNC)
      // Enter on a terminal is \r; the container's pty turns it into \n (icrnl).
      const r = await underScript(`${bin} --root ${quote(root)} run --bundle ${quote(dir)} ${id}`, {
        timeout: 30_000, typeAfter: ['ready', 'hi\r'],
      })
      t.equal(r.code, 0, `${rt} run exits 0 ${r.stderr}`)
      t.match(r.stdout, /got:hi\r*\n/, 'the typed line reached the program')
      t.same(await check(), [])
    })
  }
})

t.test('the pty of a non-root user keeps devpts\' tty group, as with runc (run and exec -t)', async (t) => {
  if (!needsRoot(t)) return
  if (!needsCommand(t, 'script')) return
  // runc changes the owner of the stdio only; the group stays devpts' gid=5.
  const stat = ['sh', '-c', 'stat -c "%u:%g %a" "$(tty)"']
  const got = {}
  for (const rt of runtimes(t)) {
    await t.test(rt, async (t) => {
      const user = (s) => { s.process.user = { uid: 1000, gid: 100 } }
      const dir = bundle(t, { args: stat, mutate: (s) => { user(s); s.process.terminal = true } })
      const sleeper = bundle(t, { args: ['sleep', '100'], mutate: user })
      const root = stateRoot(t)
      const id = uniqueId(`tty-owner-${rt}`)
      const sleeping = uniqueId(`tty-owner-exec-${rt}`)
      const check = cleanup(t, { root, ids: [id, sleeping], bundles: [dir, sleeper], runtime: rt })
      const bin = rt === 'tsrun' ? `${quote(process.execPath)} ${quote(TSRUN_BIN)}` : quote(RUNC)
      const ran = await underScript(`${bin} --root ${quote(root)} run --bundle ${quote(dir)} ${id}`)
      t.equal(ran.code, 0, `${rt} run: ${ran.stderr}`)
      const d = await exec(rt, ['--root', root, 'run', '-d', '--bundle', sleeper, sleeping], { stdio: ['ignore', 'ignore', 'pipe'] })
      t.equal(d.code, 0, `${rt} run -d: ${d.stderr}`)
      const execd = await underScript(`${bin} --root ${quote(root)} exec -t ${sleeping} ${stat.map(quote).join(' ')}`)
      t.equal(execd.code, 0, `${rt} exec -t: ${execd.stderr}`)
      await exec(rt, ['--root', root, 'delete', '--force', sleeping])
      got[rt] = { run: /\d+:\d+ \d+/.exec(ran.stdout)?.[0], exec: /\d+:\d+ \d+/.exec(execd.stdout)?.[0] }
      t.same(await check(), [])
    })
  }
  t.same(got.tsrun, { run: '1000:5 620', exec: '1000:5 620' }, 'owned by the user, group tty (5), rw--w----')
  if (got.runc) t.same(got.tsrun, got.runc, 'the same as runc')
})
