// The cgroup v2 driver (lib/linux/cgroups/v2): the conversions and the eBPF
// device program here, on any host; then test/fixtures/cgroups-v2/inner.test.mjs (what
// the driver writes, compared with runc, and enforcement with real processes)
// on a pure cgroup v2 hierarchy: this host's when /sys/fs/cgroup is cgroup2,
// else the User-mode Linux guest of test/vm/run-in-vm.
import t from 'tap'

// The guest is slow when the host is busy (every guest syscall goes through ptrace).
t.setTimeout(420_000)
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { REPO, bundle, isRoot, run, which } from './helpers/env.mjs'

const { sharesToWeight, sharesToWeightLinear } = await import('../dist/linux/cgroups/v2/cpu.js')
const { blkioWeightToIoWeight } = await import('../dist/linux/cgroups/v2/io.js')
const { swapToV2 } = await import('../dist/linux/cgroups/v2/memory.js')
const { deviceFilter, DeviceEmulator } = await import('../dist/linux/cgroups/v2/devices.js')
const { deviceRules } = await import('../dist/linux/cgroups/devices.js')
const { v2Manager } = await import('../dist/linux/cgroups/v2/manager.js')

const MB = 1024 * 1024
const HARNESS = join(REPO, 'test', 'vm', 'run-in-vm')
const INNER = join(REPO, 'test', 'fixtures', 'cgroups-v2', 'inner.test.mjs')

// ---------------------------------------------------------------- conversions

t.test('cpu.shares -> cpu.weight (runc >= 1.3.2 / crun >= 1.23)', async (t) => {
  t.same([0, 1, 2, 512, 1024, 2048, 262144, 1 << 20].map(sharesToWeight), [0, 1, 1, 59, 100, 174, 10000, 10000])
  t.same([0, 2, 512, 1024, 262144].map(sharesToWeightLinear), [0, 1, 20, 39, 10000], 'the older linear one (runc < 1.3.2)')
})

t.test('blkio.weight -> io.weight (runc ConvertBlkIOToIOWeightValue)', async (t) => {
  t.same([0, 10, 100, 500, 1000].map(blkioWeightToIoWeight), [0, 1, 910, 4950, 10000])
})

t.test('memory.swap (memory+swap) -> memory.swap.max (runc ConvertMemorySwapToCgroupV2Value)', async (t) => {
  t.equal(swapToV2(0, 0), 0, 'unset')
  t.equal(swapToV2(0, -1), -1, 'memory unlimited, swap unset: both unlimited')
  t.equal(swapToV2(-1, 100), -1, 'swap -1: max')
  t.equal(swapToV2(300, -1), 300, 'memory unlimited: swap as is')
  t.equal(swapToV2(300, 100), 200, 'swap - limit')
  t.equal(swapToV2(100, 100), 0, 'swap == limit: no swap')
  t.throws(() => swapToV2(100, 0), { name: 'SpecError', field: 'linux.resources.memory.swap' })
  t.throws(() => swapToV2(50, 100), { name: 'SpecError', field: 'linux.resources.memory.swap', message: /at least/ })
})

// ---------------------------------------------------------------- the device program

// struct bpf_insn -> runc-like listing ("JNEImm dst: r2 imm: 1 <+3>").
const NAMES = { 0x61: 'LdXMemW', 0x54: 'And32Imm', 0x74: 'RSh32Imm', 0xb4: 'Mov32Imm', 0xbc: 'Mov32Reg', 0x55: 'JNEImm', 0x5d: 'JNEReg', 0x95: 'Exit' }
function listing(insns) {
  return insns.map((i) => {
    const name = NAMES[i.code] ?? `op${i.code.toString(16)}`
    if (name === 'Exit') return name
    if (name === 'LdXMemW') return `${name} r${i.dst} = r${i.src}[${i.off}]`
    if (name === 'Mov32Reg') return `${name} r${i.dst} = r${i.src}`
    if (name === 'JNEReg') return `${name} r${i.dst} != r${i.src} +${i.off}`
    if (name === 'JNEImm') return `${name} r${i.dst} != ${i.imm} +${i.off}`
    return `${name} r${i.dst} ${i.imm}`
  })
}
const PROLOGUE = ['LdXMemW r2 = r1[0]', 'And32Imm r2 65535', 'LdXMemW r3 = r1[0]', 'RSh32Imm r3 16', 'LdXMemW r4 = r1[4]', 'LdXMemW r5 = r1[8]']
const rule = (allow, type, major, minor, access = 'rwm') => ({ allow, type, major, minor, access })

