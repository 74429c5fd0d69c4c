#!/usr/bin/env node
// tsrun start-latency benchmark: how long it takes to run `/bin/true` in a
// fresh container, for runc, crun, the tsrun CLI and the tsrun library,
// measured side by side in one run.
//
//   node bench/start-latency.mjs [--runs N] [--warmup W] [--json FILE] [--skip KEY,...]
//
// --skip leaves out rows by key (tsrun, tsrun-noca, lib, node, node-noca,
// kernel, floor), e.g. while the CLI is being written; runc and crun always run.
//
// Exit status: 0 when every contender ran (targets are reported, a MISS does
// not fail), 1 when a contender failed or is not built, 2 on bad usage.
//
// Design: contenders are interleaved round-robin, one run of each per round
// (starting at a different contender each round), so slow drift of the host
// (page cache, CPU frequency, other engineers' builds on these 2 cores) hits
// every contender alike instead of whichever happened to run last. The
// library runs in ONE worker process (bench/lib-worker.mjs), forked once and
// driven over IPC one iteration per round: its numbers come from a warm
// process, yet are taken in the same time window as the CLI rows. The worker
// sits idle while the other contenders run, so it does not disturb them.
//
// Process rows are wall time spawn → exit as seen by spawnSync, so they include
// this process forking the child (~1.3 ms here for /bin/true); the library row
// is timed in-process (performance.now) and has no such cost.

import { spawnSync, fork } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs'
import { tmpdir, release, cpus } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { makeBundle } from '../scripts/make-bundle.mjs'

const REPO = fileURLToPath(new URL('..', import.meta.url))
const TSRUN_BIN = join(REPO, 'bin', 'tsrun')
const TSRUN_LIB = join(REPO, 'dist', 'index.js')
const WORKER = fileURLToPath(new URL('lib-worker.mjs', import.meta.url))

// The project's targets (ratios of medians).
const TARGETS = [
  { key: 'lib', base: 'crun', max: 0.3, text: 'library create+start+wait+delete ≤ 0.3× crun run' },
  { key: 'tsrun-noca', base: 'runc', max: 1.0, text: 'tsrun run (CLI, NODE_EXTRA_CA_CERTS unset) ≤ 1.0× runc run' },
]

class BenchError extends Error {}

const { values: opt } = parseArgs({
  options: {
    runs: { type: 'string', default: '30' },
    warmup: { type: 'string', default: '3' },
    json: { type: 'string' },
    skip: { type: 'string', default: '' },
    help: { type: 'boolean', short: 'h' },
  },
})
if (opt.help) {
  process.stdout.write('usage: node bench/start-latency.mjs [--runs N] [--warmup W] [--json FILE] [--skip KEY,...]\n')
  process.exit(0)
}
const RUNS = Number(opt.runs)
const WARMUP = Number(opt.warmup)
if (!(Number.isInteger(RUNS) && RUNS > 0 && Number.isInteger(WARMUP) && WARMUP >= 0)) {
  process.stderr.write('start-latency: --runs must be a positive integer, --warmup a non-negative one\n')
  process.exit(2)
}

// NODE_EXTRA_CA_CERTS makes every Node start read and parse a CA bundle
// (~55 ms here); a container runtime has no use for it, so the CLI and
// `node -e 0` are measured both with the environment as given and without it.
const CA = process.env.NODE_EXTRA_CA_CERTS
const ENV_NOCA = { ...process.env }
delete ENV_NOCA.NODE_EXTRA_CA_CERTS

const tmp = mkdtempSync(join(tmpdir(), 'tsrun-bench-'))
const bundle = join(tmp, 'bundle')
// A private state root per runtime: no clash with anything else on the host,
// and cleanup only has to look there.
const roots = { runc: join(tmp, 'root-runc'), crun: join(tmp, 'root-crun'), tsrun: join(tmp, 'root-tsrun'), lib: join(tmp, 'root-lib') }
const idPrefix = `bench${process.pid}`
let seq = 0
const newId = (key) => `${idPrefix}-${key}-${seq++}`
const notes = [] // host changes and skipped rows, repeated in the summary and JSON
let worker = null
let interrupted = false

