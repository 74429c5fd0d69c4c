// Helpers for tap tests that run real containers (with tsrun, runc or crun).
//
//   import t from 'tap'
//   import { needsRoot, bundle, stateRoot, uniqueId, tsrun, cleanup } from './helpers/env.mjs'
//
//   t.test('echo', async t => {
//     if (!needsRoot(t)) return
//     const root = stateRoot(t)
//     const dir = bundle(t, { args: ['echo', 'hello'] })
//     const id = uniqueId('echo')
//     const check = cleanup(t, { root, ids: [id], bundle: dir })
//     const r = await tsrun(['--root', root, 'run', '--bundle', dir, id])
//     t.equal(r.stdout, 'hello\n')
//     t.same(await check(), [], 'nothing left behind')
//   })
//
// needsRoot(t) / needsCommand(t, ...) skip the test they are given through
// t.plan(0, reason): call them before any assertion or subtest and return at
// once when they answer false. For a whole group of subtests, prefer
// `t.test(name, { skip: skipUnless({ root: true }) }, fn)`.
//
// Everything made through these helpers is undone in one t.teardown per test,
// in a safe order (containers deleted, leftovers checked, stray mounts under
// our own temp dirs detached, then the temp dirs removed), also when the test
// fails or throws. Nothing outside what the test itself made is touched.

import { spawn, execFileSync } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import {
  chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync,
  realpathSync, renameSync, rmSync, rmdirSync, statSync, writeFileSync, lstatSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { delimiter, dirname, join, resolve, isAbsolute, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  makeBundle, makeRootfs, findBusybox, ROOTFS_VERSION,
} from '../../scripts/make-bundle.mjs'

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
export const TSRUN_BIN = join(REPO, 'bin', 'tsrun')
export const isRoot = typeof process.getuid === 'function' && process.getuid() === 0

/** Base for every temp dir the helpers make ($TSRUN_TEST_TMPDIR or os.tmpdir()). */
export const TMP = process.env.TSRUN_TEST_TMPDIR || tmpdir()

const DEFAULT_TIMEOUT = 60_000

// ---------------------------------------------------------------- skipping

/** Absolute path of an executable in $PATH (plus the sbin dirs), or null. */
export function which(cmd) {
  if (cmd.includes('/')) return isExecutable(cmd) ? cmd : null
  const dirs = (process.env.PATH || '').split(delimiter)
    .concat(['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'])
  for (const d of dirs) {
    if (d && isExecutable(join(d, cmd))) return join(d, cmd)
  }
  return null
}

function isExecutable(p) {
  try {
    const st = statSync(p)
    return st.isFile() && (st.mode & 0o111) !== 0
  } catch {
    return false
  }
}

function skip(t, reason) {
  t.comment(`skipping: ${reason}`)
  t.plan(0, reason)
  return false
}

/**
 * Skip the test (or, on the top-level `t`, the whole file) unless running as
 * root. Call it first, before any assertion: `if (!needsRoot(t)) return`.
 */
export function needsRoot(t) {
  if (isRoot) return true
  return skip(t, 'needs root (run the tests as root)')
}

/** Skip unless every command is installed: `if (!needsCommand(t, 'runc')) return`. */
export function needsCommand(t, ...cmds) {
  const missing = cmds.flat().filter((c) => !which(c))
  if (missing.length === 0) return true
  return skip(t, `needs ${missing.join(', ')} (not installed)`)
}

/**
 * For tap's skip option: false when the test can run, else the reason.
 *   t.test('x', { skip: skipUnless({ root: true, commands: ['runc'] }) }, async t => ...)
 */
export function skipUnless({ root = false, commands = [], tsrun: wantTsrun = false } = {}) {
  if (root && !isRoot) return 'needs root (run the tests as root)'
  const missing = commands.filter((c) => !which(c))
  if (missing.length) return `needs ${missing.join(', ')} (not installed)`
  if (wantTsrun && !existsSync(TSRUN_BIN)) return `needs ${TSRUN_BIN}`
  return false
}

/** Skip unless bin/tsrun exists (the CLI is being written in parallel). */
export function needsTsrun(t) {
  if (existsSync(TSRUN_BIN)) return true
  return skip(t, `needs ${TSRUN_BIN}`)
}

// ---------------------------------------------------------------- ids, dirs

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/** Polls fn until it returns something truthy (returned) or timeout ms pass (undefined). */
export async function waitFor(fn, timeout = 10_000, every = 100) {
  const end = Date.now() + timeout
  for (;;) {
    const v = await fn()
    if (v) return v
    if (Date.now() > end) return undefined
    await sleep(every)
  }
}

let idCounter = 0

/** A container id unique to this process and call: PREFIX-PID-N-RAND. */
export function uniqueId(prefix = 'tsrun-test') {
  const clean = String(prefix).replace(/[^\w.+-]/g, '-')
  return `${clean}-${process.pid}-${++idCounter}-${randomBytes(3).toString('hex')}`
}

/** A fresh temp dir (mode 0755) removed (safely) at teardown. */
export function tempDir(t, prefix = 'tsrun-test-') {
  const dir = realpathSync(mkdtempSync(join(TMP, prefix)))
  chmodSync(dir, 0o755)
  ctx(t).dirs.push(dir)
  return dir
}

/** A fresh, empty state root (--root) for this test, removed at teardown. */
export function stateRoot(t) {
  const dir = tempDir(t, 'tsrun-root-')
  chmodSync(dir, 0o700)
  return dir
}

// ---------------------------------------------------------------- rootfs, bundles

let sharedRootfsPath = null

/**
 * The busybox rootfs shared by all bundles of the test run, built once and
 * then reused read-only (bundles point root.path at it). It lives in
 * TMP/tsrun-test-rootfs/<key>/rootfs, where key hashes the busybox binary and
 * the rootfs layout version, so parallel test files and later runs agree on
 * it; it is built in a private temp dir and renamed into place atomically.
 */
export function sharedRootfs() {
  if (sharedRootfsPath && validRootfs(sharedRootfsPath)) return sharedRootfsPath
  const busybox = findBusybox()
  const h = createHash('sha256')
  h.update(`v${ROOTFS_VERSION}\n`)
  h.update(readFileSync(busybox))
  const key = h.digest('hex').slice(0, 16)
  const base = process.env.TSRUN_TEST_CACHE || join(TMP, 'tsrun-test-rootfs')
  mkdirSync(base, { recursive: true, mode: 0o755 })
  const final = join(base, key)
  const rootfs = join(final, 'rootfs')
  if (validRootfs(rootfs)) return (sharedRootfsPath = rootfs)
  if (existsSync(final)) {
    // Incomplete or damaged (should not happen: it is renamed into place
    // complete). Move it aside rather than deleting under someone's feet.
    try { renameSync(final, `${final}.bad-${process.pid}-${Date.now()}`) } catch {}
  }
  const tmp = mkdtempSync(join(base, `.build-${key}-`))
  chmodSync(tmp, 0o755)
  makeRootfs(join(tmp, 'rootfs'), { busybox })
  writeFileSync(join(tmp, 'complete'), `${busybox}\n`)
  try {
    renameSync(tmp, final)
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true })
    if (!validRootfs(rootfs)) throw e
  }
  return (sharedRootfsPath = rootfs)
}

