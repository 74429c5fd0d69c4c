// User namespaces on a real kernel: id mappings, device bind mounts, mapping
// errors, and rootless containers run by a real unprivileged user (made for
// the test with useradd, removed with userdel). Compared with runc on the
// same bundle where the output is observable; the runc half is skipped, with
// a comment, when runc is not installed.
import t from 'tap'
import { execFileSync, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { appendFileSync, chownSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { makeRootfs } from '../scripts/make-bundle.mjs'
import {
  bundle, cleanup, needsRoot, runWithBoth, tempDir, uniqueId, which, NO_RUNC, TSRUN_BIN,
} from './helpers/env.mjs'

const RUNC = which('runc')

const MAP = [{ containerID: 0, hostID: 100000, size: 65536 }]

/** A user namespace mapping container 0..65535 to host 100000..165535. */
function userns(s) {
  s.linux.namespaces.push({ type: 'user' })
  s.linux.uidMappings = structuredClone(MAP)
  s.linux.gidMappings = structuredClone(MAP)
}

/** chown -hR the bundle's own rootfs (never the shared one) to the mapped root. */
function chownRootfs(dir, id) {
  const rootfs = join(dir, 'rootfs')
  if (!existsSync(join(rootfs, 'bin', 'busybox'))) throw new Error(`${dir} has no private rootfs`)
  execFileSync('chown', ['-hR', `${id}:${id}`, rootfs])
}

const runBoth = (t, dir, opts = {}) => runWithBoth(t, dir, { prefix: 'userns', ...opts })

t.test('a user namespace: root inside, the mapping in uid_map/gid_map', async (t) => {
  if (!needsRoot(t)) return
  const dir = bundle(t, {
    args: ['sh', '-c', 'id; cat /proc/self/uid_map /proc/self/gid_map; grep CapEff /proc/self/status; stat -c "%u %g" /bin/busybox'],
    privateRootfs: true,
    mutate: userns,
  })
  chownRootfs(dir, 100000)
  const { ts, rc, check } = await runBoth(t, dir)
  t.equal(ts.code, 0, ts.stderr)
  const lines = ts.stdout.split('\n')
  t.equal(lines[0], 'uid=0(root) gid=0(root)', 'id shows root')
  t.match(lines[1], /^\s*0\s+100000\s+65536$/, 'uid_map')
  t.match(lines[2], /^\s*0\s+100000\s+65536$/, 'gid_map')
  t.equal(lines[4], '0 0', 'the rootfs (host 100000) is root\'s inside')
  if (rc) t.same(ts.stdout, rc.stdout, 'same as runc')
  t.same(await check(), [])
})

t.test('a user namespace: devices are bind mounts of the host\'s', async (t) => {
  if (!needsRoot(t)) return
  // A user namespace cannot mknod: /dev/null & co are the host's nodes,
  // bind-mounted (owned by the unmapped host root: nobody inside).
  const devs = ['null', 'zero', 'full', 'random', 'urandom', 'tty']
  const dir = bundle(t, {
    args: ['sh', '-c', [
      ...devs.map((d) => `stat -c "%n %F %t,%T %U" /dev/${d}`),
      'echo x > /dev/null && echo write-ok',
      'head -c 4 /dev/zero | od -An -tx1',
      `for d in ${devs.join(' ')}; do grep -q " /dev/$d " /proc/self/mountinfo && echo "$d mounted"; done`,
    ].join('; ')],
    privateRootfs: true,
    mutate: userns,
  })
  chownRootfs(dir, 100000)
  const { ts, rc, check } = await runBoth(t, dir)
  t.equal(ts.code, 0, ts.stderr)
  t.equal(ts.stdout, [
    '/dev/null character special file 1,3 nobody',
    '/dev/zero character special file 1,5 nobody',
    '/dev/full character special file 1,7 nobody',
    '/dev/random character special file 1,8 nobody',
    '/dev/urandom character special file 1,9 nobody',
    '/dev/tty character special file 5,0 nobody',
    'write-ok',
    ' 00 00 00 00',
    ...devs.map((d) => `${d} mounted`),
    '',
  ].join('\n'))
  if (rc) t.same(ts.stdout, rc.stdout, 'same as runc')
  t.same(await check(), [])
})

t.test('mapping errors name the field and leave nothing', async (t) => {
  if (!needsRoot(t)) return
  const cases = [
    ['overlapping uid mappings', /linux\.uidMappings/, (s) => {
      userns(s)
      s.linux.uidMappings.push({ containerID: 1000, hostID: 200000, size: 10 })
    }],
    ['overlapping host ids in gid mappings', /linux\.gidMappings/, (s) => {
      userns(s)
      s.linux.gidMappings = [
        { containerID: 0, hostID: 100000, size: 1000 },
        { containerID: 5000, hostID: 100500, size: 10 },
      ]
    }],
    ['a user namespace without mappings', /linux\.(uid|gid)Mappings/, (s) => {
      s.linux.namespaces.push({ type: 'user' })
    }],
    ['a user namespace without gid mappings', /linux\.gidMappings/, (s) => {
      userns(s)
      delete s.linux.gidMappings
    }],
  ]
  for (const [name, field, mutate] of cases) {
    await t.test(name, async (t) => {
      const dir = bundle(t, { args: ['true'], mutate })
      const { ts, rc, check } = await runBoth(t, dir)
      t.not(ts.code, 0, 'tsrun run fails')
      t.match(ts.stderr, field, 'the error names the field')
      if (rc) t.not(rc.code, 0, 'runc fails too')
      t.same(await check(), [])
    })
  }
})

// ---------------------------------------------------------------- rootless

/**
 * Runs a command as uid/gid with exactly `env`; { code, signal, stdout,
 * stderr }. Killed (its process group) after `timeout` ms.
 */
function runAs(user, cmd, args, { env = {}, cwd, timeout = 60_000, stdio } = {}) {
  const vars = { PATH: '/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin', HOME: '/', ...env }
  return new Promise((resolve, reject) => {
    // Through `env -i`: exactly these variables (a test runner may add its
    // own to node children, e.g. tap's NODE_OPTIONS, which write where this
    // user may not).
    const child = spawn('env', ['-i', ...Object.entries(vars).map(([k, v]) => `${k}=${v}`), cmd, ...args], {
      uid: user.uid,
      gid: user.gid,
      cwd,
      env: vars,
      stdio: stdio ?? ['ignore', 'pipe', 'pipe'],
      detached: true,
    })
    const out = []
    const err = []
    child.stdout?.on('data', (d) => out.push(d))
    child.stderr?.on('data', (d) => err.push(d))
    const timer = setTimeout(() => { try { process.kill(-child.pid, 'SIGKILL') } catch {} }, timeout)
    child.on('error', (e) => { clearTimeout(timer); reject(e) })
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() })
    })
  })
}

