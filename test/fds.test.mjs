// The fds of every process tsrun starts on the container's behalf: hooks of
// each kind, the container's program, exec'd processes. Each gets exactly
// the fds the spec or the caller gives it (stdio, --preserve-fds), nothing of
// tsrun's and nothing of its caller's: tsrun is run with two extra fds open,
// 3 (where containerd's shim leaves a socket) and 100 (past those Node marks
// close-on-exec at its start). Each process lists /proc/self/fd with ls, whose
// own directory fd is the next free number. Compared with runc, which gives
// hooks fds 0-2 only (except createContainer: runc 1.1 leaks its init's fds
// there).
import t from 'tap'
import { chmodSync, closeSync, existsSync, openSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  bundle, cleanup, needsRoot, spawnCommand, spawnTsrun, stateRoot, tempDir, uniqueId, which,
} from './helpers/env.mjs'

const RUNC = which('runc')
const KINDS = ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop']
// KIND: the fd numbers open in the hook (ls adds its own, the lowest free).
const HOOK = '#!/bin/sh\ncat >/dev/null\necho "$1: $(ls /proc/self/fd | sort -n | tr \'\\n\' \' \')" >> "$2"\n'

function runtimes(t) {
  if (RUNC) return ['tsrun', 'runc']
  t.comment('runc is not installed: the runc comparison is skipped')
  return ['tsrun']
}

/** Runs `rt ...args` with fds 3 and 100 of ours open in it (a file each). */
async function withExtraFds(t, rt, args) {
  const extra = join(tempDir(t, 'tsrun-fds-'), 'extra')
  writeFileSync(extra, 'extra\n')
  const fd = openSync(extra, 'r')
  const stdio = ['ignore', 'pipe', 'pipe', fd, ...Array(96).fill('ignore'), fd]
  try {
    const spawn = rt === 'tsrun' ? spawnTsrun : (a, o) => spawnCommand(RUNC, a, o)
    return await spawn(args, { stdio }).done
  } finally {
    closeSync(fd)
  }
}

/** "KIND: fds" lines of a log into { kind: 'fds' }. */
function readLog(log) {
  if (!existsSync(log)) return {}
  return Object.fromEntries(readFileSync(log, 'utf8').trim().split('\n').map((l) => l.split(': ').map((s) => s.trim())))
}

t.test('hooks of every kind get fds 0-2 only', async (t) => {
  if (!needsRoot(t)) return
  const got = {}
  for (const rt of runtimes(t)) {
    await t.test(rt, async (t) => {
      const hostHook = join(tempDir(t, 'tsrun-hook-'), 'fds.sh')
      writeFileSync(hostHook, HOOK)
      chmodSync(hostHook, 0o755)
      // startContainer appends to /fds.log: a private, writable rootfs.
      const dir = bundle(t, { args: ['true'], privateRootfs: true, mutate: (s) => { s.root.readonly = false } })
      const rootfs = join(dir, 'rootfs')
      const log = join(rootfs, 'fds.log')
      writeFileSync(join(rootfs, 'fds.sh'), HOOK)
      chmodSync(join(rootfs, 'fds.sh'), 0o755)
      const spec = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'))
      spec.hooks = Object.fromEntries(KINDS.map((k) => {
        const inside = k === 'startContainer'
        const path = inside ? '/fds.sh' : hostHook
        return [k, [{ path, args: [path, k, inside ? '/fds.log' : log] }]]
      }))
      writeFileSync(join(dir, 'config.json'), JSON.stringify(spec))
      const root = stateRoot(t)
      const id = uniqueId(`fds-hooks-${rt}`)
      const check = cleanup(t, { root, id, bundle: dir, runtime: rt })
      const r = await withExtraFds(t, rt, ['--root', root, 'run', '--bundle', dir, id])
      t.equal(r.code, 0, `${rt} run: ${r.stderr}`)
      got[rt] = readLog(log)
      t.same(await check(), [])
    })
  }
  t.same(got.tsrun, Object.fromEntries(KINDS.map((k) => [k, '0 1 2 3'])), 'tsrun: 0-2 (and ls\'s own 3) in every kind')
  if (got.runc) {
    const noCreateContainer = (o) => Object.fromEntries(Object.entries(o).filter(([k]) => k !== 'createContainer'))
    t.same(noCreateContainer(got.tsrun), noCreateContainer(got.runc), 'the same fds as runc gives them')
  }
})

t.test('the program and exec\'d processes: stdio and --preserve-fds only', async (t) => {
  if (!needsRoot(t)) return
  const list = ['sh', '-c', 'ls /proc/self/fd | sort -n | tr "\\n" " "']
  const got = {}
  for (const rt of runtimes(t)) {
    await t.test(rt, async (t) => {
      const dir = bundle(t, { args: list })
      const sleeper = bundle(t, { args: ['sleep', '100'] })
      const root = stateRoot(t)
      const o = (got[rt] = {})
      const check = cleanup(t, { root, bundles: [dir, sleeper], runtime: rt })
      for (const preserve of [[], ['--preserve-fds', '1']]) {
        const id = uniqueId(`fds-run-${rt}`)
        check.add(id)
        const r = await withExtraFds(t, rt, ['--root', root, 'run', ...preserve, '--bundle', dir, id])
        t.equal(r.code, 0, `${rt} run ${preserve.join(' ')}: ${r.stderr}`)
        o[`run ${preserve.join(' ')}`.trim()] = r.stdout.trim()
      }
      const id = uniqueId(`fds-exec-${rt}`)
      check.add(id)
      const started = await withExtraFds(t, rt, ['--root', root, 'run', '-d', '--bundle', sleeper, id])
      t.equal(started.code, 0, `${rt} run -d: ${started.stderr}`)
      for (const preserve of [[], ['--preserve-fds', '1']]) {
        for (const detach of [[], ['-d']]) {
          const r = await withExtraFds(t, rt, ['--root', root, 'exec', ...preserve, ...detach, id, ...list])
          t.equal(r.code, 0, `${rt} exec: ${r.stderr}`)
          o[['exec', ...preserve, ...detach].join(' ')] = r.stdout.trim()
        }
      }
      await withExtraFds(t, rt, ['--root', root, 'delete', '--force', id])
      t.same(await check(), [])
    })
  }
  t.same(got.tsrun, {
    run: '0 1 2 3',
    'run --preserve-fds 1': '0 1 2 3 4',
    exec: '0 1 2 3',
    'exec -d': '0 1 2 3',
    'exec --preserve-fds 1': '0 1 2 3 4',
    'exec --preserve-fds 1 -d': '0 1 2 3 4',
  }, 'stdio (and ls\'s own fd), plus fd 3 when preserved')
  if (got.runc) t.same(got.tsrun, got.runc, 'the same as runc')
})