function validRootfs(rootfs) {
  try {
    return existsSync(join(dirname(rootfs), 'complete')) &&
      statSync(join(rootfs, 'bin', 'busybox')).size > 0 &&
      lstatSync(join(rootfs, 'bin', 'sh')).isSymbolicLink() &&
      statSync(join(rootfs, 'proc')).isDirectory()
  } catch {
    return false
  }
}

function needsPrivateRootfs(spec, rootfs) {
  if (spec.root?.readonly !== true) return true
  // A runtime creates missing mount points inside the rootfs: keep the
  // shared one pristine. Mount points inside an earlier mount (/dev/pts in
  // the /dev tmpfs) are created there, not in the rootfs.
  const earlier = []
  for (const m of spec.mounts || []) {
    if (typeof m.destination !== 'string') continue
    const dest = resolve('/', m.destination)
    const inMount = earlier.some((e) => e === '/' || dest.startsWith(`${e}/`))
    if (!inMount && !existsSync(join(rootfs, dest))) return true
    earlier.push(dest)
  }
  return false
}

/**
 * A fresh bundle dir (unique temp dir, removed at teardown) with config.json
 * as `runc spec` writes it, terminal false, `args` (default ["sh"]), then
 * `mutate(spec)`. root.path is the absolute shared rootfs, unless
 * `privateRootfs: true`, or the mutated spec is not read-only or mounts onto
 * a path missing from the rootfs: then the bundle gets its own rootfs copy
 * (root.path "rootfs"). Returns the bundle path.
 */
