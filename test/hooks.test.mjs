// OCI hooks on a real kernel: all six kinds, in order, each with the state
// on stdin, in the right mount namespace, with its args and env; timeouts,
// failures and bad paths. Every hook is test/fixtures/process/hook.sh, which
// appends a record of what it saw to one log file inside the bundle's rootfs
// (the host path for the runtime's hooks and createContainer, which runs
// before pivot_root; /hooks.log for startContainer, which runs in the
// container). Compared with runc where both follow the same spec text.
import t from 'tap'
import { randomInt } from 'node:crypto'
import { chmodSync, copyFileSync, existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  bundle, cleanup, editSpec, needsRoot, runc, stateRoot, tempDir, tsrun, uniqueId, which,
} from './helpers/env.mjs'

const RUNC = which('runc')
const NO_RUNC = 'runc is not installed: the runc comparison is skipped'
const FIXTURE = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'process', 'hook.sh')
const KINDS = ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop']
const STATUS = {
  prestart: 'creating',
  createRuntime: 'creating',
  createContainer: 'creating',
  startContainer: 'created',
  poststart: 'running',
  poststop: 'stopped',
}
const HOST_MNT = readlinkSync('/proc/self/ns/mnt')
const ANNOTATIONS = { 'org.tsrun.test': 'hooks' }

function runtimes(t) {
  if (RUNC) return ['tsrun', 'runc']
  t.comment(NO_RUNC)
  return ['tsrun']
}

const exec = (rt, args, opts) => (rt === 'tsrun' ? tsrun(args, opts) : runc(args, opts))

/**
 * A bundle (private, writable rootfs) whose hooks are given by
 * `hooks(h)`, where h(kind, { action, timeout, path }) makes one hook entry
 * running hook.sh (host copy, or /hook.sh inside for startContainer).
 * Returns { dir, log (host path) }.
 */
function hookBundle(t, { args = ['true'], hooks }) {
  const dir = bundle(t, {
    args,
    privateRootfs: true,
    mutate: (s) => {
      s.root.readonly = false // startContainer writes /hooks.log after the rootfs is set up
      s.annotations = { ...ANNOTATIONS }
    },
  })
  const hostHook = join(tempDir(t, 'tsrun-hooks-'), 'hook.sh')
  copyFileSync(FIXTURE, hostHook)
  chmodSync(hostHook, 0o755)
  copyFileSync(FIXTURE, join(dir, 'rootfs', 'hook.sh'))
  chmodSync(join(dir, 'rootfs', 'hook.sh'), 0o755)
  const log = join(dir, 'rootfs', 'hooks.log')
  const h = (kind, { action, timeout, path, sleep } = {}) => {
    const inside = kind === 'startContainer'
    const p = path ?? (inside ? '/hook.sh' : hostHook)
    return {
      path: p,
      args: [p, kind, inside ? '/hooks.log' : log, 'one', 'two words'],
      env: [
        'PATH=/usr/sbin:/usr/bin:/sbin:/bin',
        `HOOK_KIND=${kind}`,
        'HOOK_SPACE=a b',
        ...(action ? [`HOOK_ACTION=${action}`] : []),
        ...(sleep ? [`HOOK_SLEEP=${sleep}`] : []),
      ],
      ...(timeout ? { timeout } : {}),
    }
  }
  editSpec(dir, (s) => { s.hooks = hooks(h) })
  return { dir, log }
}

/** The records hook.sh appended to log: [{ kind, args, mnt, initmnt, env, state, stateText }]. */
function readLog(log) {
  if (!existsSync(log)) return []
  const records = []
  let cur = null
  for (const line of readFileSync(log, 'utf8').split('\n')) {
    if (line.startsWith('BEGIN ')) {
      cur = { kind: line.slice(6), env: {} }
    } else if (line.startsWith('END ') && cur) {
      records.push(cur)
      cur = null
    } else if (cur) {
      const i = line.indexOf(': ')
      const key = line.slice(0, i)
      const value = line.slice(i + 2)
      if (key === 'env') {
        const eq = value.indexOf('=')
        cur.env[value.slice(0, eq)] = value.slice(eq + 1)
      } else if (key === 'state') {
        cur.stateText = value
        try { cur.state = JSON.parse(value) } catch { cur.state = null }
      } else {
        cur[key] = value
      }
    }
  }
  return records
}

// ---------------------------------------------------------------- all six kinds