/** A new unprivileged user (no home), removed with userdel at teardown. */
function makeUser(t) {
  const name = `tsrt${process.pid % 100000}${randomBytes(2).toString('hex')}`
  execFileSync('useradd', ['-M', '-d', '/nonexistent', '-s', '/usr/sbin/nologin', name], { stdio: ['ignore', 'ignore', 'pipe'] })
  t.teardown(() => {
    try {
      execFileSync('userdel', [name], { stdio: ['ignore', 'ignore', 'pipe'] })
    } catch (e) {
      process.stderr.write(`# userdel ${name}: ${String(e.stderr || e.message).trim()}\n`)
      process.exitCode = 1
    }
  })
  const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }))
  const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }))
  return { name, uid, gid }
}

t.test('rootless: an unprivileged user runs a container made by `tsrun spec --rootless`', {
  skip: !which('useradd') || !which('userdel') ? 'needs useradd and userdel' : false,
}, async (t) => {
  if (!needsRoot(t)) return
  const user = makeUser(t)
  const own = (p) => chownSync(p, user.uid, user.gid)
  // The bundle and its rootfs are the user's, as are the runtime dirs.
  const dir = tempDir(t, 'tsrun-rootless-')
  own(dir)
  makeRootfs(join(dir, 'rootfs'))
  execFileSync('chown', ['-hR', `${user.uid}:${user.gid}`, join(dir, 'rootfs')])
  const xdg = tempDir(t, 'tsrun-xdg-')
  own(xdg)
  execFileSync('chmod', ['0700', xdg])

  const spec = await runAs(user, process.execPath, [TSRUN_BIN, 'spec', '--rootless'], { cwd: dir })
  t.equal(spec.code, 0, `tsrun spec --rootless as ${user.name}: ${spec.stderr}`)
  const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'))
  t.same(config.linux.uidMappings, [{ containerID: 0, hostID: user.uid, size: 1 }], 'the user\'s uid mapped to 0')
  t.same(config.linux.gidMappings, [{ containerID: 0, hostID: user.gid, size: 1 }], 'the user\'s gid mapped to 0')
  t.ok(config.linux.namespaces.some((n) => n.type === 'user'), 'a user namespace')
  config.process.terminal = false
  config.process.args = ['sh', '-c', 'id; cat /proc/self/uid_map; stat -c "%u %g" /bin/busybox; echo x > /dev/null && echo null-ok']
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config, null, '\t'))
  t.equal(statSync(join(dir, 'config.json')).uid, user.uid, 'config.json stays the user\'s')

  const env = { XDG_RUNTIME_DIR: xdg }
  const tsRoot = join(xdg, 'tsrun')
  const id = uniqueId('rootless')
  const checkTs = cleanup(t, { root: tsRoot, ids: [id], bundle: dir })
  const ts = await runAs(user, process.execPath, [TSRUN_BIN, 'run', '--bundle', dir, id], { env })
  t.equal(ts.code, 0, `tsrun run as ${user.name}: ${ts.stderr}`)
  const lines = ts.stdout.split('\n')
  t.equal(lines[0], 'uid=0(root) gid=0(root)', 'uid 0 inside')
  t.match(lines[1], new RegExp(`^\\s*0\\s+${user.uid}\\s+1$`), 'uid_map maps the user to 0')
  t.equal(lines[2], '0 0', 'the user\'s rootfs is root\'s inside')
  t.equal(lines[3], 'null-ok', '/dev/null works')
  t.ok(existsSync(tsRoot), 'the default state root is $XDG_RUNTIME_DIR/tsrun')
  t.equal(existsSync(tsRoot) && statSync(tsRoot).uid, user.uid, 'owned by the user')

  // A created container's state lives there while it exists.
  const id2 = uniqueId('rootless')
  checkTs.add(id2)
  const created = await runAs(user, process.execPath, [TSRUN_BIN, 'create', '--bundle', dir, id2], { env, stdio: 'ignore' })
  t.equal(created.code, 0, 'tsrun create as the user')
  t.ok(existsSync(join(tsRoot, id2, 'state.json')), `state in $XDG_RUNTIME_DIR/tsrun/${id2}`)
  const st = await runAs(user, process.execPath, [TSRUN_BIN, 'state', id2], { env })
  t.equal(st.code, 0, `tsrun state as the user: ${st.stderr}`)
  t.equal(st.code === 0 && JSON.parse(st.stdout).status, 'created')
  const del = await runAs(user, process.execPath, [TSRUN_BIN, 'delete', id2], { env })
  t.equal(del.code, 0, `tsrun delete as the user: ${del.stderr}`)
  t.notOk(existsSync(join(tsRoot, id2)), 'its state is gone')
  t.same(await checkTs(), [])

  if (!RUNC) {
    t.comment(NO_RUNC)
    return
  }
  const rid = uniqueId('rootless-runc')
  const checkRc = cleanup(t, { root: join(xdg, 'runc'), id: rid, runtime: 'runc', bundle: dir })
  const rc = await runAs(user, RUNC, ['run', '--bundle', dir, rid], { env })
  t.equal(rc.code, 0, `runc run as ${user.name}: ${rc.stderr}`)
  t.equal(ts.stdout, rc.stdout, 'same output as runc')
  t.same(await checkRc(), [])
})