export function bundle(t, { args = ['sh'], mutate, hostname, privateRootfs = false } = {}) {
  const dir = tempDir(t, 'tsrun-bundle-')
  const shared = sharedRootfs()
  let spec
  makeBundle(dir, {
    args,
    hostname,
    rootfs: shared,
    mutate(s) {
      const r = mutate ? mutate(s) : undefined
      spec = r && typeof r === 'object' ? r : s
      if (privateRootfs || needsPrivateRootfs(spec, shared)) {
        makeRootfs(join(dir, 'rootfs'))
        if (spec.root.path === shared) spec.root.path = 'rootfs'
      }
      return spec
    },
  })
  return dir
}

/** Read a bundle's config.json. */
export function readSpec(dir) {
  return JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'))
}

/** Rewrite a bundle's config.json through fn(spec). */
export function editSpec(dir, fn) {
  const spec = readSpec(dir)
  const r = fn(spec)
  writeFileSync(join(dir, 'config.json'), JSON.stringify(r && typeof r === 'object' ? r : spec, null, '\t'))
}

// ---------------------------------------------------------------- running commands

/**
 * Start a command. Returns { child, done } where done resolves to
 * { code, signal, stdout, stderr, timedOut, pid }.
 * opts: input (string|Buffer written to stdin, then EOF; stdin gets EOF at
 * once when absent), timeout ms (default 60000; the child's process group is
 * SIGKILLed then; 0 = none), env (merged over process.env), cwd, stdio
 * (override, e.g. 'ignore' for detached containers), drain ms: how long to
 * wait for stdout/stderr to close after the child exited (a detached
 * container may keep them open; default 500).
 */
export function spawnCommand(cmd, args = [], opts = {}) {
  const {
    input, timeout = DEFAULT_TIMEOUT, env, cwd, stdio, drain = 500,
  } = opts
  const child = spawn(cmd, args, {
    cwd,
    env: env ? { ...process.env, ...env } : process.env,
    stdio: stdio ?? ['pipe', 'pipe', 'pipe'],
    detached: true, // own process group, so a timeout can kill all of it
  })
  const done = new Promise((resolveDone, reject) => {
    const out = []
    const err = []
    let timedOut = false
    let finished = false
    let exitInfo = null
    let timer = null
    let drainTimer = null

    const finish = () => {
      if (finished) return
      finished = true
      clearTimeout(timer)
      clearTimeout(drainTimer)
      child.stdout?.destroy()
      child.stderr?.destroy()
      resolveDone({
        code: exitInfo ? exitInfo.code : null,
        signal: exitInfo ? exitInfo.signal : null,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        timedOut,
        pid: child.pid,
      })
    }

    child.stdout?.on('data', (d) => out.push(d))
    child.stderr?.on('data', (d) => err.push(d))
    child.on('error', (e) => {
      if (finished) return
      finished = true
      clearTimeout(timer)
      reject(e)
    })
    child.on('exit', (code, signal) => {
      exitInfo = { code, signal }
      drainTimer = setTimeout(finish, drain)
    })
    child.on('close', (code, signal) => {
      exitInfo = exitInfo ?? { code, signal }
      finish()
    })
    if (timeout > 0) {
      timer = setTimeout(() => {
        timedOut = true
        try { process.kill(-child.pid, 'SIGKILL') } catch {
          try { child.kill('SIGKILL') } catch {}
        }
      }, timeout)
    }
  })
  if (child.stdin) {
    child.stdin.on('error', () => {}) // EPIPE when the child does not read
    if (input !== undefined && input !== null) child.stdin.end(input)
    else child.stdin.end()
  }
  return { child, done }
}

/** Run a command to completion: { code, signal, stdout, stderr, timedOut, pid }. */
export function run(cmd, args = [], opts = {}) {
  return spawnCommand(cmd, args, opts).done
}

/** `node bin/tsrun ...args` (see spawnCommand for opts). */
export function tsrun(args = [], opts = {}) {
  return run(process.execPath, [TSRUN_BIN, ...args], opts)
}

/** Start `node bin/tsrun ...args` without waiting: { child, done }. */
export function spawnTsrun(args = [], opts = {}) {
  return spawnCommand(process.execPath, [TSRUN_BIN, ...args], opts)
}

/**
 * The environment for a node process (tsrun) that prints "LOADED NEEDLE" on
 * stderr as it exits if it has required a module whose path contains
 * `needle`: to check what a command loads.
 */
