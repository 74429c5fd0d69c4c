// The pure cgroup v2 guest harness (test/vm/run-in-vm, User-mode Linux):
// checks of the harness itself, then tsrun running a container inside it.
// Each guest boot costs ~0.3 s and each process in it ~20 ms: keep the guest
// side of these tests short.

import t from 'tap'

// The guest is slow when the host is busy (every guest syscall goes through ptrace).
t.setTimeout(420_000)
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { REPO, isRoot, run, tempDir, which } from './helpers/env.mjs'

const HARNESS = join(REPO, 'test', 'vm', 'run-in-vm')

/** run-in-vm ARGS...: { code, stdout, stderr, ms }. */
async function vm(args, opts = {}) {
  const t0 = Date.now()
  const r = await run(HARNESS, args, { timeout: 150_000, ...opts })
  return { ...r, ms: Date.now() - t0 }
}

/** "key=value" lines -> object (the first '=' splits). */
function fields(text) {
  const o = {}
  for (const line of text.split('\n')) {
    const i = line.indexOf('=')
    if (i > 0) o[line.slice(0, i)] = line.slice(i + 1)
  }
  return o
}

/** Live processes whose command line mentions `needle` (zombies have none). */
function processesMentioning(needle) {
  const found = []
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue
    let cmd
    try { cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8') } catch { continue }
    if (cmd.includes(needle)) found.push(`${pid}: ${cmd.replace(/\0/g, ' ').slice(0, 120)}`)
  }
  return found
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

let skipReason = null
if (!isRoot) {
  skipReason = 'needs root (the guest reads the host root through hostfs)'
} else {
  const prep = await vm(['--prepare'], { timeout: 170_000 })
  if (prep.code === 77) {
    skipReason = (prep.stderr.match(/cannot run: (.*)/) || [])[1] || prep.stderr.trim()
  } else {
    t.equal(prep.code, 0, `run-in-vm --prepare (${prep.ms} ms)`, { stderr: prep.stderr })
    t.comment(`prepare: ${prep.ms} ms: ${prep.stderr.trim()}`)
  }
}

if (skipReason) {
  t.comment(`skipping: ${skipReason}`)
  t.plan(0, skipReason)
} else {
  t.test('guest: pure cgroup v2, exit status, stdout/stderr, env, cwd, --share', async (t) => {
    const share = tempDir(t, 'tsrun-vm-share-')
    const mark = `mark ${randomBytes(4).toString('hex')}`
    const stray = `/usr/tsrun-vm-test-${randomBytes(4).toString('hex')}`
    const script = [
      'echo "fstype=$(stat -f -c %T /sys/fs/cgroup)"',
      'echo "controllers=$(cat /sys/fs/cgroup/cgroup.controllers)"',
      'echo "subtree=$(cat /sys/fs/cgroup/cgroup.subtree_control)"',
      'echo "opts=$(awk \'$2 == "/sys/fs/cgroup" { print $4 }\' /proc/mounts)"',
      'echo "v1=$(awk \'$3 == "cgroup" { print $2 }\' /proc/mounts)"',
      'echo "self=$(cat /proc/self/cgroup)"',
      'echo "rootfs=$(awk \'$2 == "/" { print $3 }\' /proc/mounts)"',
      'echo "mark=$VM_TEST_MARK"',
      'echo "cwd=$(pwd)"',
      `echo from-guest >${share}/out`,
      `touch ${stray} && echo stray=written`,
      'echo to-stderr >&2',
      'exit 7',
    ].join('\n')
    const r = await vm(['--timeout', '60', '--share', share, '--', 'sh', '-c', script],
      { cwd: REPO, env: { VM_TEST_MARK: mark } })
    t.comment(`one guest run: ${r.ms} ms`)
    t.equal(r.code, 7, 'the command\'s exit status (7) is the harness\'s', { stderr: r.stderr })
    const f = fields(r.stdout)
    t.equal(f.fstype, 'cgroup2fs', '/sys/fs/cgroup is cgroup2')
    t.equal(f.controllers, 'cpu io memory pids', 'root controllers')
    t.equal(f.subtree, 'cpu io memory pids', 'all enabled in the root\'s subtree_control')
    t.match(f.opts, /\bnsdelegate\b/, 'mounted with nsdelegate')
    t.match(f.opts, /\bmemory_recursiveprot\b/, 'mounted with memory_recursiveprot')
    t.equal(f.v1, '', 'no cgroup v1 hierarchy mounted')
    t.equal(f.self, '0::/', 'the command runs in the root cgroup (v2 only)')
    t.equal(f.rootfs, 'overlay', 'the guest root is an overlay')
    t.equal(f.mark, mark, 'the caller\'s environment')
    t.equal(f.cwd, REPO, 'the caller\'s cwd')
    t.equal(f.stray, 'written', 'the guest root is writable')
    t.notOk(existsSync(stray), '... and its writes stay in the guest')
    t.match(r.stderr, /^to-stderr$/m, 'stderr arrives')
    t.equal(readFileSync(join(share, 'out'), 'utf8'), 'from-guest\n', '--share writes reach the host')
  })

  t.test('--timeout: 124, the guest killed, nothing left behind', async (t) => {
    const base = tempDir(t, 'tsrun-vm-tmp-')
    const r = await vm(['--timeout', '2', '--', 'sh', '-c', 'echo started; exec sleep 100'],
      { env: { RUN_IN_VM_TMP: base }, timeout: 60_000 })
    t.comment(`timed-out run: ${r.ms} ms`)
    t.equal(r.code, 124, 'exit status 124', { stderr: r.stderr })
    t.equal(r.stdout, 'started\n', 'output before the timeout arrived')
    t.ok(r.ms < 15_000, `ended soon after the timeout (${r.ms} ms)`)
    let left = processesMentioning(base)
    for (let i = 0; i < 30 && left.length; i++) {
      await sleep(100)
      left = processesMentioning(base)
    }
    t.same(left, [], 'no UML (or helper) process left')
    t.same(readdirSync(base), [], 'its temp dir removed')
  })

  t.test('a guest that dies without a status: 125 and the console tail', async (t) => {
    const r = await vm(['--timeout', '60', '--modules', 'no_such_module_tsrun', '--', 'true'])
    t.equal(r.code, 125, 'exit status 125')
    t.match(r.stderr, /died without an exit status/)
    t.match(r.stderr, /no_such_module_tsrun/, 'the console tail says why')
  })

  t.test('--systemd: systemd is PID 1, the command its unit, nothing else started', { skip: !existsSync('/lib/systemd/systemd') && 'no /lib/systemd/systemd' }, async (t) => {
    const script = [
      'echo "pid1=$(cat /proc/1/comm)"',
      'echo "self=$(cat /proc/self/cgroup)"',
      'echo "active=$(systemctl list-units --state=active --type=service --no-legend --plain | cut -d" " -f1 | tr "\\n" " ")"',
      'exit 3',
    ].join('\n')
    const r = await vm(['--timeout', '120', '--systemd', '--timings', '--', 'sh', '-c', script])
    t.comment(`guest run with systemd: ${r.ms} ms; ${r.stderr.match(/timings: .*/)?.[0]}`)
    t.equal(r.code, 3, 'the command\'s exit status', { stderr: r.stderr })
    const f = fields(r.stdout)
    t.equal(f.pid1, 'systemd')
    t.equal(f.self, '0::/system.slice/tsrunvm.service', 'the command runs as tsrunvm.service')
    t.equal(f.active, 'tsrunvm.service ', 'no other service (the host\'s enabled units are not started)')
    const hybrid = await vm(['--timeout', '120', '--systemd', '--hybrid', '--', 'sh', '-c',
      'echo "unified=$(stat -f -c %T /sys/fs/cgroup/unified)"; echo "memory=$(stat -f -c %T /sys/fs/cgroup/memory)"'])
    t.same(fields(hybrid.stdout), { unified: 'cgroup2fs', memory: 'cgroupfs' }, '--hybrid: v1 controllers, cgroup2 at unified', { stderr: hybrid.stderr })
    t.equal((await vm(['--systemd', '--cgroup', 'x', '--', 'true'])).code, 2, '--cgroup with --systemd is refused')
    t.equal((await vm(['--hybrid', '--', 'true'])).code, 2, '--hybrid without --systemd is refused')
  })

  // The pattern for the cgroup v2 tests: a tap file run in the guest, its TAP
  // stream parsed as a subtest, its exit status failing it.
  t.spawn(HARNESS, ['--timeout', '300', '--cgroup', 'tsrun-vm.slice/tap', '--',
    process.execPath, join(REPO, 'test', 'vm', 'fixtures', 'tap-in-guest.mjs')],
  { cwd: REPO }, 'a tap file run in the guest (t.spawn)')

  const cli = join(REPO, 'dist', 'cli', 'tsrun.cjs')
  const noTsrun = !existsSync(cli) ? `needs ${cli} (npm run build)`
    : !which('busybox') ? 'needs busybox (busybox-static) for the bundle' : false
  t.test('tsrun runs a container in the guest', { skip: noTsrun }, async (t) => {
    // With limits: the container gets a cgroup of its own (cloned straight into
    // it) and, in its cgroup namespace, sees that cgroup as its root.
    const script = [
      'set -e',
      'node scripts/make-bundle.mjs /tmp/vm-bundle -- sh -c "id; cat /proc/self/cgroup; cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max" >/dev/null',
      `node -e "const f=require('fs'),p='/tmp/vm-bundle/config.json',c=JSON.parse(f.readFileSync(p));c.linux.resources.memory={limit:33554432};c.linux.resources.pids={limit:30};f.writeFileSync(p,JSON.stringify(c))"`,
      'node bin/tsrun --debug --root /tmp/vm-state run --bundle /tmp/vm-bundle vm-e2e',
      'test -e /sys/fs/cgroup/vm-e2e && echo cgroup-left || echo cgroup-removed',
    ].join('\n')
    const r = await vm(['--timeout', '300', '--', 'sh', '-c', script], { cwd: REPO })
    t.comment(`make-bundle + tsrun run in the guest: ${r.ms} ms (boot included)`)
    t.comment(`container output:\n${r.stdout}${r.stderr}`)
    t.equal(r.code, 0, 'tsrun run exits 0', { stderr: r.stderr })
    t.match(r.stdout, /^uid=0\(root\) gid=0\(root\)/m, 'the container ran `id`')
    const cg = r.stdout.split('\n').filter((l) => /^\d+:/.test(l))
    t.same(cg, ['0::/'], 'its own cgroup, the root of its cgroup namespace')
    t.match(r.stdout, /^33554432\n30\n/m, 'memory.max and pids.max are the config\'s')
    t.match(r.stdout, /cgroup-removed/, 'delete removed the cgroup')
    t.match(r.stderr, /level=debug msg="process \d+ placed itself in its cgroup \(born in the cgroup2 one\)"/,
      'the init was cloned into its cgroup (clone3 CLONE_INTO_CGROUP), not moved there')
  })
}
