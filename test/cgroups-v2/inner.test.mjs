// The cgroup v2 driver (lib/linux/cgroups/v2) on a pure cgroup v2 hierarchy:
// run by test/cgroups-v2.test.mjs directly on a pure v2 host, else inside the
// User-mode Linux guest (test/vm/run-in-vm). Every guest process and syscall
// is slow there (~20 ms a process): keep what runs here short.
//
// Environment (set by the outer file):
//   TSRUN_CGV2_BUNDLE  a bundle whose linux.resources runc gets, to compare
//                      the files it writes with ours (skipped when unset)
//   TSRUN_CGV2_IN_VM   1 in the guest: the layout is ours to make

import t from 'tap'
import { spawn, execFileSync } from 'node:child_process'
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'

const CG = '/sys/fs/cgroup'
const { v2Manager, v2Path } = await import('../../dist/linux/cgroups/v2/manager.js')
const { deviceFilter, attachDeviceFilter } = await import('../../dist/linux/cgroups/v2/devices.js')
const { sharesToWeight, sharesToWeightLinear } = await import('../../dist/linux/cgroups/v2/cpu.js')
const { deviceRules } = await import('../../dist/linux/cgroups/devices.js')
const { native } = await import('../../dist/linux/native.js')

const ID = `tsrun-cgv2-${process.pid}`
const IN_VM = process.env.TSRUN_CGV2_IN_VM === '1'
const MB = 1024 * 1024

const read = (dir, file) => readFileSync(join(dir, file), 'utf8').trim()
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

/** Polls fn until it returns something truthy (or the time is up: then its last answer). */
async function until(fn, ms = 5000, step = 20) {
  const end = Date.now() + ms
  for (;;) {
    const v = fn()
    if (v || Date.now() > end) return v
    await sleep(step)
  }
}

const controllers = new Set(read(CG, 'cgroup.controllers').split(/\s+/))
const missing = ['memory', 'pids', 'cpu'].filter((c) => !controllers.has(c))
if (missing.length) {
  t.plan(0, `the cgroup2 root lacks ${missing.join(', ')}`)
  process.exit(0)
}

/** A manager for ID-name under the root, killed and destroyed at teardown. */
function manager(t, name, path = join(CG, `${ID}-${name}`)) {
  const m = v2Manager(path)
  t.teardown(async () => {
    try { m.kill(9) } catch {}
    await until(() => m.pids().length === 0, 3000)
    m.destroy()
  })
  return m
}

/** sh -c SCRIPT, first moved into dir (by itself, before running anything else). */
function shIn(dir, script) {
  const child = spawn('sh', ['-c', `echo $$ > ${dir}/cgroup.procs || exit 99\n${script}`], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d) => { stdout += d })
  child.stderr.on('data', (d) => { stderr += d })
  const done = new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })))
  return { child, done }
}

/** utime + stime of a process, in clock ticks, and its state letter. */
function procTimes(pid) {
  const s = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ')
  return { state: f[0], ticks: Number(f[11]) + Number(f[12]) }
}

/** { id, tag } of the device programs attached to dir. */
const programs = (dir) => native.bpfQueryCgroup(dir)