export function requireProbe(t, needle) {
  const hook = join(tempDir(t), 'require-probe.cjs')
  writeFileSync(hook, `process.on('exit', () => {
  if (Object.keys(require.cache).some((f) => f.includes(${JSON.stringify(needle)}))) process.stderr.write(${JSON.stringify(`LOADED ${needle}
`)})
})
`)
  return { NODE_OPTIONS: `--require ${hook}` }
}

/** `runc ...args`. */
export function runc(args = [], opts = {}) {
  return run(which('runc') || 'runc', args, opts)
}

export const NO_RUNC = 'runc is not installed: the runc comparison is skipped'

/**
 * `tsrun run`, then (when runc is installed and `compare`) `runc run`, on one
 * bundle, each with its own state root and id: { ts, rc, check }, where rc is
 * null without runc and check() lists what either left behind.
 */
export async function runWithBoth(t, dir, { prefix = 'both', compare = true } = {}) {
  const root = stateRoot(t)
  const id = uniqueId(prefix)
  const checkTs = cleanup(t, { root, id, bundle: dir })
  const ts = await tsrun(['--root', root, 'run', '--bundle', dir, id])
  let rc = null
  let checkRc = async () => []
  if (compare && which('runc')) {
    const rroot = stateRoot(t)
    const rid = uniqueId(`${prefix}-runc`)
    checkRc = cleanup(t, { root: rroot, id: rid, runtime: 'runc', bundle: dir })
    rc = await runc(['--root', rroot, 'run', '--bundle', dir, rid])
  } else if (compare) {
    t.comment(NO_RUNC)
  }
  return { ts, rc, check: async () => [...await checkTs(), ...await checkRc()] }
}

/** `crun ...args`. */
export function crun(args = [], opts = {}) {
  return run(which('crun') || 'crun', args, opts)
}

const runtimes = {
  tsrun: (args, opts) => tsrun(args, opts),
  runc: (args, opts) => runc(args, opts),
  crun: (args, opts) => crun(args, opts),
}

/** 'tsrun' | 'runc' | 'crun' | a function (args, opts) => Promise<{ code, stdout, stderr }>. */
function runtimeFn(runtime) {
  if (typeof runtime === 'function') return runtime
  const fn = runtimes[runtime]
  if (!fn) throw new Error(`unknown runtime ${runtime}`)
  return fn
}

// ---------------------------------------------------------------- leftovers

function unescapeMountPath(s) {
  return s.replace(/\\([0-7]{3})/g, (_, o) => String.fromCharCode(parseInt(o, 8)))
}

/** Mounts of this process's mount namespace: [{ id, parent, mountPoint, fstype, source }]. */
export function mounts() {
  const text = readFileSync('/proc/self/mountinfo', 'utf8')
  const list = []
  for (const line of text.split('\n')) {
    if (!line) continue
    const [pre, post = ''] = line.split(' - ')
    const f = pre.split(' ')
    const g = post.split(' ')
    list.push({
      id: Number(f[0]),
      parent: Number(f[1]),
      mountPoint: unescapeMountPath(f[4]),
      fstype: g[0],
      source: unescapeMountPath(g[1] ?? ''),
    })
  }
  return list
}

function canonical(p) {
  try { return realpathSync(p) } catch { return resolve(p) }
}

function isUnder(path, dir) {
  return path === dir || path.startsWith(dir.endsWith(sep) ? dir : dir + sep)
}

/** Mounts at or under `dir` (deepest first). */
export function mountsUnder(dir) {
  const d = canonical(dir)
  return mounts().filter((m) => isUnder(m.mountPoint, d))
    .sort((a, b) => b.mountPoint.length - a.mountPoint.length || b.id - a.id)
}

function listFiles(dir) {
  const found = []
  const walk = (d) => {
    let entries
    try { entries = readdirSync(d, { withFileTypes: true }) } catch { return }
    for (const e of entries) {
      const p = join(d, e.name)
      found.push(p)
      if (e.isDirectory()) walk(p)
    }
  }
  walk(dir)
  return found
}

function procStat(pid) {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const close = s.lastIndexOf(')')
    const comm = s.slice(s.indexOf('(') + 1, close)
    const rest = s.slice(close + 2).split(' ')
    return { pid, comm, state: rest[0], starttime: rest[19] }
  } catch {
    return null
  }
}

/** { pid, starttime } of a running process (to recognise it later), or null. */
export function processIdentity(pid) {
  const st = procStat(pid)
  return st ? { pid, starttime: st.starttime } : null
}

