// Docker (dockerd, its containerd and the runc shim) on tsrun: issue "Real
// engines run on tsrun". Every scenario runs with runc first (the
// reference), then with tsrun, both registered with dockerd
// (--add-runtime NAME=WRAPPER) as test/engines/runtime-wrapper, which logs
// each call (printed when tsrun's half fails). See
// /work/shared/notes/engine-contract.md for how Docker calls a runtime.
//
// A private dockerd: own data and exec roots, socket, pid file, config file,
// cgroup parent, no bridge and no iptables (containers get --network none);
// it starts its own containerd in its exec root. Started and stopped by pid.
// Docker itself writes /etc/docker/key.json and makes /run/docker/plugins
// (it has no option against them).
//
// The test image (no registry): the busybox rootfs of make-bundle.mjs as a
// tarball, `docker import --change 'CMD ["sh"]'`.

import t from 'tap'
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { cgroupsMatching, run, which } from './helpers/env.mjs'
import {
  callShape, cgroupHierarchies, containerState, createdIds, engineDir, engineSkipReason, imageRootfs, INSPECT_STATE, leftovers, makeWrapper,
  runtimeNames, scenario, SIGNAL_LOOP, splitCall, startDaemon, stopDaemon, tarDir, waitFor, cgroupFile, runInARow } from './engines/fixtures/engines.mjs'

t.setTimeout(300_000)

// Debian's docker.io CLI (a docker in /usr/local/bin may be another one).
const DOCKER = existsSync('/usr/bin/docker') ? '/usr/bin/docker' : which('docker')
const skip = engineSkipReason(['dockerd', 'containerd', 'containerd-shim-runc-v2', 'tar']) ||
  (!DOCKER && 'needs docker (the CLI; not installed)')
if (skip) {
  t.comment(`skipping: ${skip}`)
  t.plan(0, skip)
} else {
  await main()
}

