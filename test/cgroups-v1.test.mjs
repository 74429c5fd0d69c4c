// The cgroup v1 driver (lib/linux/cgroups/v1), tested directly on a v1 or
// hybrid host: what it writes (compared with what runc writes for the same
// linux.resources), stats, freeze/thaw, kill, destroy, and enforcement with
// real processes put into the cgroup before they do any work.
import t from 'tap'
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, readdirSync, rmdirSync } from 'node:fs'
import { join } from 'node:path'
import {
  bundle, cgroupsMatching, cleanup, isRoot, runc, stateRoot, tempDir, uniqueId, which,
} from './helpers/env.mjs'

function hostKind() {
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const [left, right] = line.split(' - ')
    if (right && left.split(' ')[4] === '/sys/fs/cgroup') return right.split(' ')[0] === 'cgroup2' ? 'unified' : 'v1'
  }
  return 'none'
}

const skipReason = !isRoot ? 'needs root (run the tests as root)'
  : hostKind() !== 'v1' ? `not a cgroup v1 or hybrid host (/sys/fs/cgroup is ${hostKind()})`
  : false

if (skipReason) {
  t.comment(`skipping: ${skipReason}`)
  t.plan(0, skipReason)
} else {
  await main()
}

async function main() {
  const { v1Paths, v1Manager } = await import('../dist/linux/cgroups/v1/manager.js')
  const MB = 1024 * 1024
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
  const readCg = (dir, file) => readFileSync(join(dir, file), 'utf8').trim()

  /** A fresh manager for a unique id; at teardown its processes are killed and every cgroup named after the id removed. */
  function manager(t, spec = { linux: {} }) {
    const id = uniqueId('tsrun-cgv1')
    const paths = v1Paths(typeof spec === 'function' ? spec(id) : spec, id)
    const m = v1Manager(paths)
    const children = []
    t.teardown(async () => {
      for (const c of children) if (c.exitCode === null && c.signalCode === null) try { c.kill('SIGKILL') } catch {}
      try { await m.kill(9) } catch {}
      await sleep(100)
      try { await m.destroy() } catch {}
      for (const cg of cgroupsMatching([id]).sort((a, b) => b.length - a.length)) try { rmdirSync(cg) } catch {}
    })
    return { id, paths, m, children }
  }

  /**
   * Runs cmd in the cgroup from its first instruction: a shell blocks on
   * `read`, is entered into the cgroup, then execs cmd.
   */
  function spawnIn(ctx, cmd, args = []) {
    const child = spawn('sh', ['-c', 'read x; exec "$@"', 'sh', cmd, ...args], { stdio: ['pipe', 'pipe', 'pipe'] })
    ctx.children.push(child)
    ctx.m.enter(child.pid)
    child.stdin.write('\n')
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => { stdout += d })
    child.stderr.on('data', (d) => { stderr += d })
    const done = new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })))
    return { child, done, out: () => stdout, err: () => stderr }
  }

  const procState = (pid) => {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return s.slice(s.lastIndexOf(')') + 2)[0]
  }

  /** A whole disk of this host as [major, minor], for blkio throttling. */
  function blockDevice() {
    for (const line of readFileSync('/proc/partitions', 'utf8').split('\n').slice(2)) {
      const [major, minor, , name] = line.trim().split(/\s+/)
      if (name && existsSync(`/sys/block/${name}`) && !name.startsWith('loop') && !name.startsWith('ram')) return [Number(major), Number(minor)]
    }
    return null
  }

  /** Where the host mounts the v1 hierarchy of `ctrl`, or undefined. */
  const v1Mount = (ctrl) => {
    for (const l of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
      const [left, right] = l.split(' - ')
      if (right?.startsWith('cgroup ') && right.split(' ')[2].split(',').includes(ctrl)) return left.split(' ')[4]
    }
  }
  /** True when the host mounts `ctrl` as a v1 hierarchy. */
  const v1Has = (ctrl) => v1Mount(ctrl) !== undefined
  /**
   * True when the hierarchy of `ctrl` has `file`: kernel features that runc
   * 1.1 fails without when asked for them (swap accounting, memory.memsw.*;
   * RT group scheduling, cpu.rt_*), so tests ask for them only where they are.
   */
  const v1HasFile = (ctrl, file) => v1Has(ctrl) && existsSync(join(v1Mount(ctrl), file))
  const swapAccounting = v1HasFile('memory', 'memory.memsw.limit_in_bytes')
  const noSwapAccounting = swapAccounting ? false : 'no swap accounting on this host (memory.memsw.*): runc 1.1 cannot set memory.swap either'

  const hugeSizes = () => {
    try {
      return readdirSync('/sys/kernel/mm/hugepages').map((n) => Number(/(\d+)kB/.exec(n)[1]))
        .map((kb) => (kb >= 1048576 ? `${kb / 1048576}GB` : kb >= 1024 ? `${kb / 1024}MB` : `${kb}KB`))
    } catch { return [] }
  }

  // ------------------------------------------------------------ paths

  t.test('v1Paths: one directory per hierarchy, as runc lays them out', async (t) => {
    const { id, paths } = manager(t)
    const own = new Map(readFileSync('/proc/self/cgroup', 'utf8').trim().split('\n').map((l) => {
      const [, ctrl, path] = /^\d+:([^:]*):(.*)$/.exec(l)
      return [ctrl, path]
    }))
    t.ok(paths.memory || Object.keys(paths).some((k) => k.split(',').includes('memory')), 'memory hierarchy')
    t.ok(Object.keys(paths).some((k) => k.split(',').includes('devices')), 'devices hierarchy')
    if (own.has('name=systemd')) t.ok(paths['name=systemd'], 'name=systemd is joined, as runc does')
    if (existsSync('/sys/fs/cgroup/unified/cgroup.controllers')) t.equal(paths[''], `/sys/fs/cgroup/unified${own.get('') === '/' ? '' : own.get('')}/${id}`, 'the hybrid cgroup2 mount too')
    for (const [key, dir] of Object.entries(paths)) {
      if (key === '') continue
      const mine = own.get(key) ?? '/'
      t.match(dir, new RegExp(`${mine === '/' ? '' : mine.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/${id}$`), `${key}: under the runtime's own cgroup`)
    }
    const abs = v1Paths({ linux: { cgroupsPath: `/x-${id}/y` } }, id)
    t.ok(Object.values(abs).every((p) => p.endsWith(`/x-${id}/y`)), 'an absolute cgroupsPath is taken from each root')
  })

  // ------------------------------------------------------------ runc comparison

  /**
   * The blkio weight file of this host's non-root cgroups (CFQ's, else BFQ's),
   * or undefined when its I/O schedulers have neither: runc 1.1 then fails
   * on any blockIO.weight, and tsrun must too.
   */
  function blkioWeightFile(t) {
    const probe = manager(t)
    probe.m.create({})
    const dir = probe.paths[Object.keys(probe.paths).find((k) => k.split(',').includes('blkio'))]
    return dir && ['blkio.weight', 'blkio.bfq.weight'].find((f) => existsSync(join(dir, f)))
  }

  t.test('blockIO.weight on a host without a weight file: refused, as runc refuses it', { skip: which('runc') ? false : 'needs runc' }, async (t) => {
    const file = blkioWeightFile(t)
    if (file) return t.skip(`this host has ${file}: the weight is compared with runc's below`)
    const resources = { blockIO: { weight: 300 } }
    t.throws(() => manager(t).m.create(resources), { name: 'SpecError', field: 'linux.resources.blockIO.weight' }, 'tsrun: an error naming the field')
    const root = stateRoot(t)
    const rid = uniqueId('tsrun-cgv1-runc')
    const dir = bundle(t, { args: ['true'], mutate: (s) => { s.linux.resources = resources } })
    const check = cleanup(t, { root, id: rid, runtime: 'runc', bundle: dir })
    const r = await runc(['--root', root, 'run', '--bundle', dir, rid], { stdio: ['ignore', 'ignore', 'pipe'] })
    t.not(r.code, 0, 'runc fails too')
    t.match(r.stderr, /blkio\.bfq\.weight: no such file/, `runc: ${r.stderr.trim()}`)
    t.same(await check(), [], 'runc container cleaned up')
  })

  t.test('writes what runc writes for the same resources', { skip: which('runc') ? false : 'needs runc' }, async (t) => {
    const dev = blockDevice()
    const sizes = hugeSizes()
    const weight = blkioWeightFile(t) ? { weight: 300 } : {}
    if (!weight.weight) t.comment('blockIO.weight left out: this host has no blkio weight file, and runc fails on it (tested above)')
    const resources = {
      devices: [
        { allow: false, access: 'rwm' },
        { allow: true, type: 'c', major: 1, minor: 11, access: 'r' },
        { allow: false, type: 'c', major: 1, minor: 9, access: 'rwm' },
      ],
      memory: { limit: 64 * MB, reservation: 32 * MB, ...(swapAccounting ? { swap: 128 * MB } : {}), swappiness: 10, disableOOMKiller: false },
      cpu: { shares: 512, quota: 50000, period: 100000, cpus: '0', mems: '0', ...(v1HasFile('cpu', 'cpu.rt_period_us') ? { realtimePeriod: 1000000 } : {}) },
      pids: { limit: 42 },
      blockIO: {
        ...weight,
        ...(dev ? {
          throttleReadBpsDevice: [{ major: dev[0], minor: dev[1], rate: MB }],
          throttleWriteIOPSDevice: [{ major: dev[0], minor: dev[1], rate: 120 }],
        } : {}),
      },
      // runc 1.1 sets hugetlb only on a v1 hierarchy (this driver would also use a hybrid cgroup2 one).
      ...(sizes.includes('2MB') && v1Has('hugetlb') ? { hugepageLimits: [{ pageSize: '2MB', limit: 4 * MB }] } : {}),
    }
    const ctx = manager(t)
    ctx.m.create(resources)

    const root = stateRoot(t)
    const rid = uniqueId('tsrun-cgv1-runc')
    const dir = bundle(t, { args: ['sleep', '300'], mutate: (s) => { s.linux.resources = resources } })
    const check = cleanup(t, { root, id: rid, runtime: 'runc', bundle: dir })
    const r = await runc(['--root', root, 'run', '-d', '--bundle', dir, rid], { stdio: ['ignore', 'ignore', 'pipe'] })
    t.equal(r.code, 0, `runc run: ${r.stderr}`)
    const state = JSON.parse(readFileSync(join(root, rid, 'state.json'), 'utf8'))
    const theirs = state.cgroup_paths
    // runc keys its paths by controller ("cpu", "cpuacct"), ours by hierarchy ("cpu,cpuacct").
    const controllers = (paths) => Object.keys(paths).flatMap((k) => k.split(',')).filter((c) => c !== 'misc').sort()
    t.same(controllers(ctx.paths), controllers(theirs), 'the same hierarchies as runc')

    const files = {
      memory: ['memory.limit_in_bytes', 'memory.soft_limit_in_bytes', 'memory.memsw.limit_in_bytes', 'memory.swappiness', 'memory.oom_control', 'memory.use_hierarchy'],
      cpu: ['cpu.shares', 'cpu.cfs_quota_us', 'cpu.cfs_period_us', 'cpu.rt_period_us', 'cpu.rt_runtime_us'],
      cpuset: ['cpuset.cpus', 'cpuset.mems'],
      pids: ['pids.max'],
      blkio: ['blkio.weight', 'blkio.bfq.weight', 'blkio.weight_device', 'blkio.bfq.weight_device', 'blkio.throttle.read_bps_device', 'blkio.throttle.write_iops_device', 'blkio.throttle.read_iops_device'],
      hugetlb: ['hugetlb.2MB.limit_in_bytes'],
      freezer: ['freezer.state'],
    }
    const dirOf = (paths, ctrl) => paths[Object.keys(paths).find((k) => k.split(',').includes(ctrl))]
    for (const [ctrl, list] of Object.entries(files)) {
      const mine = dirOf(ctx.paths, ctrl)
      const runcs = dirOf(theirs, ctrl)
      if (!mine || !runcs) continue
      for (const f of list) {
        if (!existsSync(join(runcs, f))) continue
        const ours = readCg(mine, f).replace(/\nunder_oom.*$/s, '')
        const want = readCg(runcs, f).replace(/\nunder_oom.*$/s, '')
        t.equal(ours, want, `${ctrl}/${f}: ${want.split('\n')[0]}`)
      }
    }
    // devices.list as a set. Known difference: lib/linux/cgroups/devices.ts
    // allows /dev/console (c 5:1), runc 1.1's AllowedDevices does not.
    const list = (d) => new Set(readCg(d, 'devices.list').split('\n'))
    const ours = list(dirOf(ctx.paths, 'devices'))
    const want = list(dirOf(theirs, 'devices'))
    const extra = [...ours].filter((l) => !want.has(l))
    t.same([...want].filter((l) => !ours.has(l)), [], 'devices.list: every rule runc has')
    t.same(extra.filter((l) => l !== 'c 5:1 rwm'), [], 'devices.list: nothing else (but console)')
    t.ok(ours.has('c 1:9 rwm'), 'a user rule denying c 1:9 is overridden by the default rules that follow it, as in runc')
    t.ok(ours.has('c 1:11 r'), 'c 1:11 r allowed')

    // Stats agree with runc events --stats on what both set.
    const ev = await runc(['--root', root, 'events', '--stats', rid])
    const theirStats = JSON.parse(ev.stdout).data
    const s = ctx.m.stats()
    t.equal(s.memory.usage.limit, theirStats.memory.usage.limit, 'stats: memory limit')
    if (swapAccounting) t.equal(s.memory.swap_usage.limit, theirStats.memory.swap.limit, 'stats: memory+swap limit')
    t.equal(s.pids.limit, theirStats.pids.limit, 'stats: pids limit')
    t.same(Object.keys(s.hugetlb ?? {}).sort(), Object.keys(theirStats.hugetlb ?? {}).sort(), 'stats: huge page sizes')
    t.equal(s.cpu.usage.percpu.length, theirStats.cpu.usage.percpu.length, 'stats: one usage per CPU')
    t.same(await check(), [], 'runc container cleaned up')
  })

  // ------------------------------------------------------------ update

  t.test('update: memory and memsw in the order the kernel accepts', { skip: noSwapAccounting }, async (t) => {
    const ctx = manager(t)
    const { m } = ctx
    const mem = ctx.paths.memory
    m.create({ memory: { limit: 32 * MB, swap: 64 * MB } })
    const p = spawnIn(ctx, 'sleep', ['300'])
    t.equal(readCg(mem, 'memory.limit_in_bytes'), String(32 * MB))
    t.equal(readCg(mem, 'memory.memsw.limit_in_bytes'), String(64 * MB))
    // Raising both: memory first would exceed the old memsw (EINVAL).
    m.update({ memory: { limit: 128 * MB, swap: 256 * MB } })
    t.equal(readCg(mem, 'memory.limit_in_bytes'), String(128 * MB), 'raised limit')
    t.equal(readCg(mem, 'memory.memsw.limit_in_bytes'), String(256 * MB), 'raised memsw')
    // Lowering both: memsw first would go below the current memory limit.
    m.update({ memory: { limit: 16 * MB, swap: 16 * MB } })
    t.equal(readCg(mem, 'memory.limit_in_bytes'), String(16 * MB), 'lowered limit')
    t.equal(readCg(mem, 'memory.memsw.limit_in_bytes'), String(16 * MB), 'lowered memsw')
    // -1 alone lifts both.
    m.update({ memory: { limit: -1 } })
    t.ok(Number(readCg(mem, 'memory.limit_in_bytes')) > 2 ** 62, 'limit -1: unlimited')
    t.ok(Number(readCg(mem, 'memory.memsw.limit_in_bytes')) > 2 ** 62, 'memsw unlimited too')
    m.update({ pids: { limit: 5 }, cpu: { shares: 0, quota: 20000, period: 50000 } })
    t.equal(readCg(ctx.paths.pids, 'pids.max'), '5')
    m.update({ pids: { limit: -1 } })
    t.equal(readCg(ctx.paths.pids, 'pids.max'), 'max', 'negative pids limit: max')
    const cpuDir = ctx.paths[Object.keys(ctx.paths).find((k) => k.split(',').includes('cpu'))]
    t.equal(readCg(cpuDir, 'cpu.shares'), '1024', 'shares 0: left alone')
    t.equal(readCg(cpuDir, 'cpu.cfs_quota_us'), '20000')
    t.equal(readCg(cpuDir, 'cpu.cfs_period_us'), '50000')
    // update without devices leaves the rules alone
    const before = readCg(ctx.paths.devices, 'devices.list')
    m.update({ memory: { limit: 64 * MB } })
    t.equal(readCg(ctx.paths.devices, 'devices.list'), before, 'device rules untouched')
    t.throws(() => m.update({ memory: { limit: 8 * MB, swap: 4 * MB } }), { name: 'SpecError', field: 'linux.resources.memory.swap' })
    // runc 1.1 ignores kernel and kernelTCP; the TCP limit still works on v1,
    // the kmem one is accepted and ignored by Linux 5.16+.
    m.update({ memory: { kernel: 32 * MB, kernelTCP: 16 * MB } })
    t.equal(readCg(mem, 'memory.kmem.tcp.limit_in_bytes'), String(16 * MB), 'kernelTCP')
    m.update({ memory: { disableOOMKiller: true } })
    t.match(readCg(mem, 'memory.oom_control'), /^oom_kill_disable 1/, 'disableOOMKiller')
    m.update({ memory: { disableOOMKiller: false } })
    t.match(readCg(mem, 'memory.oom_control'), /^oom_kill_disable 0/, 'and back')
    p.child.kill('SIGKILL')
    await p.done
  })

  // ------------------------------------------------------------ stats, freeze, kill, destroy

  t.test('stats: runc\'s shape with live numbers', async (t) => {
    const ctx = manager(t)
    ctx.m.create({ memory: { limit: 64 * MB }, pids: { limit: 20 } })
    const p = spawnIn(ctx, 'sh', ['-c', 'i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done; echo done; sleep 300'])
    for (let i = 0; i < 100 && !(p.out().includes('done') && ctx.m.pids().length === 2); i++) await sleep(100)
    const s = ctx.m.stats()
    t.ok(s.cpu.usage.total > 0, `cpu usage ${s.cpu.usage.total} ns`)
    t.equal(s.cpu.usage.percpu.length, readCg(ctx.paths[Object.keys(ctx.paths).find((k) => k.split(',').includes('cpuacct'))], 'cpuacct.usage_percpu').split(/\s+/).length, 'percpu')
    t.equal(s.cpu.usage.percpu_user.length, s.cpu.usage.percpu.length, 'percpu_user')
    t.ok(s.cpu.usage.user + s.cpu.usage.kernel > 0, 'user + kernel time, in ns')
    t.type(s.cpu.throttling.periods, 'number')
    t.equal(s.memory.usage.limit, 64 * MB, 'memory limit')
    t.ok(s.memory.usage.usage > 0, 'memory usage')
    t.ok(s.memory.usage.max >= s.memory.usage.usage, 'max usage')
    t.type(s.memory.raw.total_rss, 'number', 'memory.stat as raw')
    t.equal(s.memory.cache, s.memory.raw.cache)
    t.same(s.pids, { current: 2, limit: 20 }, 'pids: sh and sleep')
    t.type(s.blkio, 'object')
    if (v1Has('hugetlb')) t.same(Object.keys(s.hugetlb ?? {}).sort(), hugeSizes().sort(), 'hugetlb per page size')
    t.ok(ctx.m.pids().includes(p.child.pid), 'pids() lists the shell')
    t.equal(ctx.m.pids().length, 2, 'and its sleep')
    t.equal(ctx.m.oomKills(), 0)
  })

  t.test('freeze and thaw', async (t) => {
    const ctx = manager(t)
    ctx.m.create(undefined)
    const p = spawnIn(ctx, 'sh', ['-c', 'while :; do echo tick; sleep 0.05; done'])
    await sleep(300)
    t.match(p.out(), /tick/, 'running')
    t.notOk(ctx.m.frozen())
    await ctx.m.freeze()
    t.ok(ctx.m.frozen(), 'frozen()')
    t.equal(readCg(ctx.paths.freezer, 'freezer.state'), 'FROZEN')
    const state = procState(p.child.pid)
    t.match(state, /^[DS]$/, `a frozen task shows "${state}" in /proc/PID/stat`)
    await sleep(50)
    const at = p.out().length
    await sleep(400)
    t.equal(p.out().length, at, 'no output while frozen')
    await ctx.m.freeze()
    t.ok(ctx.m.frozen(), 'freezing twice is fine')
    await ctx.m.thaw()
    t.notOk(ctx.m.frozen(), 'thawed')
    t.equal(readCg(ctx.paths.freezer, 'freezer.state'), 'THAWED')
    await sleep(300)
    t.ok(p.out().length > at, 'runs again')
    p.child.kill('SIGKILL')
    await p.done
  })

  t.test('kill signals every process; destroy leaves nothing', async (t) => {
    const ctx = manager(t, (id) => ({ linux: { cgroupsPath: `tsrun-cgv1-parent-${id}/${id}` } }))
    ctx.m.create({ pids: { limit: 50 } })
    const p = spawnIn(ctx, 'sh', ['-c', 'sleep 300 & sleep 300 & (while :; do sleep 0.01; done) & wait'])
    for (let i = 0; i < 50 && ctx.m.pids().length < 4; i++) await sleep(50)
    t.ok(ctx.m.pids().length >= 4, `${ctx.m.pids().length} processes`)
    await ctx.m.kill(15)
    const r = await p.done
    t.equal(r.signal, 'SIGTERM', 'the shell got SIGTERM')
    for (let i = 0; i < 50 && ctx.m.pids().length; i++) await sleep(50)
    t.same(ctx.m.pids(), [], 'all gone')

    const q = spawnIn(ctx, 'sh', ['-c', 'trap "" TERM; while :; do sleep 0.01 & wait; done'])
    await sleep(200)
    await ctx.m.kill(9)
    t.equal((await q.done).signal, 'SIGKILL', 'SIGKILL through the frozen cgroup')
    t.equal(readCg(ctx.paths.freezer, 'freezer.state'), 'THAWED', 'thawed again after the kill')
    for (let i = 0; i < 50 && ctx.m.pids().length; i++) await sleep(50)
    t.same(ctx.m.pids(), [])

    // A sub-cgroup the container made goes too; the parent create() made as well.
    mkdirSync(join(ctx.paths.memory, 'child'))
    await ctx.m.destroy()
    t.same(cgroupsMatching([ctx.id]), [], 'no cgroup left, nested parents included')
    await t.resolves(ctx.m.destroy(), 'destroying again is fine')
    await t.resolves(ctx.m.kill(9), 'kill of a removed cgroup: nothing to do')
    t.same(ctx.m.pids(), [])
    t.equal(ctx.m.frozen(), false)
    t.equal(ctx.m.oomKills(), 0)
    t.same(ctx.m.stats(), {}, 'no stats once removed')
    await t.resolves(v1Manager(ctx.paths).destroy(), 'a manager rebuilt from the paths too')
  })

  // ------------------------------------------------------------ enforcement

  t.test('a memory hog over 32 MB is OOM-killed and counted', async (t) => {
    const ctx = manager(t)
    ctx.m.create({ memory: { limit: 32 * MB, ...(swapAccounting ? { swap: 32 * MB } : {}) } })
    const p = spawnIn(ctx, 'dd', ['if=/dev/zero', 'of=/dev/null', 'bs=100M', 'count=1'])
    const r = await p.done
    t.equal(r.signal, 'SIGKILL', 'killed by the OOM killer')
    t.equal(ctx.m.oomKills(), 1, 'oomKills()')
    t.ok(ctx.m.stats().memory.usage.max <= 32 * MB, 'never above the limit')
    const ok = spawnIn(ctx, 'dd', ['if=/dev/zero', 'of=/dev/null', 'bs=4M', 'count=4'])
    t.equal((await ok.done).code, 0, 'a small buffer is fine')
  })

  t.test('a fork bomb stops at pids.max', async (t) => {
    const ctx = manager(t)
    ctx.m.create({ pids: { limit: 8 } })
    const p = spawnIn(ctx, 'sh', ['-c', 'while :; do sleep 30 </dev/null >/dev/null 2>&1 & done'])
    const r = await p.done
    t.match(r.stderr, /fork/i, `fork fails: ${r.stderr.trim()}`)
    t.ok(Number(readCg(ctx.paths.pids, 'pids.current')) <= 8, 'no more than pids.max')
    t.match(readCg(ctx.paths.pids, 'pids.events'), /max [1-9]/, 'pids.events counts the refusals')
    t.ok(ctx.m.stats().pids.current <= 8)
    await ctx.m.kill(9)
    for (let i = 0; i < 50 && ctx.m.pids().length; i++) await sleep(50)
    t.same(ctx.m.pids(), [])
  })

  t.test('device rules are enforced', async (t) => {
    const dir = tempDir(t)
    const kmsg = join(dir, 'kmsg')
    const mk = spawn('mknod', [kmsg, 'c', '1', '11'])
    await new Promise((r) => mk.on('close', r))
    t.ok(existsSync(kmsg), 'a c 1:11 node of our own')
    const open = (ctx, redir) => spawnIn(ctx, 'sh', ['-c', `: ${redir} ${kmsg}`]).done

    const denied = manager(t)
    denied.m.create({ devices: [{ allow: false, access: 'rwm' }, { allow: false, type: 'c', major: 1, minor: 9, access: 'rwm' }] })
    let r = await open(denied, '<')
    t.not(r.code, 0, 'c 1:11 cannot be opened')
    t.match(r.stderr, /Operation not permitted/, r.stderr.trim())
    r = await spawnIn(denied, 'head', ['-c1', '/dev/urandom']).done
    t.equal(r.code, 0, 'c 1:9: the default rules win over an earlier deny, as in runc')
    r = await spawnIn(denied, 'head', ['-c1', '/dev/null']).done
    t.equal(r.code, 0, '/dev/null allowed')

    const readOnly = manager(t)
    readOnly.m.create({ devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 1, minor: 11, access: 'r' }] })
    t.equal((await open(readOnly, '<')).code, 0, 'c 1:11 r: open for reading works')
    r = await open(readOnly, '>')
    t.not(r.code, 0, 'c 1:11 r: open for writing does not')
    t.match(r.stderr, /Operation not permitted/)

    // update with new rules applies them live
    readOnly.m.update({ devices: [{ allow: false, access: 'rwm' }] })
    t.not((await open(readOnly, '<')).code, 0, 'after update: reading denied too')
    readOnly.m.update({ devices: [{ allow: true, access: 'rwm' }] })
    t.equal(readCg(readOnly.paths.devices, 'devices.list'), 'a *:* rwm', 'allow-all')
  })

  // ------------------------------------------------------------ bad resources

  t.test('bad resources: a SpecError naming the field, and no cgroup left', async (t) => {
    const netMounted = existsSync('/sys/fs/cgroup/net_cls') || existsSync('/sys/fs/cgroup/net_cls,net_prio')
    const cases = [
      [{ memory: { limit: -2 } }, 'linux.resources.memory.limit'],
      [{ memory: { reservation: -5 } }, 'linux.resources.memory.reservation'],
      [{ memory: { swappiness: 101 } }, 'linux.resources.memory.swappiness'],
      [{ devices: [{ allow: true, type: 'x', access: 'rwm' }] }, 'linux.resources.devices[0].type'],
      [{ devices: [{ allow: true, type: 'c', major: 1, minor: 3, access: 'a' }] }, 'linux.resources.devices[0].access'],
      [{ cpu: { cpus: '0-1023' } }, 'linux.resources.cpu.cpus'],
      [{ cpu: { mems: '77' } }, 'linux.resources.cpu.mems'],
      [{ cpu: { shares: 1 } }, 'linux.resources.cpu.shares'],
      [{ cpu: { quota: 10 } }, 'linux.resources.cpu.quota'],
      [{ hugepageLimits: [{ pageSize: '3MB', limit: 0 }] }, 'linux.resources.hugepageLimits[0].pageSize'],
      [{ unified: { 'memory.max': '1000000' } }, 'linux.resources.unified'],
      // fails late, after cpuset, devices, memory, cpu and pids were written
      [{ memory: { limit: 64 * MB }, pids: { limit: 10 }, blockIO: { throttleReadBpsDevice: [{ major: 4095, minor: 4095, rate: 1 }] } }, 'linux.resources.blockIO.throttleReadBpsDevice[0]'],
      ...(netMounted ? [] : [[{ network: { classID: 1048577 } }, 'linux.resources.network.classID']]),
      [{ memory: { useHierarchy: false } }, 'linux.resources.memory.useHierarchy'],
    ]
    for (const [resources, field] of cases) {
      const ctx = manager(t, (id) => ({ linux: { cgroupsPath: `tsrun-cgv1-bad-${id}/${id}` } }))
      let err
      try { ctx.m.create(resources) } catch (e) { err = e }
      t.equal(err?.name, 'SpecError', `${JSON.stringify(resources)}: ${err?.message}`)
      t.equal(err?.field, field, `names ${field}`)
      t.same(cgroupsMatching([ctx.id]), [], 'nothing left, nested parent included')
    }
  })

  t.test('a controller the host lacks: SpecError, nothing created', async (t) => {
    // As if the host did not mount hugetlb or pids: the same paths without them.
    const { id, paths } = manager(t)
    for (const [ctrl, resources, field] of [
      ['hugetlb', { hugepageLimits: [{ pageSize: hugeSizes()[0] ?? '2MB', limit: 2 * MB }] }, 'linux.resources.hugepageLimits'],
      ['pids', { pids: { limit: 10 } }, 'linux.resources.pids'],
    ]) {
      await t.test(ctrl, async (t) => {
        const fewer = Object.fromEntries(Object.entries(paths).filter(([k]) => !k.split(',').includes(ctrl)))
        if (Object.keys(fewer).length === Object.keys(paths).length) return t.skip(`this host mounts no v1 ${ctrl} hierarchy to leave out`)
        if (ctrl === 'hugetlb' && hugeSizes().length === 0) return t.skip('this host has no huge page sizes')
        t.throws(() => v1Manager(fewer).create(resources), { name: 'SpecError', field }, `no ${ctrl}: ${field}`)
        t.same(cgroupsMatching([id]), [])
        await t.resolves(async () => { const m = v1Manager(fewer); m.create(undefined); await m.destroy() }, `no ${ctrl}, nothing asked of it: fine`)
      })
    }
  })

  t.test('hybrid host: unified keys of the cgroup core go to the cgroup2 mount', async (t) => {
    const ctx = manager(t)
    if (!ctx.paths['']) return t.skip('no cgroup2 mount beside v1 (not hybrid)')
    ctx.m.create({ unified: { 'cgroup.max.descendants': '7' } })
    t.equal(readCg(ctx.paths[''], 'cgroup.max.descendants'), '7')
    const p = spawnIn(ctx, 'sleep', ['300'])
    t.ok(readCg(ctx.paths[''], 'cgroup.procs').split('\n').includes(String(p.child.pid)), 'the process joined the cgroup2 directory too')
    p.child.kill('SIGKILL')
    await p.done
    await ctx.m.destroy()
    t.same(cgroupsMatching([ctx.id]), [])
  })
}