/** Adds "name:start:count" to /etc/subuid and /etc/subgid, removed at teardown. */
function subordinateIds(t, name, start, count) {
  for (const file of ['/etc/subuid', '/etc/subgid']) {
    const line = `${name}:${start}:${count}\n`
    appendFileSync(file, line)
    t.teardown(() => writeFileSync(file, readFileSync(file, 'utf8').split('\n').filter((l) => l && `${l}\n` !== line).map((l) => `${l}\n`).join('')))
  }
}

t.test('rootless with subordinate ids: ranges are mapped through newuidmap/newgidmap', {
  skip: !which('useradd') ? 'needs useradd' : !which('newuidmap') ? 'needs newuidmap (package uidmap)' : false,
}, async (t) => {
  if (!needsRoot(t)) return
  const user = makeUser(t)
  subordinateIds(t, user.name, 300000, 65536)
  const dir = tempDir(t, 'tsrun-rootless-')
  chownSync(dir, user.uid, user.gid)
  makeRootfs(join(dir, 'rootfs'))
  execFileSync('chown', ['-hR', `${user.uid}:${user.gid}`, join(dir, 'rootfs')])
  const xdg = tempDir(t, 'tsrun-xdg-')
  chownSync(xdg, user.uid, user.gid)
  execFileSync('chmod', ['0700', xdg])
  const spec = await runAs(user, process.execPath, [TSRUN_BIN, 'spec', '--rootless'], { cwd: dir })
  t.equal(spec.code, 0, spec.stderr)
  const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'))
  config.process.terminal = false
  config.process.args = ['sh', '-c', 'cat /proc/self/uid_map /proc/self/gid_map']
  config.linux.uidMappings = [{ containerID: 0, hostID: user.uid, size: 1 }, { containerID: 1, hostID: 300000, size: 65536 }]
  config.linux.gidMappings = [{ containerID: 0, hostID: user.gid, size: 1 }, { containerID: 1, hostID: 300000, size: 65536 }]
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config, null, '\t'))
  const id = uniqueId('rootless-sub')
  const check = cleanup(t, { root: join(xdg, 'tsrun'), id, bundle: dir })
  const r = await runAs(user, process.execPath, [TSRUN_BIN, 'run', '--bundle', dir, id], { env: { XDG_RUNTIME_DIR: xdg } })
  t.equal(r.code, 0, r.stderr)
  const maps = r.stdout.trim().split('\n').map((l) => l.trim().split(/\s+/).join(' '))
  t.same(maps, [`0 ${user.uid} 1`, '1 300000 65536', `0 ${user.gid} 1`, '1 300000 65536'])
  t.same(await check(), [])
})