t.test('linux.resources are written as runc writes them', { skip: !process.env.TSRUN_CGV2_BUNDLE && 'no bundle (TSRUN_CGV2_BUNDLE)' }, async (t) => {
  const bundle = process.env.TSRUN_CGV2_BUNDLE
  const spec = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8'))
  const r = spec.linux.resources
  const theirs = join(CG, spec.linux.cgroupsPath)
  const state = `/run/${ID}-runc`
  const cid = `${ID}-runc`
  t.teardown(() => {
    try { execFileSync('runc', ['--root', state, 'delete', '--force', cid], { stdio: 'ignore' }) } catch {}
  })
  // The container's init keeps runc's stdio: give it a file, not a pipe to wait on.
  const log = openSync(`/run/${ID}-runc.log`, 'w+')
  try {
    execFileSync('runc', ['--root', state, 'create', '--bundle', bundle, cid], { stdio: ['ignore', log, log] })
  } catch (e) {
    throw new Error(`runc create: ${e.message}: ${readFileSync(`/run/${ID}-runc.log`, 'utf8')}`)
  } finally {
    closeSync(log)
  }
  const version = execFileSync('runc', ['--version'], { encoding: 'utf8' }).split('\n')[0]

  const m = manager(t, 'ours')
  m.create(r)
  const ours = m.paths['']
  const files = ['memory.max', 'memory.swap.max', 'memory.low', 'pids.max', 'cpu.max']
  if (r.blockIO) files.push('io.max')
  for (const f of files) t.equal(read(ours, f), read(theirs, f), `${f}: ${read(ours, f)}`)

  // cpu.shares -> cpu.weight: runc 1.3.2 changed the conversion (1024 -> 100
  // instead of 39). We follow the current one; runc here may be older.
  const shares = r.cpu.shares
  t.equal(Number(read(ours, 'cpu.weight')), sharesToWeight(shares), `cpu.weight ${read(ours, 'cpu.weight')} from shares ${shares}`)
  t.ok([sharesToWeight(shares), sharesToWeightLinear(shares)].includes(Number(read(theirs, 'cpu.weight'))),
    `${version} wrote cpu.weight ${read(theirs, 'cpu.weight')} (one of runc's two conversions)`)

  // The device filter: one program each, and for the same rules ours is
  // instruction for instruction runc's (same tag). (runc's default list has
  // no /dev/console, c 5:1: left out should deviceRules() ever add it.)
  const theirProgs = programs(theirs)
  const ourProgs = programs(ours)
  t.equal(theirProgs.length, 1, 'runc attached one device program')
  t.equal(ourProgs.length, 1, 'we attached one device program')
  const runcRules = deviceRules(r).filter((d) => !(d.type === 'c' && d.major === 5 && d.minor === 1))
  const scratch = manager(t, 'tag')
  scratch.create({})
  attachDeviceFilter(scratch.paths[''], deviceFilter(runcRules))
  t.equal(programs(scratch.paths[''])[0].tag, theirProgs[0].tag, `runc's rules give runc's program (tag ${theirProgs[0].tag})`)
  t.same(programs(scratch.paths['']).length, 1, 'attaching again replaced the program')
})

t.test('create, enter, pids, stats, destroy', async (t) => {
  const m = manager(t, 'basic')
  m.create({ pids: { limit: 20 }, cpu: { shares: 0 }, blockIO: { weight: 0 } }) // zeros are unset (Docker)
  const dir = m.paths['']
  t.equal(m.version, 'v2')
  t.equal(read(dir, 'pids.max'), '20')
  t.equal(read(dir, 'cpu.weight'), '100', 'cpu.shares 0 leaves cpu.weight alone')
  const child = spawn('sleep', ['30'], { stdio: 'ignore' })
  m.enter(child.pid)
  t.same(m.pids(), [child.pid], 'pids() lists the process entered')
  t.match(readFileSync(`/proc/${child.pid}/cgroup`, 'utf8'), `0::${dir.slice(CG.length)}\n`)
  const s = m.stats()
  t.same(s.pids, { current: 1, limit: 20 }, 'stats: pids')
  t.type(s.cpu.usage.total, 'number', 'stats: cpu usage')
  t.type(s.memory.usage.usage, 'number', 'stats: memory usage')
  t.equal(m.frozen(), false)
  m.kill(9)
  await new Promise((r) => child.on('exit', r))
  t.equal(child.signalCode, 'SIGKILL', 'kill(9) went through cgroup.kill')
  await until(() => m.pids().length === 0)
  m.destroy()
  t.notOk(existsSync(dir), 'destroy removed the cgroup')
})

t.test('a memory hog is OOM-killed at memory.max and oomKills() counts it', async (t) => {
  const m = manager(t, 'oom')
  m.create({ memory: { limit: 16 * MB, swap: 16 * MB } }) // swap == limit: no swap
  const dir = m.paths['']
  t.equal(read(dir, 'memory.max'), String(16 * MB))
  t.equal(read(dir, 'memory.swap.max'), '0')
  t.equal(m.oomKills(), 0)
  // dd reads 64 MB into one buffer: its pages are charged as they fill.
  const r = await shIn(dir, 'exec dd if=/dev/zero of=/dev/null bs=64M count=1').done
  t.equal(r.signal, 'SIGKILL', 'the hog died of SIGKILL', { stderr: r.stderr })
  t.equal(m.oomKills(), 1, 'oomKills() = 1 (memory.events oom_kill)')
  const s = m.stats()
  t.equal(s.memory.usage.limit, 16 * MB, 'stats: memory limit')
  t.ok(s.memory.usage.max >= 15 * MB, `stats: memory peak ${s.memory.usage.max}`)
})

