#!/usr/bin/env node
// How long the library holds its host's event loop: the longest single block
// (perf_hooks.monitorEventLoopDelay, 1 ms resolution) during each container
// operation, over create/start/exec/kill/delete cycles, a pause/resume and a
// forced delete of a paused container, and the delete of a cgroup that stays
// busy for a while (a process in it dies only after `--busy` ms). An engine
// that runs many containers in one Node process needs every one of them short.
//
//   node bench/event-loop.mjs [--cycles N] [--busy MS] [--json FILE]
//
// Needs root and a built tree (npm run build). test/event-loop.test.mjs runs
// the same measurements and asserts a generous bound on them.
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { monitorEventLoopDelay, performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { makeBundle } from '../scripts/make-bundle.mjs'

const REPO = fileURLToPath(new URL('..', import.meta.url))
const { Runtime } = await import(join(REPO, 'dist/index.js'))
const { cgroupManagerFor } = await import(join(REPO, 'dist/linux/cgroups/index.js'))

const histogram = monitorEventLoopDelay({ resolution: 1 })

/** Runs fn; resolves to its value and the longest event-loop block meanwhile (ms). */
export async function blocked(fn) {
  histogram.reset()
  histogram.enable()
  try {
    const value = await fn()
    // One more turn, so a block at the very end is sampled too.
    await new Promise((resolve) => setTimeout(resolve, 2))
    return { value, ms: histogram.max / 1e6 }
  } finally {
    histogram.disable()
  }
}

/** Keeps the longest block seen per operation. */
class Longest {
  ms = {}

  async time(op, fn) {
    const { value, ms } = await blocked(fn)
    this.ms[op] = Math.max(this.ms[op] ?? 0, ms)
    return value
  }
}

export const FIRST_CREATE = 'first create (loads the backend)'

/**
 * `cycles` times: create, start, exec (to its exit), kill (to the init's
 * exit), delete; then pause, resume, pause and delete --force. Container ids
 * are `${prefix}-N`; `track(id)` is told each before it is made (for cleanup).
 * Returns the longest block per operation, in ms.
 */
export async function lifecycleBlocks({ root, bundle, cycles, prefix, track = () => {} }) {
  const rt = new Runtime({ root, onWarning: () => {} })
  const longest = new Longest()
  for (let i = 0; i < cycles; i++) {
    const id = `${prefix}-${i}`
    track(id)
    // The first create loads the backend, its addon and the validator: a one-time cost, reported on its own.
    const c = await longest.time(i === 0 ? FIRST_CREATE : 'create', () => rt.create(id, bundle))
    await longest.time('start', () => c.start())
    await longest.time('exec', async () => (await c.exec({ args: ['true'], cwd: '/', env: ['PATH=/bin'], user: { uid: 0, gid: 0 } })).wait())
    await longest.time('kill', async () => { await c.kill('SIGKILL'); await c.wait() })
    await longest.time('delete', () => c.delete())
  }
  const id = `${prefix}-paused`
  track(id)
  const c = await rt.create(id, bundle)
  await c.start()
  await longest.time('pause', () => c.pause())
  await longest.time('resume', () => c.resume())
  await c.pause()
  await longest.time('delete --force (paused)', () => c.delete({ force: true }))
  return longest.ms
}

/**
 * The host's cgroup driver for a cgroup `name` at the top of each hierarchy,
 * to try a busy delete with (v1 and v2 remove cgroups through the same code,
 * lib/linux/cgroups/remove.ts).
 */
export function busyCgroupManager(name) {
  return cgroupManagerFor({ linux: { cgroupsPath: `/${name}` } }, name, false)
}

/**
 * Deletes a cgroup while a process in it lives on for `holdMs`: destroy()
 * waits for it. Returns the longest block, the time destroy took, and the pid.
 */
export async function busyDelete(manager, holdMs) {
  manager.create(undefined)
  const child = spawn('sleep', ['300'], { stdio: 'ignore' })
  try {
    await manager.enter(child.pid)
    const timer = setTimeout(() => child.kill('SIGKILL'), holdMs)
    const t0 = performance.now()
    try {
      const { ms } = await blocked(() => manager.destroy())
      return { ms, tookMs: performance.now() - t0 }
    } finally {
      clearTimeout(timer)
    }
  } finally {
    child.kill('SIGKILL')
  }
}

async function main() {
  const { values: opt } = parseArgs({
    options: { cycles: { type: 'string', default: '20' }, busy: { type: 'string', default: '500' }, json: { type: 'string' } },
  })
  if (process.getuid() !== 0) throw new Error('bench/event-loop.mjs needs root (containers and cgroups)')
  const tmp = mkdtempSync(join(tmpdir(), 'tsrun-bench-el-'))
  const root = join(tmp, 'state')
  const ids = []
  const rt = new Runtime({ root, onWarning: () => {} })
  try {
    const bundle = join(tmp, 'bundle')
    makeBundle(bundle, { args: ['sleep', '100'] })
    const result = await lifecycleBlocks({ root, bundle, cycles: Number(opt.cycles), prefix: `bench-el-${process.pid}`, track: (id) => ids.push(id) })
    const { ms, tookMs } = await busyDelete(busyCgroupManager(`tsrun-bench-el-${process.pid}`), Number(opt.busy))
    result[`busy cgroup delete (took ${Math.round(tookMs)} ms)`] = ms
    const width = Math.max(...Object.keys(result).map((k) => k.length))
    process.stdout.write(`longest event-loop block per operation (${opt.cycles} cycles):\n`)
    for (const [op, ms] of Object.entries(result)) process.stdout.write(`  ${op.padEnd(width)}  ${ms.toFixed(1)} ms\n`)
    if (opt.json) writeFileSync(opt.json, `${JSON.stringify(result, null, 2)}\n`)
  } finally {
    for (const id of ids) {
      try { await (await rt.load(id)).delete({ force: true }) } catch { /* gone already */ }
    }
    rmSync(tmp, { recursive: true, force: true })
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    process.stderr.write(`bench/event-loop.mjs: ${e.message}\n`)
    process.exit(1)
  })
}
