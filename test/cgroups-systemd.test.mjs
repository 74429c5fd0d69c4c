// The systemd cgroup driver (--systemd-cgroup, lib/linux/cgroups/systemd):
// the cgroupsPath rules and the unit properties here, on any host; on a host
// without systemd, the clear error; then test/fixtures/cgroups-systemd/inner.test.mjs
// (real containers in transient units) in the User-mode Linux guest booted
// with systemd as PID 1 (test/vm/run-in-vm --systemd), once on pure cgroup v2
// and once on a hybrid hierarchy (--hybrid).
import t from 'tap'

// The guest is slow when the host is busy (every guest syscall goes through ptrace).
t.setTimeout(420_000)
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { REPO, bundle, cleanup, isRoot, requireProbe, run, stateRoot, tsrun, uniqueId, which } from './helpers/env.mjs'

const { systemdUnit, expandSlice } = await import('../dist/linux/cgroups/systemd/unit.js')
const { resourceProperties, cpusetBits } = await import('../dist/linux/cgroups/systemd/properties.js')
const { Runtime } = await import('../dist/index.js')

const HARNESS = join(REPO, 'test', 'vm', 'run-in-vm')
const INNER = join(REPO, 'test', 'fixtures', 'cgroups-systemd', 'inner.test.mjs')
const MB = 1024 * 1024
const INFINITY = '18446744073709551615'
const SYSTEMD_RUNNING = existsSync('/run/systemd/system')

// ---------------------------------------------------------------- cgroupsPath

t.test('slice:prefix:name -> unit and cgroup path (runc\'s rules)', async (t) => {
  const unit = (path, id = 'c1') => systemdUnit(path, id)
  t.same(unit(undefined), { name: 'tsrun-c1.scope', slice: 'system.slice', path: '/system.slice/tsrun-c1.scope' }, 'unset: system.slice:tsrun:ID')
  t.same(unit('machine.slice:libpod:abc'), { name: 'libpod-abc.scope', slice: 'machine.slice', path: '/machine.slice/libpod-abc.scope' })
  t.same(unit(':crio:abc'), { name: 'crio-abc.scope', slice: 'system.slice', path: '/system.slice/crio-abc.scope' }, 'empty slice: system.slice')
  t.same(unit('a-b.slice::abc'), { name: 'abc.scope', slice: 'a-b.slice', path: '/a.slice/a-b.slice/abc.scope' }, 'empty prefix; a nested slice')
  t.same(unit('-.slice:p:n'), { name: 'p-n.scope', slice: '-.slice', path: '/p-n.scope' }, 'the root slice')
  t.same(unit('tsrun.slice::tsrun-x.slice'), { name: 'tsrun-x.slice', slice: 'tsrun.slice', path: '/tsrun.slice/tsrun-x.slice' }, 'a slice unit sits where its name says')
  t.equal(expandSlice('a-b-c.slice'), '/a.slice/a-b.slice/a-b-c.slice')

  const refused = [
    ['/abs/path', /is not a systemd cgroup path: --systemd-cgroup expects "slice:prefix:name"/],
    ['a:b', /is not a systemd cgroup path/],
    ['system.slice:p:', /has no name/],
    ['nope:p:n', /"nope" is not a slice name: it must end in ".slice"/],
    ['a--b.slice:p:n', /empty part between dashes/],
    ['a/b.slice:p:n', /must not contain "\/"/],
    ['system.slice:p:a+b', /makes the unit name "p-a\+b.scope", which systemd refuses/],
  ]
  for (const [path, message] of refused) t.throws(() => unit(path), { name: 'SpecError', field: 'linux.cgroupsPath', message }, path)
})

// ---------------------------------------------------------------- unit properties