function normPid(p) {
  if (typeof p === 'number' || typeof p === 'string') return { pid: Number(p), starttime: undefined }
  return { pid: Number(p.pid), starttime: p.starttime }
}

function liveProcess(p) {
  const { pid, starttime } = normPid(p)
  if (!Number.isInteger(pid) || pid <= 0) return null
  const st = procStat(pid)
  if (!st || st.state === 'Z' || st.state === 'X') return null
  if (starttime !== undefined && st.starttime !== starttime) return null // pid reused
  return st
}

const CGROUP_ROOT = '/sys/fs/cgroup'

/** cgroup dirs under /sys/fs/cgroup whose name contains one of `ids`. */
export function cgroupsMatching(ids, { maxDepth = 7, maxDirs = 50_000 } = {}) {
  const want = ids.filter(Boolean).map(String)
  if (want.length === 0) return []
  const found = []
  let visited = 0
  const walk = (d, depth) => {
    if (depth > maxDepth || visited > maxDirs) return
    let entries
    try { entries = readdirSync(d, { withFileTypes: true }) } catch { return }
    for (const e of entries) {
      if (!e.isDirectory()) continue
      visited++
      const p = join(d, e.name)
      if (want.some((id) => e.name.includes(id))) found.push(p)
      walk(p, depth + 1)
    }
  }
  walk(CGROUP_ROOT, 0)
  return found
}

/**
 * What a container run left behind, as readable strings (empty = clean):
 *  - "mount: PATH (TYPE)" for mounts at/under `bundle` or `root` (and under an
 *    absolute root.path of the bundle's config.json),
 *  - "file: PATH" for anything inside the state root `root`,
 *  - "process: PID (COMM)" for live processes among `pids` (numbers or
 *    { pid, starttime }),
 *  - "cgroup: PATH" for cgroups under /sys/fs/cgroup whose name contains one
 *    of the container ids (`id` / `ids`).
 */
export async function leftovers({ root, bundle: bundleDir, bundles = [], pids = [], id, ids = [] } = {}) {
  const found = []
  const dirs = []
  if (root) dirs.push(canonical(root))
  for (const b of [bundleDir, ...bundles].filter(Boolean)) {
    dirs.push(canonical(b))
    try {
      const p = readSpec(b).root?.path
      if (typeof p === 'string' && isAbsolute(p)) dirs.push(canonical(p))
    } catch {}
  }
  const seen = new Set()
  for (const m of mounts()) {
    if (dirs.some((d) => isUnder(m.mountPoint, d)) && !seen.has(m.id)) {
      seen.add(m.id)
      found.push(`mount: ${m.mountPoint} (${m.fstype})`)
    }
  }
  if (root) for (const f of listFiles(root)) found.push(`file: ${f}`)
  for (const p of pids) {
    const st = liveProcess(p)
    if (st) found.push(`process: ${st.pid} (${st.comm})`)
  }
  for (const c of cgroupsMatching([id, ...ids])) found.push(`cgroup: ${c}`)
  return found
}

// ---------------------------------------------------------------- teardown

const contexts = new WeakMap()

function ctx(t) {
  let c = contexts.get(t)
  if (c) return c
  c = { dirs: [], groups: [], tornDown: false }
  contexts.set(t, c)
  t.teardown(() => teardown(t, c))
  return c
}

/** OCI state (`RUNTIME --root R state ID`) of a container, or null. */
export async function containerState(runtime, root, id, opts = {}) {
  const r = await runtimeFn(runtime)(['--root', root, 'state', id], { timeout: 20_000, ...opts })
  if (r.code !== 0) return null
  try { return JSON.parse(r.stdout) } catch { return null }
}

async function forceDelete(group) {
  const errors = []
  const { runtime, root, ids } = group
  for (const id of ids) {
    // Remember the container's pid first, to check (and, as a last resort,
    // kill) it afterwards: it is a process this test made.
    const st = await containerState(runtime, root, id).catch(() => null)
    if (st && Number(st.pid) > 0) {
      const ident = processIdentity(Number(st.pid))
      if (ident && !group.pids.some((p) => normPid(p).pid === ident.pid)) group.pids.push(ident)
    }
    const r = await runtimeFn(runtime)(['--root', root, 'delete', '--force', id], { timeout: 30_000 })
      .catch((e) => ({ code: -1, stderr: String(e) }))
    if (r.code !== 0 && st) {
      const name = typeof runtime === 'function' ? 'runtime' : runtime
      errors.push(`${name} delete --force ${id} failed (${r.code}): ${String(r.stderr ?? '').trim()}`)
    }
  }
  return errors
}