t.test('device programs as runc devicefilter_test expects them', async (t) => {
  t.same(listing(deviceFilter([]).insns), [...PROLOGUE, 'Mov32Imm r0 0', 'Exit'], 'no rules: deny everything')
  t.same(listing(deviceFilter([rule(true, 'a', -1, -1)]).insns), [...PROLOGUE, 'Mov32Imm r0 1', 'Exit'], 'privileged: allow everything')
  const oneDenied = [...PROLOGUE, 'JNEImm r2 != 1 +4', 'JNEImm r4 != 8 +3', 'JNEImm r5 != 0 +2', 'Mov32Imm r0 0', 'Exit', 'Mov32Imm r0 1', 'Exit']
  t.same(listing(deviceFilter([rule(true, 'a', -1, -1), rule(false, 'b', 8, 0)]).insns), oneDenied, 'privileged except b 8:0')
  // "a" resets: 8:1 is forgotten, 8:2 is denied (runc's TestDeviceFilter_Weird).
  const weird = deviceFilter([rule(false, 'b', 8, 1), rule(true, 'a', -1, -1), rule(false, 'b', 8, 2)])
  t.same(listing(weird.insns), [...PROLOGUE, 'JNEImm r2 != 1 +4', 'JNEImm r4 != 8 +3', 'JNEImm r5 != 2 +2', 'Mov32Imm r0 0', 'Exit', 'Mov32Imm r0 1', 'Exit'])
  // The default list: wildcard mknod blocks check the access (a subset of "m").
  const p = deviceFilter(deviceRules(undefined))
  t.equal(p.defaultAllow, false)
  t.same(p.exceptions.slice(0, 3).map((e) => `${e.type} ${e.major}:${e.minor} ${e.access}`), ['b -1:-1 m', 'c -1:-1 m', 'c 1:3 rwm'], 'sorted by (major, minor, type) as runc')
  t.same(listing(p.insns).slice(6, 12), ['JNEImm r2 != 1 +5', 'Mov32Reg r1 = r3', 'And32Imm r1 1', 'JNEReg r1 != r3 +2', 'Mov32Imm r0 1', 'Exit'])
  t.equal(p.insns.filter((i) => i.code === 0x95).length, p.exceptions.length + 1, 'one block per exception, then the default')
})

t.test('the v1 devices semantics (runc devices.Emulator)', async (t) => {
  const emu = new DeviceEmulator()
  emu.apply(rule(true, 'c', 1, 3, 'r'))
  emu.apply(rule(true, 'c', 1, 3, 'w'))
  emu.apply(rule(true, 'b', 8, -1, 'rwm'))
  emu.apply(rule(false, 'b', 8, -1, 'm'))
  t.same(emu.exceptions().map((e) => `${e.type} ${e.major}:${e.minor} ${e.access} ${e.allow}`), ['c 1:3 rw true', 'b 8:-1 rw true'])
  t.throws(() => emu.apply(rule(false, 'b', 8, 1, 'r')), /punch a hole in the wildcard exception "b 8:\* rw"/)
  emu.apply(rule(false, 'a', -1, -1))
  t.same(emu.exceptions(), [], 'deny-all resets')
})

