#!/usr/bin/env node
// The library contender of bench/start-latency.mjs: one long-lived Node
// process, so the figures are those of a warm embedder (module graph loaded,
// addon open, JIT warmed), not of Node's start-up.
//
//   IPC (forked by start-latency.mjs): each message { id } runs ONE
//     create+start+wait+delete and replies { id, ms } or { id, error }.
//     The parent decides warm-up and interleaving.
//   Standalone: node bench/lib-worker.mjs --root R --bundle B [--runs N] [--warmup W]
//     runs W + N iterations and prints { samples: [ms...] } as JSON.
import { parseArgs } from 'node:util'

const { values: opt } = parseArgs({
  options: {
    root: { type: 'string' },
    bundle: { type: 'string' },
    runs: { type: 'string', default: '30' },
    warmup: { type: 'string', default: '3' },
  },
})
if (!opt.root || !opt.bundle) {
  process.stderr.write('usage: lib-worker.mjs --root R --bundle B [--runs N] [--warmup W]\n')
  process.exit(2)
}

const { Runtime } = await import(new URL('../dist/index.js', import.meta.url))
const rt = new Runtime({ root: opt.root })

/** One container life cycle, timed in-process; throws unless /bin/true exited 0. */
async function once(id) {
  const t0 = performance.now()
  const c = await rt.create(id, opt.bundle)
  try {
    await c.start()
    const st = await c.wait()
    if (!st || st.status !== 0) throw new Error(`container exited with ${JSON.stringify(st)}`)
  } catch (e) {
    await c.delete({ force: true }).catch(() => {}) // leave nothing behind for the parent to find
    throw e
  }
  await c.delete()
  return performance.now() - t0
}

if (process.send) {
  // Serialised by the parent (it awaits each reply), so never two at once.
  let busy = false
  let leaving = false
  process.on('message', async ({ id }) => {
    busy = true
    let reply
    try {
      reply = { id, ms: await once(id) }
    } catch (e) {
      reply = { id, error: e?.stack ?? String(e) }
    }
    busy = false
    if (leaving) process.exit(0)
    process.send(reply)
  })
  // Ctrl-C reaches the whole process group: finish the current iteration
  // (so its container is deleted) and leave when the parent disconnects.
  process.on('SIGINT', () => {})
  process.on('disconnect', () => { leaving = true; if (!busy) process.exit(0) })
} else {
  const samples = []
  const warmup = Number(opt.warmup)
  const runs = Number(opt.runs)
  for (let i = 0; i < warmup + runs; i++) {
    const ms = await once(`libw-${process.pid}-${i}`)
    if (i >= warmup) samples.push(ms)
  }
  process.stdout.write(JSON.stringify({ samples }) + '\n')
}