t.test('all six hook kinds: order, state on stdin, namespaces, args and env', async (t) => {
  if (!needsRoot(t)) return
  const results = {}
  for (const rt of runtimes(t)) {
    await t.test(rt, async (t) => {
      // The program outlives poststart, which looks at its /proc/<pid>.
      const { dir, log } = hookBundle(t, {
        args: ['sh', '-c', 'readlink /proc/self/ns/mnt; sleep 1'],
        hooks: (h) => Object.fromEntries(KINDS.map((k) => [k, [h(k)]])),
      })
      // runc 1.1 is checked for what it does as the spec says (kinds, args,
      // env, namespaces), not for its known deviations: it gives the
      // createContainer/startContainer hooks pid 1 (the spec: "as seen by
      // the host"), poststart the status "created", and may run poststart
      // before startContainer.
      const strict = rt === 'tsrun'
      const root = stateRoot(t)
      const id = uniqueId(`hooks-${rt}`)
      const check = cleanup(t, { root, id, bundle: dir, runtime: rt })
      // A variable of the runtime's own environment, which no hook may see.
      // (Not "no NODE_* / TAP*": a test runner such as tap wraps spawn in
      // every node process to add its own.)
      const r = await exec(rt, ['--root', root, 'run', '--bundle', dir, id], { env: { TSRUN_TEST_RUNTIME_ENV: 'leaked' } })
      t.equal(r.code, 0, `${rt} run: ${r.stderr}`)
      const ctrMnt = r.stdout.trim()
      t.match(ctrMnt, /^mnt:\[\d+\]$/, 'the program printed its mount namespace')
      t.not(ctrMnt, HOST_MNT, 'the container has its own mount namespace')
      const records = readLog(log)
      const kinds = records.map((x) => x.kind)
      if (strict) {
        // startContainer runs before the program's execve, poststart after it.
        t.same(kinds, KINDS, 'each kind ran once, in the lifecycle\'s order')
      } else {
        t.same([...kinds].sort(), [...KINDS].sort(), 'each kind ran once')
      }
      const pids = new Set()
      for (const rec of records) {
        const k = rec.kind
        t.equal(rec.args, 'one two words', `${k}: args after the log path are passed`)
        t.equal(rec.env.HOOK_KIND, k, `${k}: env passed`)
        t.equal(rec.env.HOOK_SPACE, 'a b', `${k}: env value with a space`)
        t.equal(rec.env.TSRUN_TEST_RUNTIME_ENV, undefined, `${k}: nothing of the runtime's env`)
        t.equal(rec.env.PATH, '/usr/sbin:/usr/bin:/sbin:/bin', `${k}: PATH is the hook's`)
        t.ok(rec.state, `${k}: the state on stdin is JSON: ${rec.stateText}`)
        if (!rec.state) continue
        t.equal(typeof rec.state.ociVersion, 'string', `${k}: state.ociVersion`)
        t.ok(rec.state.ociVersion.length > 0, `${k}: state.ociVersion is not empty`)
        t.equal(rec.state.id, id, `${k}: state.id`)
        t.equal(rec.state.bundle, dir, `${k}: state.bundle`)
        t.same(rec.state.annotations, ANNOTATIONS, `${k}: state.annotations`)
        if (strict) {
          t.equal(rec.state.status, STATUS[k], `${k}: state.status ${STATUS[k]}`)
          if (k !== 'poststop') {
            t.ok(Number.isInteger(rec.state.pid) && rec.state.pid > 1, `${k}: state.pid (the host's view)`)
            pids.add(rec.state.pid)
          }
        }
        const inContainer = k === 'createContainer' || k === 'startContainer'
        t.equal(rec.mnt, inContainer ? ctrMnt : HOST_MNT,
          `${k}: runs in the ${inContainer ? 'container\'s' : 'runtime\'s (host\'s)'} mount namespace`)
        if (['prestart', 'createRuntime', 'poststart'].includes(k)) {
          t.equal(rec.initmnt, ctrMnt, `${k}: state.pid is the container's process`)
        }
      }
      if (strict) t.equal(pids.size, 1, 'the same pid in every state that has one')
      // (PWD: the cwd hooks run in is checked on its own, below.)
      results[rt] = records.map((x) => ({
        kind: x.kind,
        args: x.args,
        mntIsHost: x.mnt === HOST_MNT,
        env: Object.fromEntries(Object.entries(x.env).filter(([n]) => n.startsWith('HOOK_') || n === 'PATH')),
        state: x.state && Object.keys(x.state).sort(),
      })).sort((a, b) => a.kind.localeCompare(b.kind))
      t.same(await check(), [])
    })
  }
  if (results.runc) t.same(results.tsrun, results.runc, 'each kind: same args, env, namespace and state fields as with runc')
})