t.test('resources refused before anything is made', async (t) => {
  // A root that does not exist: these must fail without touching it.
  const m = v2Manager('/nonexistent-tsrun-cgroup2/x/y', '/nonexistent-tsrun-cgroup2')
  const cases = [
    [{ cpu: { realtimePeriod: 1000000 } }, 'linux.resources.cpu.realtimePeriod'],
    [{ memory: { limit: -5 } }, 'linux.resources.memory.limit'],
    [{ memory: { swap: 1 } }, 'linux.resources.memory.swap'],
    [{ unified: { memory: '1' } }, 'linux.resources.unified.memory'],
    [{ hugepageLimits: [{ pageSize: '2 MB', limit: 0 }] }, 'linux.resources.hugepageLimits[0].pageSize'],
    [{ devices: [{ allow: true, type: 'x' }] }, 'linux.resources.devices[0].type'],
  ]
  for (const [r, field] of cases) t.throws(() => m.create(r), { name: 'SpecError', field }, field)
  t.notOk(existsSync('/nonexistent-tsrun-cgroup2'))
  t.throws(() => v2Manager('/elsewhere/x', '/sys/fs/cgroup'), /not below the cgroup2 mount/)
})

// ---------------------------------------------------------------- on a pure cgroup v2 hierarchy

function hostIsV2() {
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const [left, right] = line.split(' - ')
    if (right && left.split(' ')[4] === '/sys/fs/cgroup') return right.split(' ')[0] === 'cgroup2'
  }
  return false
}

/** A bundle for runc with the resources the inner suite compares (or undefined). */
function comparisonBundle(t, withIo) {
  if (!which('runc') || !which('busybox')) return undefined
  return bundle(t, {
    args: ['sleep', '30'],
    mutate(s) {
      s.linux.cgroupsPath = `/tsrun-cgv2-runc-${process.pid}`
      s.linux.resources = {
        devices: [
          { allow: false, access: 'rwm' },
          { allow: true, type: 'c', major: 1, minor: 11, access: 'r' },
          { allow: true, type: 'b', major: 7, access: 'rw' },
        ],
        memory: { limit: 64 * MB, reservation: 16 * MB, swap: 96 * MB },
        pids: { limit: 64 },
        cpu: { shares: 512, quota: 20000, period: 50000 },
      }
      if (withIo) {
        s.linux.resources.blockIO = {
          throttleReadBpsDevice: [{ major: 7, minor: 0, rate: MB }],
          throttleWriteIOPSDevice: [{ major: 7, minor: 0, rate: 100 }],
        }
      }
    },
  })
}

if (!isRoot) {
  t.test('on a pure cgroup v2 hierarchy', { skip: 'needs root (run the tests as root)' }, () => {})
} else if (hostIsV2()) {
  t.test('on this (pure cgroup v2) host', async (t) => {
    const b = comparisonBundle(t, existsSync('/sys/dev/block/7:0'))
    t.spawn(process.execPath, [INNER], { cwd: REPO, env: { ...process.env, TSRUN_CGV2_BUNDLE: b ?? '' } }, 'inner suite')
  })
} else {
  let skip = false
  if (!existsSync(HARNESS)) {
    skip = `this host is not pure cgroup v2, and there is no ${HARNESS}`
  } else {
    const prep = await run(HARNESS, ['--prepare'], { timeout: 170_000 })
    if (prep.code === 77) skip = (prep.stderr.match(/cannot run: (.*)/) || [])[1] || prep.stderr.trim()
    else if (prep.code !== 0) skip = `run-in-vm --prepare failed (${prep.code}): ${prep.stderr.trim()}`
  }
  t.test('in the cgroup v2 guest (test/vm/run-in-vm)', { skip }, async (t) => {
    const b = comparisonBundle(t, true)
    // The runner sits in a leaf of a slice, as a runtime does under systemd;
    // loop gives io.max a block device (7:0).
    t.spawn(HARNESS, ['--timeout', '300', '--modules', 'loop', '--cgroup', 'tsrun-cgv2.slice/runner', '--', process.execPath, INNER],
      { cwd: REPO, env: { ...process.env, TSRUN_CGV2_BUNDLE: b ?? '', TSRUN_CGV2_IN_VM: '1' } }, 'inner suite, in the guest')
  })
}