t.test('a fork bomb stops at pids.max; kill(9) empties the cgroup', async (t) => {
  const m = manager(t, 'pids')
  m.create({ pids: { limit: 6 } })
  const dir = m.paths['']
  // The shell forks until the kernel refuses (then sh gives up: "Cannot fork").
  const r = await shIn(dir, 'i=0; while [ $i -lt 20 ]; do sleep 30 >/dev/null 2>&1 & i=$((i+1)); done; wait').done
  t.match(r.stderr, /fork/i, `the shell could not fork: ${r.stderr.trim()}`)
  t.equal(Number(read(dir, 'pids.peak')), 6, 'pids.peak = pids.max')
  t.ok(Number(/^max (\d+)/m.exec(read(dir, 'pids.events'))[1]) > 0, 'pids.events counts the refused forks')
  const left = m.pids()
  t.ok(left.length > 0 && left.length <= 6, `${left.length} sleeps left in the cgroup`)
  t.same(m.stats().pids, { current: left.length, limit: 6 }, 'stats: pids')
  m.kill(9)
  t.ok(await until(() => m.pids().length === 0), 'kill(9) (cgroup.kill) left no process')
  t.ok(await until(() => /populated 0/.test(read(dir, 'cgroup.events'))), 'cgroup.events: populated 0')
})

t.test('the eBPF device filter: denied devices get EPERM, /dev/null works; update replaces it', async (t) => {
  const m = manager(t, 'dev')
  m.create({ devices: [{ allow: false, access: 'rwm' }] })
  const dir = m.paths['']
  t.equal(programs(dir).length, 1, 'one program attached')
  const probe = 'echo x > /dev/null && echo null-ok; : < /dev/kmsg && echo kmsg-read-ok; : > /dev/kmsg && echo kmsg-write-ok; exit 0'
  let r = await shIn(dir, probe).done
  t.match(r.stdout, /null-ok/, '/dev/null can be written')
  t.notMatch(r.stdout, /kmsg-read-ok/, '/dev/kmsg (c 1:11) cannot be opened')
  t.match(r.stderr, /Operation not permitted/, 'EPERM')

  m.update({ devices: [{ allow: true, type: 'c', major: 1, minor: 11, access: 'r' }] })
  t.equal(programs(dir).length, 1, 'update replaced the program (still one)')
  r = await shIn(dir, probe).done
  t.match(r.stdout, /kmsg-read-ok/, 'after update: c 1:11 r can be opened for reading')
  t.notMatch(r.stdout, /kmsg-write-ok/, 'but not for writing (access "r" only)')
  m.update({ pids: { limit: 50 } })
  t.equal(programs(dir).length, 1, 'an update without devices leaves the filter alone')
  r = await shIn(dir, probe).done
  t.match(r.stdout, /kmsg-read-ok/)
})

t.test('freeze stops the processes, thaw resumes them; kill(15) freezes, signals, thaws', async (t) => {
  const m = manager(t, 'freeze')
  m.create({})
  const dir = m.paths['']
  const loop = shIn(dir, 'while :; do :; done')
  await until(() => m.pids().length === 1)
  const pid = loop.child.pid
  await sleep(100)
  m.freeze()
  t.equal(m.frozen(), true, 'frozen()')
  t.match(read(dir, 'cgroup.events'), /^frozen 1$/m, 'cgroup.events: frozen 1')
  const a = procTimes(pid)
  const usageA = m.stats().cpu.usage.total
  await sleep(250)
  const b = procTimes(pid)
  t.equal(b.ticks, a.ticks, `no CPU time while frozen (state ${b.state})`)
  t.equal(m.stats().cpu.usage.total, usageA, 'cgroup cpu usage does not advance')
  m.thaw()
  t.equal(m.frozen(), false, 'thawed')
  t.match(read(dir, 'cgroup.events'), /^frozen 0$/m)
  t.ok(await until(() => procTimes(pid).ticks > b.ticks, 3000), 'CPU time advances again')

  m.freeze()
  m.kill(15)
  t.equal(m.frozen(), true, 'kill() of a paused container leaves it paused')
  m.thaw()
  const r = await loop.done
  t.equal(r.signal, 'SIGTERM', 'SIGTERM delivered')
})