t.test('linux.resources -> unit properties (runc\'s genV1/genV2ResourcesProperties)', async (t) => {
  const v252 = async () => 252
  const r = {
    memory: { limit: 32 * MB, reservation: 16 * MB, swap: 64 * MB },
    cpu: { shares: 1024, quota: 50000, period: 100000, cpus: '0-2,4', mems: '0' },
    pids: { limit: 30 },
    blockIO: { weight: 500 },
    unified: { 'memory.high': '1000000', 'cpu.max': 'max 200000', 'io.weight': '10' },
  }
  t.same(await resourceProperties(r, true, v252), [
    ['MemoryMax', ['t', 32 * MB]],
    ['MemoryLow', ['t', 16 * MB]],
    ['MemorySwapMax', ['t', 32 * MB]],
    ['CPUWeight', ['t', 100]],
    ['CPUQuotaPeriodUSec', ['t', 100000]],
    ['CPUQuotaPerSecUSec', ['t', 500000]],
    ['AllowedCPUs', ['ay', [0b10111]]],
    ['AllowedMemoryNodes', ['ay', [1]]],
    ['TasksMax', ['t', 30]],
    ['MemoryHigh', ['t', 1000000]],
    ['CPUQuotaPeriodUSec', ['t', 200000]],
    ['CPUQuotaPerSecUSec', ['t', INFINITY]],
  ], 'v2: swap as memory.swap.max, shares as weight, unified keys systemd knows')
  t.same(await resourceProperties(r, false, v252), [
    ['MemoryLimit', ['t', 32 * MB]],
    ['CPUShares', ['t', 1024]],
    ['BlockIOWeight', ['t', 500]],
    ['CPUQuotaPeriodUSec', ['t', 100000]],
    ['CPUQuotaPerSecUSec', ['t', 500000]],
    ['AllowedCPUs', ['ay', [0b10111]]],
    ['AllowedMemoryNodes', ['ay', [1]]],
    ['TasksMax', ['t', 30]],
  ], 'v1')
  t.same(await resourceProperties({ cpu: { quota: 12345, period: 100000, cpus: '1' } }, true, async () => 239), [
    ['CPUQuotaPerSecUSec', ['t', 130000]],
  ], 'the quota rounded up to 10 ms a second; no period or cpuset before systemd 242/244')
  t.same(await resourceProperties({ memory: { limit: -1 }, pids: { limit: -1 } }, true, v252),
    [['MemoryMax', ['t', INFINITY]], ['TasksMax', ['t', INFINITY]]], '-1: infinity')
  let asked = false
  await resourceProperties({ memory: { limit: MB } }, true, async () => { asked = true; return 252 })
  t.notOk(asked, 'the version is asked only when a property depends on it')
  t.same([cpusetBits('8', 'f'), cpusetBits('0,15', 'f')], [[0, 1], [1, 0x80]])
  await t.rejects(resourceProperties({ cpu: { cpus: '3-1' } }, true, v252), { name: 'SpecError', field: 'linux.resources.cpu.cpus' })
  await t.rejects(resourceProperties({ unified: { 'pids.max': 'lots' } }, true, v252), { name: 'SpecError', field: 'linux.resources.unified.pids.max' })
})

// ---------------------------------------------------------------- this host

t.test('without systemd: --systemd-cgroup is a clear error, nothing is left', { skip: SYSTEMD_RUNNING ? 'systemd runs on this host' : !isRoot && 'needs root' }, async (t) => {
  const root = stateRoot(t)
  const dir = bundle(t, { args: ['true'] })
  const id = uniqueId('nosd')
  const check = cleanup(t, { root, id, bundle: dir })
  const message = /--systemd-cgroup: the systemd cgroup driver needs systemd, which is not running on this host/
  const r = await tsrun(['--root', root, '--systemd-cgroup', 'run', '--bundle', dir, id])
  t.not(r.code, 0, 'tsrun --systemd-cgroup run fails')
  t.match(r.stderr, message)
  await t.rejects(new Runtime({ root, systemdCgroup: true }).create(id, dir), { message }, 'the library: the same error')
  t.equal(JSON.parse((await tsrun(['features'])).stdout).linux.cgroup.systemd, false, 'features: systemd false')
  t.same(await check(), [], 'nothing left')
})

t.test('the CLI does not load the D-Bus library unless --systemd-cgroup is used', { skip: !isRoot && 'needs root' }, async (t) => {
  const root = stateRoot(t)
  const dir = bundle(t, { args: ['true'] })
  const id = uniqueId('lean')
  const check = cleanup(t, { root, id, bundle: dir })
  const r = await tsrun(['--root', root, 'run', '--bundle', dir, id], { env: requireProbe(t, 'dbus-native') })
  t.equal(r.code, 0, 'tsrun run', { stderr: r.stderr })
  t.notMatch(r.stderr, /LOADED dbus-native/, 'not loaded by run (the guest suite shows it is with the flag)')
  t.same(await check(), [])
})

// ---------------------------------------------------------------- systemd as PID 1

let skip = false
if (!isRoot) {
  skip = 'needs root (the guest reads the host root through hostfs)'
} else if (!existsSync(join(REPO, 'dist', 'cli', 'tsrun.cjs'))) {
  skip = 'needs the built CLI (npm run build)'
} else if (!which('busybox')) {
  skip = 'needs busybox (busybox-static) for the bundles'
} else {
  const prep = await run(HARNESS, ['--systemd', '--prepare'], { timeout: 170_000 })
  if (prep.code === 77) skip = (prep.stderr.match(/cannot run: (.*)/) || [])[1] || prep.stderr.trim()
  else if (prep.code !== 0) skip = `run-in-vm --prepare failed (${prep.code}): ${prep.stderr.trim()}`
}
if (skip) t.comment(`skipping the guest suite: ${skip}`)
t.test('in the guest with systemd as PID 1 (test/vm/run-in-vm --systemd)', { skip }, async (t) => {
  t.spawn(HARNESS, ['--systemd', '--timeout', '300', '--', process.execPath, INNER], { cwd: REPO }, 'inner suite, pure cgroup v2')
  t.spawn(HARNESS, ['--systemd', '--hybrid', '--timeout', '300', '--', process.execPath, INNER], { cwd: REPO }, 'inner suite, hybrid (v1 controllers)')
})