t.test('several hooks of a kind run in the order given', async (t) => {
  if (!needsRoot(t)) return
  const { dir, log } = hookBundle(t, {
    hooks: (h) => ({
      createRuntime: [h('createRuntime'), { ...h('createRuntime'), env: [...h('createRuntime').env, 'HOOK_N=2'] }],
      poststart: [h('poststart'), { ...h('poststart'), env: [...h('poststart').env, 'HOOK_N=2'] }],
    }),
  })
  const root = stateRoot(t)
  const id = uniqueId('hooks-many')
  const check = cleanup(t, { root, id, bundle: dir })
  const r = await tsrun(['--root', root, 'run', '--bundle', dir, id])
  t.equal(r.code, 0, r.stderr)
  t.same(readLog(log).map((x) => `${x.kind}${x.env.HOOK_N ?? '1'}`), ['createRuntime1', 'createRuntime2', 'poststart1', 'poststart2'])
  t.same(await check(), [])
})

t.test('hooks run in the bundle directory, as with runc', async (t) => {
  if (!needsRoot(t)) return
  // The runtime spec leaves a hook's working directory open; runc runs its
  // own (and so the runtime's hooks) in the bundle, createContainer in the
  // rootfs (before pivot_root) and startContainer in the container's /.
  // Hooks written for runc may use relative paths: tsrun should agree.
  const cwds = {}
  for (const rt of runtimes(t)) {
    await t.test(rt, async (t) => {
      const { dir, log } = hookBundle(t, { hooks: (h) => Object.fromEntries(KINDS.map((k) => [k, [h(k)]])) })
      const root = stateRoot(t)
      const id = uniqueId(`hooks-cwd-${rt}`)
      const check = cleanup(t, { root, id, bundle: dir, runtime: rt })
      // Run from elsewhere: the runtime's own cwd must not matter.
      const r = await exec(rt, ['--root', root, 'run', '--bundle', dir, id], { cwd: '/' })
      t.equal(r.code, 0, `${rt} run: ${r.stderr}`)
      const got = Object.fromEntries(readLog(log).map((x) => [x.kind, x.cwd.replace(dir, '<bundle>')]))
      cwds[rt] = got
      for (const k of ['prestart', 'createRuntime', 'poststart', 'poststop']) {
        t.equal(got[k], '<bundle>', `${k} runs in the bundle`)
      }
      t.same(await check(), [])
    })
  }
  if (cwds.runc) t.same(cwds.tsrun, cwds.runc, 'every kind in the same directory as with runc')
})

// ---------------------------------------------------------------- failures

/** `create` that must fail; returns { r, check } after asserting nothing is left. */
async function failingCreate(t, rt, dir) {
  const root = stateRoot(t)
  const id = uniqueId(`hooks-fail-${rt}`)
  const check = cleanup(t, { root, id, bundle: dir, runtime: rt })
  const started = Date.now()
  const r = await exec(rt, ['--root', root, 'create', '--bundle', dir, id], { timeout: 60_000 })
  return { r, check, id, root, elapsed: Date.now() - started }
}

/** Live (not zombie) host processes whose command line is exactly argv. */
function processesRunning(argv) {
  const want = `${argv.join('\0')}\0`
  const found = []
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    try {
      if (readFileSync(`/proc/${name}/cmdline`, 'latin1') !== want) continue
      if (/^State:\s+[ZX]/m.test(readFileSync(`/proc/${name}/status`, 'utf8'))) continue
      found.push(Number(name))
    } catch {}
  }
  return found
}