t.test('update changes live limits', async (t) => {
  const m = manager(t, 'update')
  m.create({ memory: { limit: 32 * MB }, pids: { limit: 10 }, cpu: { quota: 20000, period: 100000 } })
  const dir = m.paths['']
  const sleeper = shIn(dir, 'exec sleep 30')
  await until(() => m.pids().length === 1)
  m.update({ memory: { limit: 48 * MB, reservation: 8 * MB }, pids: { limit: 20 } })
  t.equal(read(dir, 'memory.max'), String(48 * MB))
  t.equal(read(dir, 'memory.low'), String(8 * MB))
  t.equal(read(dir, 'pids.max'), '20')
  t.equal(read(dir, 'cpu.max'), '20000 100000', 'what the update leaves out stays')
  m.update({ cpu: { period: 200000 } })
  t.equal(read(dir, 'cpu.max'), '20000 200000', 'a period alone keeps the quota')
  m.update({ cpu: { quota: -1 } })
  t.equal(read(dir, 'cpu.max'), 'max 200000', 'quota -1: no limit, period kept')
  const usage = Number(read(dir, 'memory.current'))
  t.throws(() => m.update({ memory: { limit: Math.max(4096, usage - 4096), checkBeforeUpdate: true } }),
    { name: 'SpecError', field: 'linux.resources.memory.limit', message: /rejecting memory limit/ }, 'checkBeforeUpdate refuses a limit under the usage')
  t.equal(read(dir, 'memory.max'), String(48 * MB), 'and leaves the old one')
  t.equal(m.pids().length, 1, 'the process lives on')
  m.kill(9)
  await sleeper.done
})

t.test('bad resources: a SpecError naming the field, and no cgroup left', async (t) => {
  const absent = ['hugetlb', 'rdma', 'misc', 'cpuset'].find((c) => !controllers.has(c))
  const cases = [
    [{ memory: { swap: 64 * MB } }, 'linux.resources.memory.swap', /needs a memory limit/],
    [{ memory: { limit: 64 * MB, swap: 32 * MB } }, 'linux.resources.memory.swap', /at least the memory limit/],
    [{ cpu: { realtimeRuntime: 950000 } }, 'linux.resources.cpu.realtimeRuntime', /not supported on cgroup v2/],
    [{ pids: { limit: 5 }, cpu: { quota: 100, period: 100000 } }, 'linux.resources.cpu.quota', /writing "100 100000" to cpu.max: invalid argument \(EINVAL\)/],
    [{ unified: { 'memory.max': 'lots' } }, 'linux.resources.unified.memory.max', /invalid argument/],
    [{ unified: { 'memory/max': '1' } }, 'linux.resources.unified.memory/max', /no slashes/],
    [{ devices: [{ allow: true, type: 'c', major: 1, access: 'rwm' }, { allow: false, type: 'c', major: 1, minor: 3, access: 'r' }] },
      'linux.resources.devices', /punch a hole/],
  ]
  if (absent) cases.push([{ unified: { [`${absent}.max`]: '1' } }, `linux.resources.unified.${absent}.max`, new RegExp(`the ${absent} controller is not available`)])
  for (const [resources, field, message] of cases) {
    const top = join(CG, `${ID}-bad`)
    const m = v2Manager(join(top, 'a', 'b'))
    t.throws(() => m.create(resources), { name: 'SpecError', field, message }, `${field}: ${JSON.stringify(resources)}`)
    t.notOk(existsSync(top), 'nothing left behind')
  }
})

t.test('v2Path: a relative path goes under the parent of our own cgroup', async (t) => {
  const own = /^0::(.*)$/m.exec(readFileSync('/proc/self/cgroup', 'utf8'))[1]
  const id = `${ID}-path`
  const path = v2Path({ ociVersion: '1.0.2', linux: {} }, id)
  t.equal(path, join(CG, dirname(own), id))
  t.equal(v2Path({ ociVersion: '1.0.2', linux: { cgroupsPath: '/a/b' } }, id), join(CG, 'a/b'))
  if (!IN_VM) return
  // In the guest the runner sits in a leaf of a slice (run-in-vm --cgroup):
  // the container's cgroup is its sibling, with controllers enabled on the way.
  const m = manager(t, 'path', path)
  m.create({ memory: { limit: 64 * MB }, pids: { limit: 64 } })
  t.equal(read(path, 'memory.max'), String(64 * MB))
  t.match(read(dirname(path), 'cgroup.subtree_control'), /memory/, 'memory enabled in the parent')
  t.same(m.createdDirs, [path], 'only the leaf was made')
})
