// podman (through conmon) on tsrun: issue "Real engines run on tsrun".
// Every scenario runs with runc first (the reference), then with tsrun, both
// behind test/engines/runtime-wrapper, which logs each call (printed when
// tsrun's half fails). See /work/shared/notes/engine-contract.md for how
// podman calls a runtime here.
//
// podman gets everything private in one temp dir: storage (--root,
// --runroot, overlay or else vfs), --tmpdir, a containers.conf of its own
// (CONTAINERS_CONF: file locks, hooks, volumes, the runtimes by name), a
// cgroup parent of its own; no network (--network none) but in one
// scenario, which uses podman's default network as users do. The runtimes
// keep podman's default (their default --root).
//
// Runtime names: podman passes `--log-format=json --log FILE` to create and
// exec only for runtimes whose name it knows (runtime_supports_json). The
// wrappers are declared in that containers.conf as runtimes "runc" and
// "tsrun", with "tsrun" added to runtime_supports_json, so that tsrun gets
// exactly the calls runc gets. One scenario uses "runc-plain" and
// "tsrun-plain", which podman does not know: no JSON log, errors from stderr.
//
// The test image (no registry): the busybox rootfs of make-bundle.mjs (with
// /tmp/from-image) as a tarball, `podman import --change CMD=["sh"]`.

import t from 'tap'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { cgroupsMatching, run, which } from './helpers/env.mjs'
import {
  callShape, containerState, createdConfigs, createdIds, engineDir, engineSkipReason, imageRootfs, INSPECT_STATE, leftovers, makeWrapper,
  runInTerminal, runtimeNames, scenario, SIGNAL_LOOP, splitCall, stateDirsLeft, tarDir, waitFor, cgroupFile, runInARow } from './engines/fixtures/engines.mjs'

t.setTimeout(300_000)

const PODMAN = which('podman')
const skip = engineSkipReason(['podman', 'conmon', 'tar', 'script'])
if (skip) {
  t.comment(`skipping: ${skip}`)
  t.plan(0, skip)
} else {
  await main()
}