for (const kind of ['prestart', 'createRuntime', 'createContainer']) {
  t.test(`a ${kind} hook that outlives its timeout fails create and leaves nothing`, async (t) => {
    if (!needsRoot(t)) return
    for (const rt of runtimes(t)) {
      await t.test(rt, async (t) => {
        // A sleep of a unique length: the hook process, found from the host.
        const sleep = String(100_000 + randomInt(800_000))
        const { dir, log } = hookBundle(t, {
          args: ['sleep', '100'],
          hooks: (h) => ({ [kind]: [h(kind, { action: 'hang', timeout: 1, sleep })] }),
        })
        const { r, check, elapsed } = await failingCreate(t, rt, dir)
        t.not(r.code, 0, `${rt} create fails`)
        t.ok(elapsed < 30_000, `it gives up after the timeout, not the hook's sleep (${elapsed}ms)`)
        if (rt === 'tsrun') {
          t.match(r.stderr, new RegExp(`hooks\\.${kind}\\[0\\]`), 'the error names the hook')
          t.match(r.stderr, /timed out/, 'and says it timed out')
        }
        t.same(readLog(log).map((x) => x.kind), [kind], 'the hook ran')
        let left = processesRunning(['sleep', sleep])
        for (let i = 0; i < 40 && left.length; i++) {
          await new Promise((resolve) => setTimeout(resolve, 50))
          left = processesRunning(['sleep', sleep])
        }
        t.same(left, [], 'the hook was killed')
        for (const pid of left) try { process.kill(pid, 'SIGKILL') } catch {}
        t.same(await check(), [], 'nothing left')
      })
    }
  })
}

t.test('a failing createRuntime hook fails create and leaves nothing', async (t) => {
  if (!needsRoot(t)) return
  for (const rt of runtimes(t)) {
    await t.test(rt, async (t) => {
      const { dir, log } = hookBundle(t, {
        args: ['sleep', '100'],
        hooks: (h) => ({
          createRuntime: [h('createRuntime', { action: 'fail' })],
          createContainer: [h('createContainer')],
        }),
      })
      const { r, check } = await failingCreate(t, rt, dir)
      t.not(r.code, 0, `${rt} create fails`)
      if (rt === 'tsrun') {
        t.match(r.stderr, /hooks\.createRuntime\[0\]/, 'the error names the hook')
        t.match(r.stderr, /exit status 3/, 'and how it failed')
      }
      t.same(readLog(log).map((x) => x.kind), ['createRuntime'], 'the later hooks did not run')
      t.same(await check(), [], 'nothing left')
    })
  }
})

t.test('a failing poststart hook only warns: the other hooks and the container go on', async (t) => {
  if (!needsRoot(t)) return
  // runtime-spec 1.0.2 (the version tsrun writes), lifecycle step 9: "If any
  // poststart hook fails, the runtime MUST log a warning, but the remaining
  // hooks and lifecycle continue as if the hook had succeeded." (runc 1.1
  // fails `start` instead: no runc comparison.)
  const { dir, log } = hookBundle(t, {
    args: ['sh', '-c', 'sleep 0.5; echo program-ran'],
    hooks: (h) => ({
      poststart: [h('poststart', { action: 'fail' }), { ...h('poststart'), env: [...h('poststart').env, 'HOOK_N=2'] }],
      poststop: [h('poststop')],
    }),
  })
  const root = stateRoot(t)
  const id = uniqueId('hooks-poststart')
  const check = cleanup(t, { root, id, bundle: dir })
  const r = await tsrun(['--root', root, 'run', '--bundle', dir, id])
  t.equal(r.code, 0, `tsrun run exits with the program's status: ${r.stderr}`)
  t.equal(r.stdout, 'program-ran\n', 'the program ran to its end')
  t.match(r.stderr, /level=warning msg="[^"]*hooks\.poststart\[0\]/, 'a warning names the failed hook')
  t.notMatch(r.stderr, /level=error/, 'no error')
  const kinds = readLog(log).map((x) => `${x.kind}${x.env.HOOK_N ?? ''}`)
  t.ok(kinds.includes('poststart2'), `the second poststart hook still ran (ran: ${kinds.join(', ')})`)
  t.ok(kinds.includes('poststop'), 'poststop ran')
  t.same(await check(), [])
})

t.test('a hook path that does not exist: an error naming it, nothing left', async (t) => {
  if (!needsRoot(t)) return
  for (const rt of runtimes(t)) {
    await t.test(rt, async (t) => {
      const { dir, log } = hookBundle(t, {
        hooks: (h) => ({
          prestart: [h('prestart', { path: '/nonexistent/tsrun-hook' })],
          createRuntime: [h('createRuntime')],
        }),
      })
      const { r, check } = await failingCreate(t, rt, dir)
      t.not(r.code, 0, `${rt} create fails`)
      if (rt === 'tsrun') {
        t.match(r.stderr, /hooks\.prestart\[0\]\.path/, 'the error names the field')
        t.match(r.stderr, /\/nonexistent\/tsrun-hook/, 'and the path')
      }
      t.same(readLog(log), [], 'no hook ran')
      t.same(await check(), [], 'nothing left')
    })
  }
})