/** Run argv to completion, timing spawn → exit; throws with stderr unless it exits 0. */
function timeCommand(name, argv, { env = process.env, cwd = bundle } = {}) {
  const t0 = process.hrtime.bigint()
  const r = spawnSync(argv[0], argv.slice(1), { cwd, env, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' })
  const ms = Number(process.hrtime.bigint() - t0) / 1e6
  if (r.error || r.status !== 0) {
    const how = r.error ? r.error.message : r.signal ? `killed by ${r.signal}` : `exit status ${r.status}`
    throw new BenchError(`${name} failed (${how}): ${argv.join(' ')}\n${(r.stderr || '').trim()}`)
  }
  return ms
}

/**
 * bench/kernel-floor.c, compiled into the temp dir: the kernel work every
 * runtime needs on this host (its cgroups included), timed inside the
 * program. Null (with a note) where there is no C compiler.
 */
function buildKernelFloor() {
  const exe = join(tmp, 'kernel-floor')
  const r = spawnSync('cc', ['-O2', '-o', exe, fileURLToPath(new URL('kernel-floor.c', import.meta.url))], { encoding: 'utf8' })
  if (r.status === 0) return exe
  notes.push(`SKIPPED kernel floor row: cc failed: ${(r.error?.message ?? r.stderr).trim()}`)
  return null
}

function kernelFloor(exe) {
  const r = spawnSync(exe, [join(bundle, 'rootfs')], { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' })
  if (r.status !== 0) throw new BenchError(`kernel floor failed (${r.signal ?? r.status}): ${r.stderr.trim()}`)
  return Number(r.stdout)
}

/** The library worker, forked once; call(id) runs one timed iteration in it. */
function startWorker() {
  const child = fork(WORKER, ['--root', roots.lib, '--bundle', bundle], {
    env: ENV_NOCA, stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  })
  let pending = null
  const fail = (err) => { if (pending) { pending.reject(err); pending = null } }
  child.on('message', (m) => {
    if (!pending) return
    if (m.error) fail(new BenchError(`library create+start+wait+delete failed (${m.id}):\n${m.error}`))
    else { pending.resolve(m.ms); pending = null }
  })
  child.on('exit', (code, sig) => fail(new BenchError(`library worker exited (${sig ?? code}) mid-iteration`)))
  return {
    child,
    call: (id) => new Promise((resolve, reject) => { pending = { resolve, reject }; child.send({ id }) }),
  }
}

/**
 * crun 1.8 refuses a hybrid cgroup host whose cgroup2 mount still holds a
 * controller ("cgroups in hybrid mode not supported, drop all controllers
 * from cgroupv2"); here that is hugetlb, which no v1 hierarchy claimed at boot.
 * Mounting a v1 hugetlb hierarchy takes it off cgroup2. Only done if crun
 * actually fails that way.
 */
function ensureCrunWorks() {
  try {
    timeCommand('crun run (probe)', ['crun', '--root', roots.crun, 'run', newId('probe')])
    return
  } catch (e) {
    if (!/hybrid mode not supported/.test(e.message)) throw e
    if (spawnSync('mountpoint', ['-q', '/sys/fs/cgroup/hugetlb']).status === 0) {
      throw new BenchError(`crun refuses the hybrid cgroup host although /sys/fs/cgroup/hugetlb is mounted:\n${e.message}`)
    }
  }
  mkdirSync('/sys/fs/cgroup/hugetlb', { recursive: true })
  const m = spawnSync('mount', ['-t', 'cgroup', '-o', 'hugetlb', 'cgroup', '/sys/fs/cgroup/hugetlb'], { encoding: 'utf8' })
  if (m.status !== 0) throw new BenchError(`mounting a v1 hugetlb cgroup for crun failed: ${m.stderr.trim()}`)
  const note = 'HOST CHANGED: crun refused the hybrid cgroup host, so the hugetlb controller was moved off ' +
    'cgroup2 by mounting it at /sys/fs/cgroup/hugetlb (cgroup v1). This host setting stays after the benchmark.'
  notes.push(note)
  console.log(note)
  timeCommand('crun run (probe)', ['crun', '--root', roots.crun, 'run', newId('probe')])
}

function contenders() {
  const node = process.execPath
  const list = [
    { key: 'runc', name: 'runc run', run: (id) => timeCommand('runc run', ['runc', '--root', roots.runc, 'run', id]) },
    { key: 'crun', name: 'crun run', run: (id) => timeCommand('crun run', ['crun', '--root', roots.crun, 'run', id]) },
  ]
  if (existsSync(TSRUN_BIN)) {
    const cli = (env) => (id) => timeCommand('tsrun run', [node, TSRUN_BIN, '--root', roots.tsrun, 'run', id], { env })
    if (CA !== undefined) list.push({ key: 'tsrun', name: 'tsrun run (CLI, env as is)', run: cli(process.env) })
    list.push({ key: 'tsrun-noca', name: 'tsrun run (CLI, NODE_EXTRA_CA_CERTS unset)', run: cli(ENV_NOCA) })
  } else {
    notes.push(`SKIPPED tsrun CLI rows: ${TSRUN_BIN} does not exist (npm run build / the CLI is not written yet)`)
  }
  if (existsSync(TSRUN_LIB)) {
    // Forked on first use (the first warm-up round), and only if not skipped.
    list.push({ key: 'lib', name: 'library create+start+wait+delete (warm process)', run: (id) => (worker ??= startWorker()).call(id) })
  } else {
    notes.push(`SKIPPED library row: ${TSRUN_LIB} does not exist (run npm run build)`)
  }
  // References: Node's own start, and the bare kernel cost of the namespaces.
  if (CA !== undefined) list.push({ key: 'node', name: 'node -e 0 (env as is)', run: () => timeCommand('node -e 0', [node, '-e', '0']) })
  list.push({ key: 'node-noca', name: 'node -e 0 (NODE_EXTRA_CA_CERTS unset)', run: () => timeCommand('node -e 0', [node, '-e', '0'], { env: ENV_NOCA }) })
  list.push({
    key: 'kernel', name: 'bare kernel: unshare pid,mnt,uts,ipc,net + true',
    run: () => timeCommand('unshare', ['unshare', '--fork', '--pid', '--mount', '--uts', '--ipc', '--net', '--mount-proc', 'true']),
  })
  const floor = buildKernelFloor()
  if (floor) {
    list.push({
      key: 'floor', name: 'kernel floor: cgroups + namespaces + pivot_root + true (in-process)',
      run: () => kernelFloor(floor),
    })
  }
  const skip = new Set(opt.skip.split(',').filter(Boolean))
  for (const c of list) if (skip.has(c.key)) notes.push(`left out on request: ${c.name}`)
  return list.filter((c) => !skip.has(c.key) || c.key === 'runc' || c.key === 'crun').map((c) => ({ ...c, samples: [] }))
}

/** Percentile by linear interpolation between closest ranks. */
function pct(sorted, p) {
  const i = (sorted.length - 1) * p
  const lo = Math.floor(i)
  return sorted[lo] + (sorted[Math.min(lo + 1, sorted.length - 1)] - sorted[lo]) * (i - lo)
}

function summarize(list) {
  for (const c of list) {
    const s = [...c.samples].sort((a, b) => a - b)
    c.median = pct(s, 0.5)
    c.p10 = pct(s, 0.1)
    c.p90 = pct(s, 0.9)
  }
  const by = Object.fromEntries(list.map((c) => [c.key, c]))
  for (const c of list) {
    c.vsCrun = c.median / by.crun.median
    c.vsRunc = c.median / by.runc.median
  }
  return TARGETS.map((t) => {
    const c = by[t.key]
    const ratio = c ? c.median / by[t.base].median : null
    return { ...t, ratio, result: ratio === null ? 'NOT RUN' : ratio <= t.max ? 'PASS' : 'MISS' }
  })
}

function printReport(list, targets) {
  const f = (x, d = 2) => x.toFixed(d)
  const w = Math.max(...list.map((c) => c.name.length))
  const head = `${'contender'.padEnd(w)}  ${'median'.padStart(8)} ${'p10'.padStart(8)} ${'p90'.padStart(8)}  ${'×crun'.padStart(6)} ${'×runc'.padStart(6)}`
  console.log(`\n${head}\n${'-'.repeat(head.length)}`)
  for (const c of list) {
    console.log(`${c.name.padEnd(w)}  ${f(c.median).padStart(8)} ${f(c.p10).padStart(8)} ${f(c.p90).padStart(8)}  ${f(c.vsCrun).padStart(6)} ${f(c.vsRunc).padStart(6)}`)
  }
  console.log('(ms; medians over', RUNS, 'interleaved rounds; ratios are of medians)\n\nTargets:')
  for (const t of targets) {
    const got = t.ratio === null ? 'not run' : `${f(t.ratio)}×`
    console.log(`  ${t.result.padEnd(7)} ${t.text}: ${got}`)
  }
  if (notes.length) console.log('')
  for (const n of notes) console.log(`NOTE: ${n}`)
}

/** Force-delete whatever each runtime left in its private root, then drop the temp dir. */
async function cleanup() {
  if (worker) {
    // Disconnecting lets the worker finish (and delete) a container in flight.
    const exited = new Promise((resolve) => {
      if (worker.child.exitCode !== null || worker.child.signalCode !== null) resolve()
      else worker.child.once('exit', resolve)
    })
    if (worker.child.connected) worker.child.disconnect()
    const timer = setTimeout(() => worker.child.kill('SIGKILL'), 5000)
    await exited
    clearTimeout(timer)
  }
  // tsrun's state store is shared by the CLI and the library: either can delete.
  let tsrunDelete = null
  if (existsSync(TSRUN_LIB)) {
    const { Runtime } = await import(TSRUN_LIB)
    tsrunDelete = async (root, id) => (await new Runtime({ root }).load(id)).delete({ force: true })
  } else if (existsSync(TSRUN_BIN)) {
    tsrunDelete = async (root, id) => cliDelete([process.execPath, TSRUN_BIN], root, id)
  }
  const del = {
    runc: async (root, id) => cliDelete(['runc'], root, id),
    crun: async (root, id) => cliDelete(['crun'], root, id),
    tsrun: tsrunDelete,
    lib: tsrunDelete,
  }
  for (const [rt, root] of Object.entries(roots)) {
    if (!existsSync(root) || !del[rt]) continue
    for (const e of readdirSync(root, { withFileTypes: true })) {
      if (!e.isDirectory()) continue // runc, crun and tsrun keep one directory per container id
      try {
        await del[rt](root, e.name)
      } catch (err) {
        console.error(`cleanup: ${rt}: delete -f ${e.name}: ${err.message}`)
      }
    }
  }
  rmSync(tmp, { recursive: true, force: true })
}

function cliDelete([cmd, ...pre], root, id) {
  const r = spawnSync(cmd, [...pre, '--root', root, 'delete', '-f', id], { env: ENV_NOCA, encoding: 'utf8' })
  if (r.status !== 0) throw new Error((r.stderr || `exit status ${r.status}`).trim())
}

async function main() {
  makeBundle(bundle, { args: ['/bin/true'] })
  ensureCrunWorks()
  const list = contenders()
  console.log(`start-latency: ${list.length} contenders, ${WARMUP} warm-up + ${RUNS} measured rounds, ` +
    `node ${process.version}, kernel ${release()}, ${cpus().length} CPUs`)

  for (let round = -WARMUP; round < RUNS; round++) {
    const start = ((round % list.length) + list.length) % list.length
    for (let k = 0; k < list.length; k++) {
      if (interrupted) throw new BenchError('interrupted')
      const c = list[(start + k) % list.length]
      const ms = await c.run(newId(c.key))
      if (round >= 0) c.samples.push(ms)
    }
    if (round >= 0 && (round + 1) % 10 === 0) process.stderr.write(`  round ${round + 1}/${RUNS}\n`)
  }

  const targets = summarize(list)
  printReport(list, targets)
  if (opt.json) {
    const out = {
      date: new Date().toISOString(),
      runs: RUNS, warmup: WARMUP, node: process.version, kernel: release(), cpus: cpus().length,
      nodeExtraCaCerts: CA ?? null, notes,
      contenders: list.map(({ key, name, samples, median, p10, p90, vsCrun, vsRunc }) =>
        ({ key, name, median, p10, p90, vsCrun, vsRunc, samples })),
      targets: targets.map(({ key, base, max, text, ratio, result }) => ({ key, base, max, text, ratio, result })),
    }
    writeFileSync(opt.json, JSON.stringify(out, null, 2) + '\n')
    console.log(`\nwrote ${opt.json}`)
  }
  // A benchmark reports; only a contender that could not run is an error.
  return notes.some((n) => n.startsWith('SKIPPED')) ? 1 : 0
}

// On Ctrl-C the children (same process group) die too; the round loop then
// stops and the finally below still removes containers and the temp dir.
process.on('SIGINT', () => { interrupted = true })
try {
  process.exitCode = await main()
} catch (e) {
  process.stderr.write(`start-latency: ${e instanceof BenchError ? e.message : e?.stack ?? e}\n`)
  process.exitCode = 1
} finally {
  await cleanup()
}