async function main() {
  const STRESS = Number(process.env.TSRUN_ENGINE_STRESS || 50)
  const IMAGE = 'localhost/tsrun-test/busybox:latest'
  const env = await engineDir(t, 'podman')
  const D = env.dir
  const CG_PARENT = env.cgroupParent

  // ---------------------------------------------------------------- setup

  const runtimes = {}
  const plain = {}
  for (const name of runtimeNames(t)) {
    runtimes[name] = makeWrapper(D, name)
    plain[name] = makeWrapper(D, name, { sub: `${name}-plain`, file: 'oci-runtime' })
    plain[name].podmanName = `${name}-plain`
  }
  for (const rt of Object.values(runtimes)) rt.podmanName = rt.name

  for (const d of ['tmp', 'hooks', 'networks', 'volumes', 'images']) mkdirSync(join(D, d))
  const toml = (s) => JSON.stringify(s)
  writeFileSync(join(D, 'containers.conf'), [
    '[containers]',
    // As in the containers.conf Debian ships (CONTAINERS_CONF replaces it).
    'default_sysctls = ["net.ipv4.ping_group_range=0 0"]',
    '[engine]',
    'cgroup_manager = "cgroupfs"',
    'events_logger = "file"',
    'lock_type = "file"',
    `hooks_dir = [${toml(join(D, 'hooks'))}]`,
    `volume_path = ${toml(join(D, 'volumes'))}`,
    'runtime_supports_json = ["crun", "runc", "tsrun"]',
    '[engine.runtimes]',
    ...Object.values(runtimes).map((rt) => `${rt.podmanName} = [${toml(rt.path)}]`),
    ...Object.values(plain).map((rt) => `${toml(rt.podmanName)} = [${toml(rt.path)}]`),
    '[network]',
    `network_config_dir = ${toml(join(D, 'networks'))}`,
    '',
  ].join('\n'))

  const ENV = { CONTAINERS_CONF: join(D, 'containers.conf'), TMPDIR: join(D, 'tmp') }
  let STORAGE = process.env.TSRUN_PODMAN_STORAGE || 'overlay'
  // Storage per driver: a failed overlay attempt leaves nothing for vfs to trip on.
  const globalArgs = () => [
    '--root', join(D, `root-${STORAGE}`), '--runroot', join(D, `runroot-${STORAGE}`), '--tmpdir', join(D, `libpod-tmp-${STORAGE}`),
    '--cgroup-manager', 'cgroupfs', '--events-backend', 'file', '--storage-driver', STORAGE,
    '--hooks-dir', join(D, 'hooks'), '--network-config-dir', join(D, 'networks'),
    '--volumepath', join(D, 'volumes'),
  ]
  // What every container gets: ulimits this machine allows (no
  // CAP_SYS_RESOURCE: podman's default nofile/nproc of 1048576 are refused by
  // every runtime), our cgroup parent; and, but in the default-network
  // scenario, no network.
  const LIMITS = ['--ulimit', 'nofile=20000:20000', '--ulimit', 'nproc=4096:4096', '--cgroup-parent', CG_PARENT]
  const RUN_ARGS = ['--network', 'none', ...LIMITS]

  /** podman with runtime rt (or none for image and cleanup commands). */
  function podman(rt, args, opts = {}) {
    const rtArgs = rt ? ['--runtime', rt.podmanName] : []
    return run(PODMAN, [...globalArgs(), ...rtArgs, ...args], { timeout: 60_000, ...opts, env: { ...ENV, ...opts.env } })
  }

  let nameCounter = 0
  const newName = (rt, what) => `tsrun-test-${what}-${rt.name}-${process.pid}-${++nameCounter}`

  // The default network's bridge (CNI's cni-podman0 or netavark's podman0),
  // made by the first container on it: removed at the end if we made it.
  const bridges = ['cni-podman0', 'podman0'].filter((b) => !existsSync(`/sys/class/net/${b}`))
  env.defer(async function removeBridges() {
    for (const b of bridges) if (existsSync(`/sys/class/net/${b}`)) await run('ip', ['link', 'delete', b])
  })

  env.defer(async function removeContainers() {
    // Every container of our private storage, whatever its runtime.
    await podman(null, ['rm', '--all', '--force', '--time', '0'], { timeout: 120_000 })
  })

  // The image. overlay if podman can use it here, else vfs ($TSRUN_PODMAN_STORAGE forces one).
  const rootfsTar = await tarDir(imageRootfs(join(D, 'images')), join(D, 'images', 'rootfs.tar'))
  let imported = await podman(null, ['import', '--change', 'CMD=["sh"]', rootfsTar, IMAGE])
  if (imported.code !== 0) {
    t.comment(`podman with the overlay driver failed (${imported.stderr.trim()}): using vfs`)
    STORAGE = 'vfs'
    imported = await podman(null, ['import', '--change', 'CMD=["sh"]', rootfsTar, IMAGE])
  }
  if (imported.code !== 0) {
    t.fail(`podman import failed: ${imported.stderr}`)
    return
  }
  t.comment(`podman ${(await podman(null, ['--version'])).stdout.trim()}, storage ${STORAGE}, image ${IMAGE}`)

  // ---------------------------------------------------------------- helpers

  /** State of a container: { status, exitCode, id } or null. */
  const inspect = async (rt, name) => containerState(await podman(rt, [...INSPECT_STATE, name]))

  /** Removal at the end of t, and check(): what is left (containers, mounts, state, cgroups). */
  function tracked(t, rt) {
    const mark = rt.mark()
    return leftovers(t, {
      dir: D,
      remove: (names) => podman(rt, ['rm', '--force', '--time', '0', ...names], { timeout: 60_000 }),
      listNames: async () => (await podman(rt, ['ps', '--all', '--format', '{{.Names}}'])).stdout.split('\n'),
      more: () => {
        const ids = createdIds(rt, mark)
        return [...stateDirsLeft(rt, ids), ...cgroupsMatching(ids).map((c) => `cgroup: ${c}`)]
      },
    })
  }

  /** Starts a detached container running SIGNAL_LOOP: its name (after checks). */
  async function startDetached(t, rt, check, extra = []) {
    const name = newName(rt, 'd')
    check.add(name)
    const r = await podman(rt, ['run', '-d', '--name', name, ...RUN_ARGS, ...extra, IMAGE, 'sh', '-c', SIGNAL_LOOP])
    t.equal(r.code, 0, `podman run -d exits 0${r.code ? `: ${r.stderr}` : ''}`)
    t.match(r.stdout.trim(), /^[0-9a-f]{64}$/, 'prints the container id')
    return name
  }

  /** The host's cgroup file of a container (v1 controller file, or the unified one). */
  const containerCgroupFile = (id, ctrl, v1file, v2file) => cgroupFile(join(CG_PARENT, `libpod-${id}`), ctrl, v1file, v2file)


  const CAT_LIMITS = 'if [ -f /sys/fs/cgroup/memory/memory.limit_in_bytes ]; then ' +
    'cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max; ' +
    'else cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max; fi'

  // ---------------------------------------------------------------- scenarios

  scenario(t, 'run: output, exit code, missing command', runtimes, async (t, rt) => {
    const check = tracked(t, rt)
    let r = await podman(rt, ['run', '--rm', ...RUN_ARGS, IMAGE, 'echo', 'hello'])
    t.equal(r.stdout, 'hello\n', 'echo hello: output')
    t.equal(r.code, 0, `echo hello: exit code 0${r.code ? `: ${r.stderr}` : ''}`)
    r = await podman(rt, ['run', '--rm', ...RUN_ARGS, IMAGE, 'sh', '-c', 'exit 7'])
    t.equal(r.code, 7, `sh -c 'exit 7': exit code 7${r.code !== 7 ? `: ${r.stderr}` : ''}`)
    r = await podman(rt, ['run', '--rm', ...RUN_ARGS, IMAGE, '/nonexistent'])
    t.equal(r.code, 127, 'a missing command: exit code 127')
    t.match(r.stderr, /\/nonexistent/, 'the error names the command')
    t.same(await check(), [], 'nothing left behind')
  })

  // Root podman's default network (CNI's "podman" bridge here, netavark
  // elsewhere) makes a network namespace, hands it to the runtime by path
  // (/run/netns/…) and sets net.ipv4.ping_group_range in it: the runtime must
  // take the joined namespace for the container's own, as runc does.
  const outputs = {}
  scenario(t, 'the default network: a joined network namespace and its sysctl', runtimes, async (t, rt) => {
    const check = tracked(t, rt)
    const mark = rt.mark()
    const r = await podman(rt, ['run', '--rm', ...LIMITS, IMAGE, 'sh', '-c',
      'echo hi; cat /proc/sys/net/ipv4/ping_group_range; ls /sys/class/net'])
    t.equal(r.code, 0, `exit code 0${r.code ? `: ${r.stderr}` : ''}`)
    t.match(r.stdout, /^hi\n0\s+0\n/, 'output, and the sysctl podman set')
    const [config] = createdConfigs(rt, mark)
    const net = config?.linux?.namespaces?.find((n) => n.type === 'network')
    t.match(net?.path, /^\/run\/netns\//, 'podman joins a network namespace by path')
    t.equal(config?.linux?.sysctl?.['net.ipv4.ping_group_range'], '0 0', 'and sets net.ipv4.ping_group_range')
    outputs[rt.name] = r.stdout
    if (rt.name !== 'runc' && 'runc' in outputs) t.equal(r.stdout, outputs.runc, 'the same output as with runc')
    t.same(await check(), [], 'nothing left behind')
  })

  scenario(t, 'run: env (-e), workdir (-w), user (-u), hostname', runtimes, async (t, rt) => {
    const check = tracked(t, rt)
    const r = await podman(rt, ['run', '--rm', ...RUN_ARGS, '-e', 'FOO=bar baz', '-w', '/tmp', '-u', '65534:65534',
      '--hostname', 'tsrun-host', IMAGE, 'sh', '-c', 'echo "$FOO"; pwd; id -u; id -g; hostname'])
    t.equal(r.stdout, 'bar baz\n/tmp\n65534\n65534\ntsrun-host\n', 'the process sees them')
    t.equal(r.code, 0, `exit code 0${r.code ? `: ${r.stderr}` : ''}`)
    t.same(await check(), [], 'nothing left behind')
  })

  scenario(t, 'terminal: run -t, exec -t', runtimes, async (t, rt) => {
    const check = tracked(t, rt)
    const name = newName(rt, 't')
    check.add(name)
    let r = await runInTerminal(PODMAN, [...globalArgs(), '--runtime', rt.podmanName, 'run', '--rm', '-t', ...RUN_ARGS,
      IMAGE, 'sh', '-c', 'tty; [ -t 0 ] && echo stdin-is-a-tty'], { env: ENV, timeout: 60_000 })
    t.match(r.stdout, /\/dev\/pts\/\d+\r*\n/, 'run -t: the process has a terminal')
    t.match(r.stdout, /stdin-is-a-tty/, 'run -t: stdin is the terminal')
    t.equal(r.code, 0, `run -t: exit code 0${r.code ? `: ${r.stdout}${r.stderr}` : ''}`)
    const d = await podman(rt, ['run', '-d', '--name', name, ...RUN_ARGS, IMAGE, 'sh', '-c', SIGNAL_LOOP])
    t.equal(d.code, 0, `run -d${d.code ? `: ${d.stderr}` : ''}`)
    r = await runInTerminal(PODMAN, [...globalArgs(), '--runtime', rt.podmanName, 'exec', '-t', name, 'tty'],
      { env: ENV, timeout: 60_000 })
    t.match(r.stdout, /\/dev\/pts\/\d+\r*\n/, 'exec -t: the process has a terminal')
    t.equal(r.code, 0, `exec -t: exit code 0${r.code ? `: ${r.stdout}${r.stderr}` : ''}`)
    t.same(await check(), [], 'nothing left behind')
  })

  scenario(t, 'detached: run -d, exec, exec -d, stop, rm', runtimes, async (t, rt) => {
    const check = tracked(t, rt)
    const name = await startDetached(t, rt, check)
    t.equal((await inspect(rt, name))?.status, 'running', 'running')
    let r = await podman(rt, ['exec', name, 'sh', '-c', 'echo exec-out; exit 3'])
    t.equal(r.stdout, 'exec-out\n', 'exec: output')
    t.equal(r.code, 3, `exec: exit code 3${r.code !== 3 ? `: ${r.stderr}` : ''}`)
    // A short exec exits at once, maybe before the runtime does: conmon
    // (a subreaper) must still get its exit status each time.
    const codes = []
    for (let i = 0; i < 10; i++) codes.push((await podman(rt, ['exec', name, 'sh', '-c', 'exit 5'], { timeout: 20_000 })).code)
    t.same(codes, Array(10).fill(5), 'ten short execs: exit code 5 each time')
    r = await podman(rt, ['exec', name, '/nonexistent'])
    t.equal(r.code, 127, 'exec of a missing command: exit code 127')
    r = await podman(rt, ['exec', '-d', name, 'sleep', '30'])
    t.equal(r.code, 0, `exec -d: exit code 0${r.code ? `: ${r.stderr}` : ''}`)
    r = await podman(rt, ['top', name, 'args'])
    t.match(r.stdout, /sleep 30/, 'top shows the exec -d process')
    r = await podman(rt, ['stop', '--time', '10', name])
    t.equal(r.code, 0, `stop: exit code 0${r.code ? `: ${r.stderr}` : ''}`)
    const st = await inspect(rt, name)
    t.equal(st?.status, 'exited', 'stopped: exited')
    t.equal(st?.exitCode, 0, 'stopped by SIGTERM (its trap exits 0)')
    r = await podman(rt, ['rm', name])
    t.equal(r.code, 0, `rm: exit code 0${r.code ? `: ${r.stderr}` : ''}`)
    t.equal(await inspect(rt, name), null, 'removed')
    t.same(await check(), [], 'nothing left behind')
  })

  scenario(t, 'kill -s USR1, then kill', runtimes, async (t, rt) => {
    const check = tracked(t, rt)
    const name = await startDetached(t, rt, check)
    let r = await podman(rt, ['kill', '-s', 'USR1', name])
    t.equal(r.code, 0, `kill -s USR1: exit code 0${r.code ? `: ${r.stderr}` : ''}`)
    const logs = await waitFor(async () => {
      const l = await podman(rt, ['logs', name])
      return /got USR1/.test(l.stdout) && l.stdout
    }, 10_000, 200)
    t.ok(logs, 'the process got SIGUSR1 (its trap wrote to the log)')
    t.equal((await inspect(rt, name))?.status, 'running', 'and runs on')
    r = await podman(rt, ['kill', name])
    t.equal(r.code, 0, `kill: exit code 0${r.code ? `: ${r.stderr}` : ''}`)
    r = await podman(rt, ['wait', name], { timeout: 20_000 })
    t.equal(r.stdout.trim(), '137', 'podman wait: killed by SIGKILL (137)')
    t.same(await check(), [], 'nothing left behind')
  })

  scenario(t, 'pause and unpause', runtimes, async (t, rt) => {
    const check = tracked(t, rt)
    const name = await startDetached(t, rt, check)
    const id = (await inspect(rt, name))?.id
    let r = await podman(rt, ['pause', name])
    t.equal(r.code, 0, `pause: exit code 0${r.code ? `: ${r.stderr}` : ''}`)
    t.equal((await inspect(rt, name))?.status, 'paused', 'paused')
    const freezer = id && containerCgroupFile(id, 'freezer', 'freezer.state', 'cgroup.freeze')
    if (freezer) t.match(readFileSync(freezer, 'utf8').trim(), /^(FROZEN|1)$/, `${freezer}: frozen`)
    else t.fail('the container\'s freezer cgroup file was not found')
    r = await podman(rt, ['unpause', name])
    t.equal(r.code, 0, `unpause: exit code 0${r.code ? `: ${r.stderr}` : ''}`)
    t.equal((await inspect(rt, name))?.status, 'running', 'running again')
    if (freezer) t.match(readFileSync(freezer, 'utf8').trim(), /^(THAWED|0)$/, 'thawed')
    r = await podman(rt, ['exec', name, 'echo', 'alive'], { timeout: 20_000 })
    t.equal(r.stdout, 'alive\n', 'exec works after unpause')
    t.same(await check(), [], 'nothing left behind')
  })

  scenario(t, 'resources: --memory 64m, --pids-limit 50, update --memory', runtimes, async (t, rt) => {
    const check = tracked(t, rt)
    let r = await podman(rt, ['run', '--rm', ...RUN_ARGS, '--memory', '64m', '--pids-limit', '50', IMAGE, 'sh', '-c', CAT_LIMITS])
    t.equal(r.stdout, `${64 * 1024 * 1024}\n50\n`, 'the container\'s cgroup files (read inside it) have the limits')
    t.equal(r.code, 0, `exit code 0${r.code ? `: ${r.stderr}` : ''}`)
    const name = await startDetached(t, rt, check, ['--memory', '64m', '--pids-limit', '50'])
    r = await podman(rt, ['update', '--memory', '128m', name])
    t.equal(r.code, 0, `update --memory 128m: exit code 0${r.code ? `: ${r.stderr}` : ''}`)
    const id = (await inspect(rt, name))?.id
    const file = id && containerCgroupFile(id, 'memory', 'memory.limit_in_bytes', 'memory.max')
    t.equal(file && readFileSync(file, 'utf8').trim(), String(128 * 1024 * 1024), 'the host sees the new memory limit')
    t.same(await check(), [], 'nothing left behind')
  })

  scenario(t, '--read-only (tmpfs with tmpcopyup)', runtimes, async (t, rt) => {
    const check = tracked(t, rt)
    const r = await podman(rt, ['run', '--rm', '--read-only', ...RUN_ARGS, IMAGE, 'sh', '-c',
      'touch /x 2>/dev/null && echo root-writable; echo w > /tmp/w && cat /tmp/w; cat /tmp/from-image; ' +
      'grep " /tmp " /proc/mounts | cut -d" " -f3'])
    t.equal(r.code, 0, `exit code 0${r.code ? `: ${r.stderr}` : ''}`)
    t.equal(r.stdout, 'w\nimage\ntmpfs\n', 'read-only root; /tmp a writable tmpfs with the image\'s /tmp content')
    t.same(await check(), [], 'nothing left behind')
  })

  scenario(t, 'a volume (-v hostdir:/data) keeps its data', runtimes, async (t, rt) => {
    const check = tracked(t, rt)
    const host = join(D, `volume-${rt.name}`)
    mkdirSync(host)
    let r = await podman(rt, ['run', '--rm', ...RUN_ARGS, '-v', `${host}:/data`, IMAGE, 'sh', '-c', `echo data-${rt.name} > /data/f`])
    t.equal(r.code, 0, `writing: exit code 0${r.code ? `: ${r.stderr}` : ''}`)
    t.equal(existsSync(join(host, 'f')) && readFileSync(join(host, 'f'), 'utf8'), `data-${rt.name}\n`, 'the host sees the file')
    r = await podman(rt, ['run', '--rm', ...RUN_ARGS, '-v', `${host}:/data:ro`, IMAGE, 'cat', '/data/f'])
    t.equal(r.stdout, `data-${rt.name}\n`, 'another container reads it')
    t.same(await check(), [], 'nothing left behind')
  })

  scenario(t, 'a runtime podman does not know by name: no JSON log, errors from stderr', plain, async (t, rt) => {
    const check = tracked(t, rt)
    const mark = rt.mark()
    let r = await podman(rt, ['run', '--rm', ...RUN_ARGS, IMAGE, 'echo', 'hello'])
    t.equal(r.stdout, 'hello\n', 'output')
    t.equal(r.code, 0, `exit code 0${r.code ? `: ${r.stderr}` : ''}`)
    r = await podman(rt, ['run', '--rm', ...RUN_ARGS, IMAGE, '/nonexistent'])
    t.equal(r.code, 127, 'a missing command: exit code 127')
    t.match(r.stderr, /\/nonexistent/, 'the runtime\'s error reaches the user')
    const creates = rt.callsSince(mark).filter((c) => splitCall(c.argv).command === 'create')
    t.ok(creates.length >= 2 && creates.every((c) => !c.argv.some((a) => a.startsWith('--log-format'))),
      'create without --log-format')
    t.same(await check(), [], 'nothing left behind')
  })

  // The calls of one container's life, as shapes (see callShape), per runtime.
  const shapes = {}
  const CONTRACT = [
    ['create', /^--log-format=V --log V create --bundle V --pid-file V ID$/],
    ['start', /^start ID$/],
    ['exec --detach', /^--log-format=V --log V exec --pid-file V --process V --detach ID$/],
    ['exec --tty', /^--log-format=V --log V exec --pid-file V --process V --detach --tty --console-socket V ID$/],
    ['kill (USR1 = 10)', /^kill ID 10$/],
    ['kill (TERM = 15)', /^kill ID 15$/],
    ['pause', /^pause ID$/],
    ['resume', /^resume ID$/],
    ['update', /^update --resources=V ID$/],
    ['delete --force', /^delete --force ID$/],
  ]

  scenario(t, 'the calls podman makes (engine-contract.md)', runtimes, async (t, rt) => {
    const check = tracked(t, rt)
    const mark = rt.mark()
    const name = await startDetached(t, rt, check)
    const id = (await inspect(rt, name))?.id
    const steps = [
      ['exec', name, 'true'],
      ['exec', '-d', name, 'sleep', '1'],
      ['kill', '-s', 'USR1', name],
      ['pause', name],
      ['unpause', name],
      ['update', '--memory', '100m', name],
      ['stop', '--time', '10', name],
      ['rm', name],
    ]
    const r0 = await runInTerminal(PODMAN, [...globalArgs(), '--runtime', rt.podmanName, 'exec', '-t', name, 'true'],
      { env: ENV, timeout: 60_000 })
    t.equal(r0.code, 0, 'exec -t')
    for (const args of steps) {
      const r = await podman(rt, args, { timeout: 30_000 })
      t.equal(r.code, 0, `podman ${args.join(' ')}${r.code ? `: ${r.stderr}` : ''}`)
    }
    const calls = rt.callsSince(mark)
    const seen = [...new Set(calls.map((c) => callShape(c.argv, [id])))]
    shapes[rt.name] = seen
    t.comment(`${rt.name}: ${seen.join(' | ')}`)
    for (const [what, re] of CONTRACT) t.ok(seen.some((s) => re.test(s)), `${what}: ${re}`)
    if (rt.name !== 'runc' && shapes.runc) {
      t.same([...seen].sort(), [...shapes.runc].sort(), 'the same calls as runc got')
    }
    t.same(await check(), [], 'nothing left behind')
  })

  scenario(t, `${STRESS} containers in a row leave nothing behind`, runtimes, async (t, rt) => {
    const check = tracked(t, rt)
    const failures = await runInARow(STRESS, () => {
      const name = newName(rt, 's')
      check.add(name)
      return podman(rt, ['run', '--rm', '--name', name, ...RUN_ARGS, IMAGE, 'true'])
    })
    t.same(failures, [], `${STRESS} runs exit 0`)
    const ps = await podman(rt, ['ps', '--all', '--quiet'])
    t.equal(ps.stdout.trim(), '', 'podman knows no container')
    t.same(await check(), [], 'no containers, mounts, state dirs or cgroups left')
  }, { timeout: 200_000 })
}