async function main() {
  const STRESS = Math.max(1, Math.round(Number(process.env.TSRUN_ENGINE_STRESS || 50) / 5))
  const env = await engineDir(t, 'docker')
  const D = env.dir
  const CG_PARENT = env.cgroupParent
  const SOCK = join(D, 'docker.sock')

  // Docker names: "runc" is taken by its own runc.
  const runtimes = {}
  for (const name of runtimeNames(t)) {
    runtimes[name] = makeWrapper(D, name)
    runtimes[name].dockerName = name === 'runc' ? 'runc-logged' : name
  }

  // ---------------------------------------------------------------- dockerd

  for (const d of ['data', 'exec', 'cli', 'image']) mkdirSync(join(D, d))
  writeFileSync(join(D, 'daemon.json'), '{}\n')
  const args = [
    '--data-root', join(D, 'data'), '--exec-root', join(D, 'exec'), '--pidfile', join(D, 'docker.pid'),
    '--host', `unix://${SOCK}`, '--config-file', join(D, 'daemon.json'),
    '--bridge', 'none', '--iptables=false', '--ip6tables=false', '--ip-forward=false', '--ip-masq=false',
    '--userland-proxy=false', '--cgroup-parent', CG_PARENT, '--exec-opt', 'native.cgroupdriver=cgroupfs',
    ...Object.values(runtimes).flatMap((rt) => ['--add-runtime', `${rt.dockerName}=${rt.path}`]),
  ]
  let daemon = null
  const ENV = { DOCKER_HOST: `unix://${SOCK}`, DOCKER_CONFIG: join(D, 'cli') }

  function docker(argv, opts = {}) {
    return run(DOCKER, argv, { timeout: 60_000, ...opts, env: { ...ENV, ...opts.env } })
  }

  async function start(storage) {
    daemon = startDaemon(which('dockerd'), [...args, '--storage-driver', storage], { logFile: join(D, 'dockerd.log') })
    const up = await waitFor(async () => {
      if (!existsSync(`/proc/${daemon.pid}`)) return 'exited'
      return (await docker(['version'], { timeout: 5000 })).code === 0 && 'up'
    }, 30_000, 250)
    return up === 'up'
  }
  env.defer(function stopDockerd() { return stopDaemon(daemon, 20_000) })
  let storage = 'overlay2'
  if (!(await start(storage))) {
    await stopDaemon(daemon)
    storage = 'vfs'
    t.comment('dockerd did not start with overlay2: trying vfs')
    if (!(await start(storage))) {
      const log = readFileSync(join(D, 'dockerd.log'), 'utf8').slice(-3000)
      // dockerd cannot run here at all: say why and skip (not a tsrun failure).
      t.comment(`skipping: dockerd cannot run here:\n${log}`)
      t.plan(0, 'dockerd cannot run here (see the log above)')
      return
    }
  }

  env.defer(async function removeContainers() {
    const ps = await docker(['ps', '--all', '--quiet'])
    const ids = ps.stdout.split('\n').filter(Boolean)
    if (ids.length) await docker(['rm', '--force', ...ids], { timeout: 120_000 })
  })

  const IMAGE = 'tsrun-test/busybox:latest'
  {
    const tar = await tarDir(imageRootfs(join(D, 'image')), join(D, 'image', 'rootfs.tar'))
    const r = await docker(['import', '--change', 'CMD ["sh"]', tar, IMAGE])
    if (r.code !== 0) {
      t.fail(`docker import: ${r.stderr}`)
      return
    }
  }
  const version = await docker(['version', '--format', '{{.Server.Version}}'])
  t.comment(`dockerd ${version.stdout.trim()}, storage ${storage}, image ${IMAGE}`)

  // ---------------------------------------------------------------- helpers

  let nameCounter = 0
  const newName = (rt, what) => `tsrun-test-${what}-${rt.name}-${++nameCounter}`
  const RUN_ARGS = (rt) => ['--runtime', rt.dockerName, '--network', 'none']
  const STATE_ROOT = join(D, 'exec', 'runtime-runc', 'moby')

  const inspect = async (name) => containerState(await docker([...INSPECT_STATE, name]))

  /** Removal at the end of t, and check(): what is left (containers, mounts, state, cgroups). */
  function tracked(t, rt) {
    const mark = rt.mark()
    return leftovers(t, {
      dir: D,
      remove: (names) => docker(['rm', '--force', ...names], { timeout: 60_000 }),
      listNames: async () => (await docker(['ps', '--all', '--format', '{{.Names}}'])).stdout.split('\n'),
      more: () => {
        const ids = createdIds(rt, mark)
        return [
          ...ids.filter((id) => existsSync(join(STATE_ROOT, id))).map((id) => `state: ${join(STATE_ROOT, id)}`),
          ...cgroupsMatching(ids).map((c) => `cgroup: ${c}`),
        ]
      },
    })
  }

  async function startDetached(t, rt, check, extra = []) {
    const name = newName(rt, 'd')
    check.add(name)
    const r = await docker(['run', '-d', '--name', name, ...RUN_ARGS(rt), ...extra, IMAGE, 'sh', '-c', SIGNAL_LOOP])
    t.equal(r.code, 0, `docker run -d${r.code ? `: ${r.stderr}` : ''}`)
    return name
  }

  /** The host's cgroup file of a container (v1 controller file, or the unified one). */
  const containerCgroupFile = (id, ctrl, v1file, v2file) => cgroupFile(join(CG_PARENT, id), ctrl, v1file, v2file)


  // ---------------------------------------------------------------- scenarios

  scenario(t, 'run: output, exit code, missing command', runtimes, async (t, rt) => {
    const check = tracked(t, rt)
    let r = await docker(['run', '--rm', ...RUN_ARGS(rt), IMAGE, 'echo', 'hello'])
    t.equal(r.stdout, 'hello\n', 'echo hello: output')
    t.equal(r.code, 0, `echo hello: exit code 0${r.code ? `: ${r.stderr}` : ''}`)
    r = await docker(['run', '--rm', ...RUN_ARGS(rt), IMAGE, 'sh', '-c', 'exit 7'])
    t.equal(r.code, 7, `sh -c 'exit 7': exit code 7${r.code !== 7 ? `: ${r.stderr}` : ''}`)
    r = await docker(['run', '--rm', ...RUN_ARGS(rt), IMAGE, '/nonexistent'])
    t.equal(r.code, 127, 'a missing command: exit code 127')
    t.match(r.stderr, /\/nonexistent/, 'the error names the command')
    t.same(await check(), [], 'nothing left behind')
  })

  scenario(t, 'run: env, workdir, user, hostname', runtimes, async (t, rt) => {
    const check = tracked(t, rt)
    const r = await docker(['run', '--rm', ...RUN_ARGS(rt), '-e', 'FOO=bar baz', '-w', '/tmp', '-u', '65534:65534',
      '--hostname', 'tsrun-host', IMAGE, 'sh', '-c', 'echo "$FOO"; pwd; id -u; id -g; hostname'])
    t.equal(r.stdout, 'bar baz\n/tmp\n65534\n65534\ntsrun-host\n', 'the process sees them')
    t.equal(r.code, 0, `exit code 0${r.code ? `: ${r.stderr}` : ''}`)
    t.same(await check(), [], 'nothing left behind')
  })

  scenario(t, 'detached: run -d, exec, exec -d, top, stop, rm', runtimes, async (t, rt) => {
    const check = tracked(t, rt)
    const name = await startDetached(t, rt, check)
    t.equal((await inspect(name))?.status, 'running', 'running')
    let r = await docker(['exec', name, 'sh', '-c', 'echo exec-out; exit 3'], { timeout: 15_000 })
    t.equal(r.stdout, 'exec-out\n', 'exec: output')
    t.equal(r.code, 3, `exec: exit code 3${r.code !== 3 ? ` (${r.timedOut ? 'no exit: docker killed after 15 s' : r.stderr})` : ''}`)
    // Short execs exit at once, maybe before the runtime does: the shim must
    // still get each exit status.
    const codes = []
    for (let i = 0; i < 10; i++) {
      r = await docker(['exec', name, 'sh', '-c', 'exit 5'], { timeout: 10_000 })
      codes.push(r.timedOut ? 'no exit (docker killed after 10 s)' : r.code)
      if (r.timedOut) break
    }
    t.same(codes, Array(10).fill(5), 'ten short execs: exit code 5 each time')
    r = await docker(['exec', '-d', name, 'sleep', '30'])
    t.equal(r.code, 0, `exec -d: exit code 0${r.code ? `: ${r.stderr}` : ''}`)
    r = await docker(['top', name])
    t.equal(r.code, 0, `top (the runtime's ps): exit code 0${r.code ? `: ${r.stderr}` : ''}`)
    t.match(r.stdout, /sleep 30/, 'top shows the exec -d process')
    r = await docker(['stop', '--time', '10', name], { timeout: 30_000 })
    t.equal(r.code, 0, `stop: exit code 0${r.code ? `: ${r.stderr}` : ''}`)
    const st = await inspect(name)
    t.equal(st?.status, 'exited', 'exited')
    t.equal(st?.exitCode, 0, 'stopped by SIGTERM (its trap exits 0)')
    r = await docker(['rm', name])
    t.equal(r.code, 0, `rm: exit code 0${r.code ? `: ${r.stderr}` : ''}`)
    t.same(await check(), [], 'nothing left behind')
  })

  scenario(t, 'kill -s USR1, pause/unpause, update --memory, kill', runtimes, async (t, rt) => {
    const check = tracked(t, rt)
    const name = await startDetached(t, rt, check, ['--memory', '64m'])
    const id = (await inspect(name))?.id
    let r = await docker(['kill', '--signal', 'USR1', name])
    t.equal(r.code, 0, `kill -s USR1: exit code 0${r.code ? `: ${r.stderr}` : ''}`)
    t.ok(await waitFor(async () => /got USR1/.test((await docker(['logs', name])).stdout), 10_000, 200),
      'the process got SIGUSR1 (its trap wrote to the log)')
    r = await docker(['pause', name])
    t.equal(r.code, 0, `pause: exit code 0${r.code ? `: ${r.stderr}` : ''}`)
    t.equal((await inspect(name))?.status, 'paused', 'paused')
    const freezer = id && containerCgroupFile(id, 'freezer', 'freezer.state', 'cgroup.freeze')
    if (freezer) t.match(readFileSync(freezer, 'utf8').trim(), /^(FROZEN|1)$/, 'the freezer cgroup is frozen')
    else t.fail('the container\'s freezer cgroup file was not found')
    r = await docker(['unpause', name])
    t.equal(r.code, 0, `unpause: exit code 0${r.code ? `: ${r.stderr}` : ''}`)
    t.equal((await inspect(name))?.status, 'running', 'running again')
    const mem = id && containerCgroupFile(id, 'memory', 'memory.limit_in_bytes', 'memory.max')
    t.equal(mem && readFileSync(mem, 'utf8').trim(), String(64 * 1024 * 1024), 'the memory limit of --memory 64m')
    r = await docker(['update', '--memory', '128m', '--memory-swap', '256m', name])
    t.equal(r.code, 0, `update --memory 128m: exit code 0${r.code ? `: ${r.stderr}` : ''}`)
    t.equal(mem && readFileSync(mem, 'utf8').trim(), String(128 * 1024 * 1024), 'the new memory limit')
    r = await docker(['kill', name])
    t.equal(r.code, 0, `kill: exit code 0${r.code ? `: ${r.stderr}` : ''}`)
    r = await docker(['wait', name], { timeout: 20_000 })
    t.equal(r.stdout.trim(), '137', 'docker wait: killed by SIGKILL (137)')
    t.same(await check(), [], 'nothing left behind')
  })

  const shapes = {}
  const G = '--root V --log V --log-format V'
  const CONTRACT = [
    ['create', new RegExp(`^${G} create --bundle V --pid-file V ID$`)],
    ['start', new RegExp(`^${G} start ID$`)],
    ['exec', new RegExp(`^${G} exec --process V --detach --pid-file V ID$`)],
    ['ps', new RegExp(`^${G} ps --format V ID$`)],
    ['kill (TERM = 15)', new RegExp(`^${G} kill ID 15$`)],
    ['pause', new RegExp(`^${G} pause ID$`)],
    ['resume', new RegExp(`^${G} resume ID$`)],
    ['update --resources -', new RegExp(`^${G} update --resources V ID$`)],
    ['delete', new RegExp(`^${G} delete ID$`)],
  ]

  scenario(t, 'the calls Docker makes (engine-contract.md)', runtimes, async (t, rt) => {
    const check = tracked(t, rt)
    const mark = rt.mark()
    const name = await startDetached(t, rt, check)
    const id = (await inspect(name))?.id
    for (const argv of [['exec', name, 'sh', '-c', 'sleep 1'], ['top', name], ['pause', name], ['unpause', name],
      ['update', '--cpu-shares', '512', name], ['stop', '--time', '10', name], ['rm', name]]) {
      const r = await docker(argv, { timeout: 30_000 })
      t.equal(r.code, 0, `docker ${argv.join(' ')}${r.code ? `: ${r.stderr}` : ''}`)
    }
    const calls = rt.callsSince(mark)
    const seen = [...new Set(calls.map((c) => callShape(c.argv, [id])))]
    shapes[rt.name] = seen
    t.comment(`${rt.name}: ${seen.join(' | ')}`)
    for (const [what, re] of CONTRACT) t.ok(seen.some((s) => re.test(s)), `${what}: ${re}`)
    if (rt.name !== 'runc' && shapes.runc) t.same([...seen].sort(), [...shapes.runc].sort(), 'the same calls as runc got')
    const update = calls.find((c) => splitCall(c.argv).command === 'update')
    t.match(update?.stdin ?? '', /"shares":\s*512/, 'update gets the resources as JSON on stdin')
    t.same(await check(), [], 'nothing left behind')
  })

  scenario(t, `${STRESS} containers in a row leave nothing behind`, runtimes, async (t, rt) => {
    const check = tracked(t, rt)
    const failures = await runInARow(STRESS, () => {
      const name = newName(rt, 's')
      check.add(name)
      return docker(['run', '--rm', '--name', name, ...RUN_ARGS(rt), IMAGE, 'true'])
    })
    t.same(failures, [], `${STRESS} runs exit 0`)
    t.same(await check(), [], 'no containers, mounts, state or cgroups left')
    const left = []
    for (const h of cgroupHierarchies()) {
      const d = join(h, CG_PARENT)
      if (existsSync(d)) for (const e of readdirSync(d, { withFileTypes: true })) if (e.isDirectory()) left.push(join(d, e.name))
    }
    t.same(left, [], `no container cgroups under ${CG_PARENT}`)
  })
}