async function checkGroup(group) {
  if (group.result) return group.result
  const errors = await forceDelete(group)
  const left = await leftovers({
    root: group.root, bundles: group.bundles, pids: group.pids, ids: group.ids,
  })
  group.result = [...errors, ...left]
  return group.result
}

/**
 * Register containers for teardown: each id is force-deleted with
 * `RUNTIME --root ROOT delete --force ID` (runtime 'tsrun' by default, or
 * 'runc'/'crun', or a function (args, opts) => Promise<{code, stdout,
 * stderr}> given the same CLI args, e.g. to go through the library), then
 * leftovers({root, bundle(s), pids, ids}) is checked.
 * Returns `check()`: do that now and resolve to the leftovers (use
 * `t.same(await check(), [])`). If the test did not call check() and
 * something is left at teardown, the file fails with a message on stderr.
 * Ids may be added later with check.add(id), pids with check.addPid(pid).
 */
export function cleanup(t, { root, ids = [], id, runtime = 'tsrun', bundle: b, bundles = [], pids = [] } = {}) {
  if (!root) throw new Error('cleanup(t, { root }) needs the state root')
  runtimeFn(runtime) // validates
  const group = {
    runtime,
    root,
    ids: [id, ...ids].filter(Boolean),
    bundles: [b, ...bundles].filter(Boolean),
    pids: pids.map((p) => (typeof p === 'object' ? p : processIdentity(Number(p)) ?? normPid(p))),
    result: null,
    checked: false,
  }
  ctx(t).groups.push(group)
  const check = async () => {
    group.result = null
    const r = await checkGroup(group)
    group.checked = true
    return r
  }
  check.add = (newId) => { group.ids.push(newId); group.result = null }
  check.addPid = (pid) => {
    group.pids.push(typeof pid === 'object' ? pid : processIdentity(Number(pid)) ?? normPid(pid))
    group.result = null
  }
  return check
}

function detachMount(path) {
  try {
    execFileSync('umount', ['-l', path], { stdio: ['ignore', 'ignore', 'pipe'] })
    return null
  } catch (e) {
    return `umount -l ${path}: ${String(e.stderr || e.message).trim()}`
  }
}

/**
 * Remove a dir made by these helpers, never crossing into mounts: mounts left
 * under it are lazily detached first (they can only come from this test),
 * and if any remain it is left in place and reported.
 */
export function removeTree(dir) {
  const problems = []
  if (!existsSync(dir)) return problems
  for (const m of mountsUnder(dir)) {
    const err = detachMount(m.mountPoint)
    if (err) problems.push(err)
  }
  const still = mountsUnder(dir)
  if (still.length) {
    problems.push(`not removing ${dir}: still mounted: ${still.map((m) => m.mountPoint).join(', ')}`)
    return problems
  }
  try {
    rmSync(dir, { recursive: true, force: true, maxRetries: 3 })
  } catch (e) {
    problems.push(`removing ${dir}: ${e.message}`)
  }
  return problems
}

async function teardown(t, c) {
  if (c.tornDown) return
  c.tornDown = true
  const report = []
  for (const g of c.groups) {
    let left
    try {
      left = await checkGroup(g)
    } catch (e) {
      left = [`cleanup error: ${e.stack || e}`]
    }
    if (left.length && !g.checked) report.push(...left)
    // Last resort, so the machine stays usable: kill processes this test's
    // containers left (recognised by pid + start time), remove their empty
    // cgroups (named with our unique ids).
    for (const p of g.pids) {
      const st = liveProcess(p)
      if (st && normPid(p).starttime !== undefined) {
        try { process.kill(st.pid, 'SIGKILL') } catch {}
      }
    }
    const cgs = cgroupsMatching(g.ids).sort((a, b) => b.length - a.length)
    for (const cg of cgs) {
      try { rmdirSync(cg) } catch {}
    }
  }
  // Our temp dirs, newest first; mounts left under them are detached first.
  for (const dir of [...c.dirs].reverse()) report.push(...removeTree(dir))
  if (report.length) {
    const name = t.fullname || t.name || 'test'
    process.stderr.write(`# tsrun test env: "${name}" left behind:\n${report.map((l) => `#   ${l}`).join('\n')}\n`)
    process.exitCode = 1
  }
}
