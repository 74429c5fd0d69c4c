// The container's filesystem on a real kernel: pivot_root / --no-pivot,
// root.readonly, rootfsPropagation, mounts (tmpfs options, bind, rbind, ro,
// single files, missing destinations, propagation, overlay, default special
// filesystems), symlinked destinations that must not escape the rootfs, /dev
// and linux.devices, maskedPaths / readonlyPaths, and the process (args, env,
// HOME, cwd, stdio). Observed through the CLI (`tsrun --root R run ID`, stdout
// captured) and compared with runc (the reference) where the output is the
// same by design.
import t from 'tap'
import { execFileSync } from 'node:child_process'
import {
  existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, rmdirSync, statSync, symlinkSync, writeFileSync,
} from 'node:fs'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import {
  bundle, cleanup, mounts, needsRoot, readSpec, runc, stateRoot, tempDir, tsrun, uniqueId, which,
} from './helpers/env.mjs'

const RUNC = which('runc')
const NO_RUNC = 'runc is not installed: the runc comparison is skipped'

// ---------------------------------------------------------------- helpers

function unescapeMountPath(s) {
  return s.replace(/\\([0-7]{3})/g, (_, o) => String.fromCharCode(parseInt(o, 8)))
}

/** Parse /proc/<pid>/mountinfo text. */
function parseMountinfo(text) {
  const list = []
  for (const line of text.split('\n')) {
    const [pre, post] = line.split(' - ')
    if (!post) continue
    const f = pre.split(' ')
    if (f.length < 6 || !/^\d+$/.test(f[0])) continue
    const g = post.split(' ')
    list.push({
      id: Number(f[0]),
      parent: Number(f[1]),
      root: unescapeMountPath(f[3]),
      mountPoint: unescapeMountPath(f[4]),
      options: f[5].split(','),
      optional: f.slice(6),
      fstype: g[0],
      source: unescapeMountPath(g[1] ?? ''),
      superOptions: (g[2] ?? '').split(','),
      line,
    })
  }
  return list
}

/** The mountinfo lines printed between two markers in a container's output. */
function mountinfoBetween(out, begin = '--mountinfo--', end = '--end--') {
  const s = out.indexOf(begin)
  const e = out.indexOf(end, s)
  if (s < 0 || e < 0) return []
  return parseMountinfo(out.slice(s + begin.length, e))
}

const MOUNTINFO = "echo --mountinfo--; cat /proc/self/mountinfo; echo --end--"

/** Cgroup mounts are the cgroup tests' business (and differ by cgroup version). */
const notCgroup = (m) => !m.mountPoint.startsWith('/sys/fs/cgroup/')

/** Propagation tags without peer group numbers: ['shared'] / ['master'] / ['unbindable'] / []. */
const propTags = (m) => m.optional.map((o) => o.split(':')[0])
  .filter((o) => o === 'shared' || o === 'master' || o === 'unbindable').sort()

/**
 * Run one container with `tsrun run` and, when `compare` and runc is
 * installed, with `runc run`: on the same bundle, or with `separate` on a
 * second bundle made the same way (for runs that change the rootfs or the
 * host). `prepare(dir, which)` is called on each bundle after it is made.
 * Returns { dir, rdir, ts, rc (null without runc), check }.
 */
async function runBoth(t, {
  args, mutate, privateRootfs = false, flags = [], compare = true, separate = false, prepare, input,
}) {
  const make = (which) => {
    const d = bundle(t, { args, mutate: mutate && ((s) => mutate(s, which)), privateRootfs })
    if (prepare) prepare(d, which)
    return d
  }
  const dir = make('tsrun')
  const root = stateRoot(t)
  const id = uniqueId('rootfs')
  const checkTs = cleanup(t, { root, id, bundle: dir })
  const ts = await tsrun(['--root', root, 'run', ...flags, '--bundle', dir, id], { input })
  let rc = null
  let rdir = null
  let checkRc = async () => []
  if (compare) {
    if (RUNC) {
      rdir = separate ? make('runc') : dir
      const rroot = stateRoot(t)
      const rid = uniqueId('rootfs-runc')
      checkRc = cleanup(t, { root: rroot, id: rid, runtime: 'runc', bundle: rdir })
      rc = await runc(['--root', rroot, 'run', ...flags, '--bundle', rdir, rid], { input })
    } else {
      t.comment(NO_RUNC)
    }
  }
  const check = async () => [...await checkTs(), ...await checkRc()]
  return { dir, rdir, ts, rc, check }
}

const rootfsOf = (dir) => {
  const p = readSpec(dir).root.path
  return p.startsWith('/') ? p : join(dir, p)
}

// ---------------------------------------------------------------- pivot_root

for (const flags of [[], ['--no-pivot']]) {
  const how = flags.length ? 'with --no-pivot' : 'pivot_root'
  t.test(`${how}: / is the bundle rootfs and no host mount is visible`, async (t) => {
    if (!needsRoot(t)) return
    const marker = `marker-${randomBytes(6).toString('hex')}`
    const { dir, ts, rc, check } = await runBoth(t, {
      args: ['sh', '-c', `cat /marker; stat -c '%d %i' /; ${MOUNTINFO}`],
      privateRootfs: true,
      flags,
      prepare: (d) => writeFileSync(join(d, 'rootfs', 'marker'), `${marker}\n`),
    })
    t.equal(ts.code, 0, ts.stderr)
    const lines = ts.stdout.split('\n')
    t.equal(lines[0], marker, '/marker is the marker file of the bundle rootfs')
    const st = statSync(join(dir, 'rootfs'))
    t.equal(lines[1], `${st.dev} ${st.ino}`, '/ is the bundle rootfs directory (same device and inode)')

    const inside = mountinfoBetween(ts.stdout)
    t.ok(inside.length >= 7, `mountinfo read inside (${inside.length} mounts)`)
    const points = inside.map((m) => m.mountPoint)
    const spec = readSpec(dir)
    const allowed = new Set(['/', ...spec.mounts.map((m) => m.destination),
      ...spec.linux.maskedPaths, ...spec.linux.readonlyPaths])
    const hostOnly = points.filter((p) => !allowed.has(p) && !p.startsWith('/sys/fs/cgroup/'))
    t.same(hostOnly, [], 'every mount point inside comes from the config')
    const hostish = points.filter((p) => p === dir || p.startsWith(`${dir}/`) ||
      /^\/(work|mnt|tmp|home|run|var|usr|boot)(\/|$)/.test(p))
    t.same(hostish, [], 'no host path (bundle, /work, /tmp, /mnt, ...) is a mount point inside')
    t.equal(inside.filter((m) => m.mountPoint === '/').length, 1, 'one mount at /')
    const ids = new Set(inside.map((m) => m.id))
    t.same(inside.filter((m) => m.mountPoint !== '/' && !ids.has(m.parent)).map((m) => m.mountPoint), [],
      'every mount but / hangs off a visible mount (no old root left)')
    for (const p of ['/proc', '/dev', '/dev/pts', '/dev/shm', '/dev/mqueue', '/sys']) {
      t.ok(points.includes(p), `${p} is mounted`)
    }
    if (rc) {
      t.equal(rc.code, 0, rc.stderr)
      t.same(rc.stdout.split('\n').slice(0, 2), lines.slice(0, 2), 'runc: the same / and marker')
      const rpoints = mountinfoBetween(rc.stdout).filter(notCgroup).map((m) => m.mountPoint)
      t.same(inside.filter(notCgroup).map((m) => m.mountPoint), rpoints,
        'the same mount points, in the same order, as runc (cgroup mounts aside)')
    }
    t.same(await check(), [])
  })
}

t.test('--no-pivot hides the host\'s proc: a new user namespace cannot mount proc (as runc)', async (t) => {
  if (!needsRoot(t)) return
  // The kernel lets a user namespace mount proc when a whole procfs is
  // visible in its mount namespace. After MS_MOVE + chroot the host's /proc
  // is still there unless the runtime detached it (runc's msMoveRoot).
  // unshare -r needs CAP_SETFCAP to map root.
  for (const flags of [['--no-pivot'], []]) {
    await t.test(flags.length ? '--no-pivot' : 'pivot_root (control)', async (t) => {
      const { ts, rc, check } = await runBoth(t, {
        args: ['sh', '-c', 'unshare -mrpf sh -c "mount -t proc none /proc && echo mounted" 2>&1; echo "rc=$?"'],
        flags,
        mutate: (s) => { for (const k of ['bounding', 'effective', 'permitted']) s.process.capabilities[k].push('CAP_SETFCAP') },
      })
      t.equal(ts.code, 0, ts.stderr)
      t.match(ts.stdout, /^mount: permission denied.*\nrc=1\n$/, 'the nested proc mount is refused')
      if (rc) {
        t.equal(rc.code, 0, rc.stderr)
        t.equal(ts.stdout, rc.stdout, 'the same as runc')
      }
      t.same(await check(), [])
    })
  }
})

// ---------------------------------------------------------------- root.readonly

t.test('root.readonly: / is read-only, writable mounts still work', async (t) => {
  if (!needsRoot(t)) return
  const { ts, rc, check } = await runBoth(t, {
    args: ['sh', '-c', `touch /x 2>&1; echo "touch=$?"; echo ok > /tmp/y && cat /tmp/y; ${MOUNTINFO}`],
    mutate: (s) => {
      s.root.readonly = true
      s.mounts.push({ destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev'] })
    },
  })
  t.equal(ts.code, 0, ts.stderr)
  t.match(ts.stdout, /^touch: \/x: Read-only file system\ntouch=1\nok\n/, 'touch /x fails, /tmp is writable')
  const root = mountinfoBetween(ts.stdout).find((m) => m.mountPoint === '/')
  t.ok(root?.options.includes('ro'), `/ is mounted ro: ${root?.line}`)
  if (rc) {
    t.equal(rc.code, 0, rc.stderr)
    t.equal(ts.stdout.split('--mountinfo--')[0], rc.stdout.split('--mountinfo--')[0], 'same as runc')
  }
  t.same(await check(), [])
})

t.test('root.readonly false: / is writable, writes land in the bundle rootfs', async (t) => {
  if (!needsRoot(t)) return
  const { dir, rdir, ts, rc, check } = await runBoth(t, {
    args: ['sh', '-c', 'echo written > /x && cat /x'],
    mutate: (s) => { s.root.readonly = false },
    separate: true,
  })
  t.equal(ts.code, 0, ts.stderr)
  t.equal(ts.stdout, 'written\n')
  t.equal(readFileSync(join(dir, 'rootfs', 'x'), 'utf8'), 'written\n', 'the file is in the bundle rootfs')
  if (rc) {
    t.equal(rc.stdout, ts.stdout, 'same as runc')
    t.ok(existsSync(join(rdir, 'rootfs', 'x')))
  }
  t.same(await check(), [])
})

// ---------------------------------------------------------------- rootfsPropagation

t.test('rootfsPropagation: the propagation of / inside (rootfs is a shared mount on the host)', async (t) => {
  if (!needsRoot(t)) return
  // With the rootfs a shared mount point on the host, the propagation of the
  // container's / is observable: a slave of the host's peer group shows
  // master:N, a private mount shows nothing. shared and unbindable are set on
  // the container's / itself, as crun 1.8.1 shows them (measured) and runc
  // does since opencontainers/runc#4724 (1.2.7, 1.3): a new peer group, never
  // the host's. runc 1.1.5 (measured) loses shared to the private parent
  // mount and fails on unbindable (the rootfs bind mount is refused), so it
  // is the reference for the other modes only.
  const WANT = {
    '(unset)': ['master'], rslave: ['master'], slave: [], private: [], rprivate: [],
    shared: ['shared'], rshared: ['shared'], unbindable: ['unbindable'], runbindable: ['unbindable'],
  }
  const RUNC_115 = { '(unset)': ['master'], rslave: ['master'], slave: [], private: [], rprivate: [] }
  for (const mode of Object.keys(WANT)) {
    await t.test(mode, async (t) => {
      const hostMounted = []
      t.teardown(() => { for (const p of hostMounted.reverse()) try { execFileSync('umount', ['-l', p]) } catch {} })
      const { ts, rc, check, dir } = await runBoth(t, {
        args: ['sh', '-c', MOUNTINFO],
        privateRootfs: true,
        compare: mode in RUNC_115,
        mutate: (s) => {
          s.root.readonly = false
          if (mode !== '(unset)') s.linux.rootfsPropagation = mode
        },
        prepare: (d) => {
          const rf = join(d, 'rootfs')
          execFileSync('mount', ['--bind', rf, rf])
          hostMounted.push(rf)
          execFileSync('mount', ['--make-shared', rf])
        },
      })
      const rf = join(dir, 'rootfs')
      const hostRoot = mounts().filter((m) => m.mountPoint === rf).pop()
      const hostLine = readFileSync('/proc/self/mountinfo', 'utf8').split('\n')
        .find((l) => l.startsWith(`${hostRoot.id} `))
      const peer = /shared:(\d+)/.exec(hostLine)?.[1]
      t.ok(peer, `the rootfs is a shared mount on the host: ${hostLine}`)
      t.equal(ts.code, 0, ts.stderr)
      const root = mountinfoBetween(ts.stdout).find((m) => m.mountPoint === '/')
      t.ok(root, 'a mount at /')
      t.comment(`tsrun: ${root?.line}`)
      t.same(propTags(root ?? { optional: [] }), WANT[mode], `/ is ${WANT[mode].join(' ') || 'private'}`)
      if (mode === '(unset)' || mode === 'rslave') {
        t.same(root?.optional, [`master:${peer}`], `/ is a slave of the host's peer group ${peer}`)
      }
      t.notOk(root?.optional.includes(`shared:${peer}`), '/ is not a peer of the host\'s rootfs mount')
      if (rc) {
        t.equal(rc.code, 0, rc.stderr)
        const rroot = mountinfoBetween(rc.stdout).find((m) => m.mountPoint === '/')
        t.comment(`runc:  ${rroot?.line}`)
        t.same(propTags(root ?? { optional: [] }), propTags(rroot), 'the same propagation as runc')
        t.same(propTags(rroot), RUNC_115[mode], 'runc behaves as measured (sanity)')
      }
      // Nothing the container mounted may have propagated back to the host.
      const back = mounts().filter((m) => m.mountPoint.startsWith(`${rf}/`)).map((m) => m.mountPoint)
      t.same(back, [], 'no container mount propagated to the host')
      for (const p of hostMounted.splice(0).reverse()) execFileSync('umount', [p])
      t.same(await check(), [])
    })
  }
})

// ---------------------------------------------------------------- mounts

t.test('tmpfs mount options: noexec, size, mode', async (t) => {
  if (!needsRoot(t)) return
  const script = [
    'cp /bin/busybox /mnt/noexec/true; /mnt/noexec/true 2>&1; echo "noexec=$?"',
    'cp /bin/busybox /mnt/exec/true; /mnt/exec/true; echo "exec=$?"',
    'dd if=/dev/zero of=/mnt/small/big bs=1k count=2048 2>/dev/null; echo "dd=$?"; du -k /mnt/small/big | cut -f1',
    'stat -c "%a" /mnt/small /mnt/mode',
  ].join('; ')
  const { ts, rc, check } = await runBoth(t, {
    args: ['sh', '-c', script],
    separate: true, // a tmpfs on an existing dir takes that dir's mode in runc
    mutate: (s) => {
      s.mounts.push(
        { destination: '/mnt/noexec', type: 'tmpfs', source: 'tmpfs', options: ['noexec', 'size=4m'] },
        { destination: '/mnt/exec', type: 'tmpfs', source: 'tmpfs', options: ['size=4m'] },
        { destination: '/mnt/small', type: 'tmpfs', source: 'tmpfs', options: ['size=1m', 'mode=0700'] },
        { destination: '/mnt/mode', type: 'tmpfs', source: 'tmpfs', options: ['mode=0751'] },
      )
    },
  })
  t.equal(ts.code, 0, ts.stderr)
  const out = ts.stdout.split('\n')
  t.match(out[0], /Permission denied/, 'executing from a noexec tmpfs is refused')
  t.equal(out[1], 'noexec=126')
  t.equal(out[2], 'exec=0', 'the same binary runs from a tmpfs without noexec')
  t.equal(out[3], 'dd=1', 'writing 2 MiB to a size=1m tmpfs fails')
  t.equal(out[4], '1024', 'the file stops at 1 MiB')
  t.equal(out[5], '700', 'mode=0700')
  t.equal(out[6], '751', 'mode=0751')
  if (rc) t.equal(ts.stdout, rc.stdout, 'same output as runc')
  t.same(await check(), [])
})

t.test('a tmpfs over an existing dir takes that dir\'s mode (as runc)', async (t) => {
  if (!needsRoot(t)) return
  // runc stats the destination before mounting a tmpfs and, when it existed,
  // chmods the new tmpfs root to the old mode (even over a mode= option), so
  // a tmpfs over an image directory keeps its permissions.
  const { ts, rc, check } = await runBoth(t, {
    args: ['sh', '-c', 'stat -c "%n %a" /var /root'],
    mutate: (s) => {
      s.mounts.push(
        { destination: '/var', type: 'tmpfs', source: 'tmpfs', options: ['size=1m'] },
        { destination: '/root', type: 'tmpfs', source: 'tmpfs', options: ['size=1m', 'mode=755'] },
      )
    },
  })
  t.equal(ts.code, 0, ts.stderr)
  t.equal(ts.stdout, '/var 755\n/root 700\n', '/var (0755 in the rootfs) and /root (0700) keep their modes')
  if (rc) t.equal(ts.stdout, rc.stdout, 'same output as runc')
  t.same(await check(), [])
})

t.test('bind mounts: ro, bind vs rbind, host content visible', async (t) => {
  if (!needsRoot(t)) return
  const host = tempDir(t, 'tsrun-hostdir-')
  writeFileSync(join(host, 'hello'), 'hello from the host\n')
  mkdirSync(join(host, 'sub'))
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tsrun-test', join(host, 'sub')])
  t.teardown(() => { try { execFileSync('umount', ['-l', join(host, 'sub')]) } catch {} })
  writeFileSync(join(host, 'sub', 'subfile'), 'in the submount\n')
  const script = [
    'cat /mnt/ro/hello',
    '(echo x > /mnt/ro/new) 2>&1; echo "ro=$?"',
    'cat /mnt/rbind/sub/subfile',
    'ls -A /mnt/bind/sub; echo "bind-sub-listed"',
    'echo inside > /mnt/rw/fromctr; echo "rw=$?"',
    MOUNTINFO,
  ].join('; ')
  const { ts, rc, check } = await runBoth(t, {
    args: ['sh', '-c', script],
    mutate: (s) => {
      s.mounts.push(
        { destination: '/mnt/ro', type: 'bind', source: host, options: ['rbind', 'ro'] },
        { destination: '/mnt/rbind', type: 'bind', source: host, options: ['rbind'] },
        { destination: '/mnt/bind', type: 'bind', source: host, options: ['bind'] },
        { destination: '/mnt/rw', type: 'none', source: host, options: ['bind', 'rw'] },
      )
    },
  })
  t.equal(ts.code, 0, ts.stderr)
  const out = ts.stdout.split('\n')
  t.equal(out[0], 'hello from the host', 'the host file is visible')
  t.match(out[1], /Read-only file system/, 'writing into the ro bind fails')
  t.equal(out[2], 'ro=1')
  t.equal(out[3], 'in the submount', 'rbind brings the host submount')
  t.equal(out[4], 'bind-sub-listed', 'bind (not recursive) shows the empty underlying dir')
  t.equal(out[5], 'rw=0', 'a rw bind is writable')
  t.notOk(existsSync(join(host, 'new')), 'nothing was written through the ro bind')
  t.equal(readFileSync(join(host, 'fromctr'), 'utf8'), 'inside\n', 'the rw bind writes to the host dir')
  const mi = mountinfoBetween(ts.stdout)
  const byPoint = (p) => mi.find((m) => m.mountPoint === p)
  t.ok(byPoint('/mnt/ro')?.options.includes('ro'), '/mnt/ro is mounted ro')
  t.ok(byPoint('/mnt/ro/sub'), 'rbind: /mnt/ro/sub is mounted too')
  t.ok(byPoint('/mnt/rbind/sub'), 'rbind: /mnt/rbind/sub is mounted')
  t.notOk(byPoint('/mnt/bind/sub'), 'bind: /mnt/bind/sub is not mounted')
  if (rc) {
    t.equal(rc.code, 0, rc.stderr)
    t.equal(ts.stdout.split('--mountinfo--')[0], rc.stdout.split('--mountinfo--')[0], 'same output as runc')
    const sig = (out) => mountinfoBetween(out).filter((m) => m.mountPoint.startsWith('/mnt/'))
      .map((m) => `${m.mountPoint} ${m.root} ${m.options.join(',')} ${propTags(m)} ${m.fstype}`)
    t.same(sig(ts.stdout), sig(rc.stdout), 'the same /mnt mounts as runc (options, propagation)')
  }
  execFileSync('umount', [join(host, 'sub')])
  t.same(await check(), [])
})

t.test('recursive options: rro makes a bind mount and its submounts read-only (as runc)', async (t) => {
  if (!needsRoot(t)) return
  const host = tempDir(t, 'tsrun-hostdir-')
  mkdirSync(join(host, 'sub'))
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tsrun-test', join(host, 'sub')])
  t.teardown(() => { try { execFileSync('umount', ['-l', join(host, 'sub')]) } catch {} })
  const dirs = ['rro', 'ro-rro', 'rnosuid', 'rw']
  const script = [
    ...dirs.map((d) => `for p in /mnt/${d} /mnt/${d}/sub; do touch $p/x 2>/dev/null; echo "$p $?"; done`),
    MOUNTINFO,
  ].join('; ')
  const { ts, rc, check } = await runBoth(t, {
    args: ['sh', '-c', script],
    mutate: (s) => {
      s.mounts.push(
        { destination: '/mnt/rro', type: 'bind', source: host, options: ['rbind', 'rro'] },
        { destination: '/mnt/ro-rro', type: 'bind', source: host, options: ['rbind', 'ro', 'rro'] },
        { destination: '/mnt/rnosuid', type: 'bind', source: host, options: ['rbind', 'rnosuid', 'rnodev', 'rnoexec'] },
        { destination: '/mnt/rw', type: 'bind', source: host, options: ['rbind', 'rro', 'rrw'] },
      )
    },
  })
  t.equal(ts.code, 0, ts.stderr)
  t.equal(ts.stdout.split('--mountinfo--')[0], [
    '/mnt/rro 1', '/mnt/rro/sub 1', '/mnt/ro-rro 1', '/mnt/ro-rro/sub 1',
    '/mnt/rnosuid 0', '/mnt/rnosuid/sub 0', '/mnt/rw 0', '/mnt/rw/sub 0', '',
  ].join('\n'), 'rro: the mount and its submount refuse writes; rrw after rro: both writable')
  const mi = mountinfoBetween(ts.stdout)
  const opts = (p) => mi.find((m) => m.mountPoint === p)?.options ?? []
  for (const p of ['/mnt/rro', '/mnt/rro/sub', '/mnt/ro-rro/sub']) t.ok(opts(p).includes('ro'), `${p} is ro`)
  for (const o of ['nosuid', 'nodev', 'noexec']) t.ok(opts('/mnt/rnosuid/sub').includes(o), `/mnt/rnosuid/sub is ${o}`)
  if (rc) {
    // runc 1.1.5 keeps rro when rrw follows (later runc clears it, as tsrun): /mnt/rw aside.
    const notRw = (p) => !p.startsWith('/mnt/rw')
    t.equal(rc.code, 0, rc.stderr)
    const writes = (out) => out.split('--mountinfo--')[0].split('\n').filter(notRw)
    t.same(writes(ts.stdout), writes(rc.stdout), 'the same writes fail as under runc')
    const sig = (out) => mountinfoBetween(out).filter((m) => m.mountPoint.startsWith('/mnt/') && notRw(m.mountPoint))
      .map((m) => `${m.mountPoint} ${m.options.join(',')}`)
    t.same(sig(ts.stdout), sig(rc.stdout), 'the same /mnt mount options as runc')
  }
  const features = JSON.parse((await tsrun(['features'])).stdout).mountOptions
  for (const o of ['rro', 'rrw', 'rnosuid', 'rsuid', 'rnodev', 'rdev', 'rnoexec', 'rexec', 'rnodiratime', 'rdiratime',
    'rrelatime', 'rnorelatime', 'rnoatime', 'ratime', 'rstrictatime', 'rnostrictatime', 'rnosymfollow', 'rsymfollow']) {
    t.ok(features.includes(o), `features lists ${o}`)
  }
  if (RUNC) {
    // runc 1.1.5 also lists acl/noacl (MS_POSIXACL), which runc 1.2 dropped.
    const runcOptions = JSON.parse((await runc(['features'])).stdout).mountOptions
    t.same(runcOptions.filter((o) => !features.includes(o) && o !== 'acl' && o !== 'noacl'), [],
      'features lists every mount option runc lists')
  }
  execFileSync('umount', [join(host, 'sub')])
  t.same(await check(), [])
})

t.test('mount options nobody knows: an error for a bind mount, filesystem data otherwise', async (t) => {
  if (!needsRoot(t)) return
  const host = tempDir(t, 'tsrun-hostdir-')
  await t.test('a bind mount with an unknown option is refused, naming mounts[i].options', async (t) => {
    const root = stateRoot(t)
    const id = uniqueId('rootfs-badopt')
    let index
    const dir = bundle(t, {
      args: ['true'],
      mutate: (s) => {
        index = s.mounts.push({ destination: '/mnt', type: 'bind', source: host, options: ['rbind', 'ro', 'mode=0755'] }) - 1
      },
    })
    const check = cleanup(t, { root, id, bundle: dir })
    const r = await tsrun(['--root', root, 'run', '--bundle', dir, id])
    t.not(r.code, 0, 'run fails')
    t.match(r.stderr, `mounts[${index}].options`, 'the error names the field')
    t.match(r.stderr, 'mode=0755', 'and the option')
    t.same(await check(), [], 'nothing left behind')
  })
  await t.test('r* options on a tmpfs are applied too, after what is written under it', async (t) => {
    // runc 1.1.5 applies them to bind mounts only and drops them here.
    const { ts, check } = await runBoth(t, {
      args: ['sh', '-c', `touch /mnt/t/x 2>/dev/null; echo "touch=$?"; stat -c %a /mnt/t/sub; ${MOUNTINFO}`],
      compare: false,
      mutate: (s) => {
        s.mounts.push(
          { destination: '/mnt/t', type: 'tmpfs', source: 'tmpfs', options: ['size=1m', 'rro', 'rnoexec'] },
          { destination: '/mnt/t/sub', type: 'tmpfs', source: 'tmpfs', options: ['size=1m', 'mode=700'] },
        )
      },
    })
    t.equal(ts.code, 0, ts.stderr)
    t.match(ts.stdout, /^touch=1\n700\n/, 'the tmpfs is read-only, its submount was made in it')
    const mi = mountinfoBetween(ts.stdout)
    for (const p of ['/mnt/t', '/mnt/t/sub']) {
      const o = mi.find((m) => m.mountPoint === p)?.options ?? []
      t.ok(o.includes('ro') && o.includes('noexec'), `${p} is ro,noexec (recursive): ${o}`)
    }
    t.same(await check(), [])
  })
})

t.test('read-only /dev and tmpfs: filled first, then remounted read-only (as runc)', async (t) => {
  if (!needsRoot(t)) return
  // Everything tsrun writes under them must come first: /dev nodes, links,
  // pts, shm, mqueue; the mode of a tmpfs over /var; a mount point in a
  // read-only tmpfs; tmpcopyup; a working directory to create.
  const script = [
    'ls /dev | tr "\\n" " "; echo',
    'stat -c "%n %a" /var /mnt/ro/sub; ls /mnt/cp',
    'pwd',
    'touch /dev/x /var/x /mnt/ro/x 2>&1 | sort',
    MOUNTINFO,
  ].join('; ')
  const { ts, rc, check } = await runBoth(t, {
    args: ['sh', '-c', script],
    separate: true,
    mutate: (s) => {
      s.mounts.find((m) => m.destination === '/dev').options.push('ro')
      s.process.cwd = '/dev/work'
      s.mounts.push(
        { destination: '/var', type: 'tmpfs', source: 'tmpfs', options: ['ro', 'size=1m'] },
        { destination: '/mnt/ro', type: 'tmpfs', source: 'tmpfs', options: ['ro', 'size=1m'] },
        { destination: '/mnt/ro/sub', type: 'tmpfs', source: 'tmpfs', options: ['size=1m'] },
        { destination: '/mnt/cp', type: 'tmpfs', source: 'tmpfs', options: ['ro', 'tmpcopyup'] },
      )
    },
    prepare: (d) => {
      mkdirSync(join(d, 'rootfs', 'mnt', 'cp'), { recursive: true })
      writeFileSync(join(d, 'rootfs', 'mnt', 'cp', 'marker'), '')
    },
  })
  t.equal(ts.code, 0, `tsrun run exits 0: ${ts.stderr}`)
  const out = ts.stdout.split('\n')
  for (const n of ['null', 'zero', 'tty', 'ptmx', 'fd', 'pts', 'shm', 'mqueue', 'work']) {
    t.ok(out[0].split(' ').includes(n), `/dev/${n} exists`)
  }
  t.equal(out[1], '/var 755', 'the tmpfs over /var kept its mode')
  t.match(out[2], /^\/mnt\/ro\/sub \d+$/, 'a mount point was made in the read-only tmpfs')
  t.equal(out[3], 'marker', 'tmpcopyup copied what the tmpfs covers')
  t.equal(out[4], '/dev/work', 'the working directory was made in /dev')
  const mi = mountinfoBetween(ts.stdout)
  for (const p of ['/dev', '/var', '/mnt/ro', '/mnt/cp']) {
    t.ok(mi.find((m) => m.mountPoint === p)?.options.includes('ro'), `${p} is mounted ro`)
  }
  for (const p of ['/dev', '/var', '/mnt/ro']) t.match(ts.stdout, `${p}/x: Read-only file system`, `${p} refuses writes`)
  if (rc) {
    t.equal(rc.code, 0, rc.stderr)
    t.equal(ts.stdout.split('--mountinfo--')[0], rc.stdout.split('--mountinfo--')[0], 'the same /dev, modes, cwd and errors as runc')
    const sig = (out) => mountinfoBetween(out).filter((m) => /^\/(dev|var|mnt)(\/|$)/.test(m.mountPoint))
      .map((m) => `${m.mountPoint} ${m.options.join(',')}`)
    t.same(sig(ts.stdout), sig(rc.stdout), 'the same mount options as runc')
  }
  t.same(await check(), [])
})

t.test('bind mount of a single file and of a missing destination', async (t) => {
  if (!needsRoot(t)) return
  const host = tempDir(t, 'tsrun-hostdir-')
  writeFileSync(join(host, 'file.txt'), 'single file\n')
  const script = [
    '[ -f /etc/hostfile ] && echo "is-file"',
    'cat /etc/hostfile',
    '[ -d /new/deep/dir ] && echo "is-dir"',
    'cat /new/deep/dir/file.txt',
  ].join('; ')
  const { dir, rdir, ts, rc, check } = await runBoth(t, {
    args: ['sh', '-c', script],
    separate: true,
    mutate: (s) => {
      s.mounts.push(
        { destination: '/etc/hostfile', type: 'bind', source: join(host, 'file.txt'), options: ['bind', 'ro'] },
        { destination: '/new/deep/dir', type: 'bind', source: host, options: ['rbind', 'ro'] },
      )
    },
  })
  t.equal(ts.code, 0, ts.stderr)
  t.equal(ts.stdout, 'is-file\nsingle file\nis-dir\nsingle file\n')
  const rootfs = rootfsOf(dir)
  t.ok(lstatSync(join(rootfs, 'etc', 'hostfile')).isFile(), 'the destination was created as a regular file in the rootfs')
  t.equal(statSync(join(rootfs, 'etc', 'hostfile')).size, 0, 'an empty one (the content is the mount\'s)')
  t.ok(lstatSync(join(rootfs, 'new', 'deep', 'dir')).isDirectory(), 'the missing destination was created as a dir')
  if (rc) {
    t.equal(rc.stdout, ts.stdout, 'same output as runc')
    const rr = rootfsOf(rdir)
    const mode = (base, ...p) => (lstatSync(join(base, ...p)).mode & 0o7777).toString(8)
    t.equal(mode(rootfs, 'etc', 'hostfile'), mode(rr, 'etc', 'hostfile'),
      'the file mount point is created with the same mode as runc (runc: 0755)')
    t.same([mode(rootfs, 'new'), mode(rootfs, 'new', 'deep', 'dir')], [mode(rr, 'new'), mode(rr, 'new', 'deep', 'dir')],
      'the missing dirs are created with the same modes as runc')
  }
  t.same(await check(), [])
})

t.test('propagation options on a mount: shared, rslave, rprivate, private', async (t) => {
  if (!needsRoot(t)) return
  // The source is a shared mount on the host with a shared submount, so
  // slave and private mounts differ visibly.
  const host = tempDir(t, 'tsrun-hostdir-')
  const hostMounted = []
  t.teardown(() => { for (const p of hostMounted.reverse()) try { execFileSync('umount', ['-l', p]) } catch {} })
  execFileSync('mount', ['--bind', host, host]); hostMounted.push(host)
  execFileSync('mount', ['--make-shared', host])
  mkdirSync(join(host, 'sub'))
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tsrun-test', join(host, 'sub')]); hostMounted.push(join(host, 'sub'))
  const peer = /shared:(\d+)/.exec(readFileSync('/proc/self/mountinfo', 'utf8').split('\n')
    .find((l) => l.split(' ')[4] === host))?.[1]
  t.ok(peer, 'the host dir is a shared mount')
  const modes = { shared: ['rbind', 'shared'], rslave: ['rbind', 'rslave'], rprivate: ['rbind', 'rprivate'], private: ['rbind', 'private'], default: ['rbind'] }
  const { ts, rc, check } = await runBoth(t, {
    args: ['sh', '-c', MOUNTINFO],
    mutate: (s) => {
      for (const [name, options] of Object.entries(modes)) {
        s.mounts.push({ destination: `/mnt/${name}`, type: 'bind', source: host, options })
      }
    },
  })
  t.equal(ts.code, 0, ts.stderr)
  const mi = mountinfoBetween(ts.stdout)
  const get = (p) => mi.find((m) => m.mountPoint === p) ?? { optional: [], line: `(no mount at ${p})` }
  t.same(propTags(get('/mnt/shared')), ['master', 'shared'], `shared: ${get('/mnt/shared').line}`)
  t.same(get('/mnt/rslave').optional, [`master:${peer}`], `rslave: ${get('/mnt/rslave').line}`)
  t.same(get('/mnt/rslave/sub').optional.length, 1, 'rslave: the submount is a slave too')
  t.ok(get('/mnt/rslave/sub').optional[0]?.startsWith('master:'))
  t.same(get('/mnt/rprivate').optional, [], `rprivate: ${get('/mnt/rprivate').line}`)
  t.same(get('/mnt/rprivate/sub').optional, [], 'rprivate: the submount is private too')
  t.same(get('/mnt/private').optional, [], `private: ${get('/mnt/private').line}`)
  t.same(get('/mnt/default').optional, [`master:${peer}`], 'no option: a slave, as the whole tree (rslave)')
  if (rc) {
    t.equal(rc.code, 0, rc.stderr)
    const sig = (out) => mountinfoBetween(out).filter((m) => m.mountPoint.startsWith('/mnt/'))
      .map((m) => `${m.mountPoint} ${propTags(m).join('+')}`)
    t.same(sig(ts.stdout), sig(rc.stdout), 'the same propagation as runc')
  }
  for (const p of hostMounted.splice(0).reverse()) execFileSync('umount', [p])
  t.same(await check(), [])
})

t.test('overlay mount: lower files visible, writes land in upperdir', async (t) => {
  if (!needsRoot(t)) return
  const dirs = {}
  const makeDirs = (which) => {
    const base = tempDir(t, 'tsrun-overlay-')
    for (const d of ['lower', 'upper', 'work']) mkdirSync(join(base, d))
    writeFileSync(join(base, 'lower', 'lower.txt'), 'from lowerdir\n')
    dirs[which] = base
    return base
  }
  const { ts, rc, check } = await runBoth(t, {
    args: ['sh', '-c', `cat /mnt/ov/lower.txt; echo upper > /mnt/ov/new.txt; echo changed > /mnt/ov/lower.txt; ls /mnt/ov; ${MOUNTINFO}`],
    separate: true,
    mutate: (s, which) => {
      const base = makeDirs(which)
      s.mounts.push({
        destination: '/mnt/ov',
        type: 'overlay',
        source: 'overlay',
        options: [`lowerdir=${join(base, 'lower')}`, `upperdir=${join(base, 'upper')}`, `workdir=${join(base, 'work')}`],
      })
    },
  })
  t.equal(ts.code, 0, ts.stderr)
  t.equal(ts.stdout.split('--mountinfo--')[0], 'from lowerdir\nlower.txt\nnew.txt\n')
  const base = dirs.tsrun
  t.equal(readFileSync(join(base, 'upper', 'new.txt'), 'utf8'), 'upper\n', 'the new file is in upperdir on the host')
  t.equal(readFileSync(join(base, 'upper', 'lower.txt'), 'utf8'), 'changed\n', 'the changed file is copied up')
  t.equal(readFileSync(join(base, 'lower', 'lower.txt'), 'utf8'), 'from lowerdir\n', 'lowerdir is unchanged')
  t.notOk(existsSync(join(base, 'lower', 'new.txt')))
  const ov = mountinfoBetween(ts.stdout).find((m) => m.mountPoint === '/mnt/ov')
  t.equal(ov?.fstype, 'overlay', '/mnt/ov is an overlay')
  if (rc) {
    t.equal(rc.code, 0, rc.stderr)
    t.equal(rc.stdout.split('--mountinfo--')[0], ts.stdout.split('--mountinfo--')[0], 'same output as runc')
  }
  t.same(await check(), [])
})

t.test('default spec filesystems: proc, dev tmpfs, devpts, shm, mqueue, sysfs', async (t) => {
  if (!needsRoot(t)) return
  const { ts, rc, check } = await runBoth(t, { args: ['sh', '-c', MOUNTINFO] })
  t.equal(ts.code, 0, ts.stderr)
  const mi = mountinfoBetween(ts.stdout)
  const want = {
    '/proc': ['proc', []],
    '/dev': ['tmpfs', ['nosuid']],
    '/dev/pts': ['devpts', ['nosuid', 'noexec']],
    '/dev/shm': ['tmpfs', ['nosuid', 'nodev', 'noexec']],
    '/dev/mqueue': ['mqueue', ['nosuid', 'nodev', 'noexec']],
    '/sys': ['sysfs', ['ro', 'nosuid', 'nodev', 'noexec']],
  }
  for (const [p, [fstype, opts]] of Object.entries(want)) {
    const m = mi.find((x) => x.mountPoint === p)
    t.equal(m?.fstype, fstype, `${p} is ${fstype}`)
    for (const o of opts) t.ok(m?.options.includes(o), `${p} is ${o}`)
  }
  const pts = mi.find((x) => x.mountPoint === '/dev/pts')
  for (const o of ['gid=5', 'mode=620', 'ptmxmode=666']) t.ok(pts?.superOptions.includes(o), `devpts ${o}`)
  t.ok(mi.find((x) => x.mountPoint === '/dev/shm')?.superOptions.includes('size=65536k'), 'shm size=65536k')
  if (rc) {
    const sig = (out) => mountinfoBetween(out).filter((m) => m.mountPoint in want)
      .map((m) => `${m.mountPoint} ${m.fstype} ${m.source} ${m.options.join(',')} ${m.superOptions.join(',')}`)
    t.same(sig(ts.stdout), sig(rc.stdout), 'the same options as runc')
  }
  t.same(await check(), [])
})

// ---------------------------------------------------------------- symlinks

t.test('symlinks in mount destinations never escape the rootfs', async (t) => {
  if (!needsRoot(t)) return
  const u = `${process.pid}-${randomBytes(4).toString('hex')}`
  const hostPaths = [1, 2, 3].map((n) => `/tmp/tsrun-escape${n === 1 ? '' : n}-${u}`)
  // If the runtime escapes, undo it so the host stays clean (the test fails anyway).
  t.teardown(() => {
    for (const m of mounts().filter((x) => x.mountPoint.includes(u)).reverse()) {
      try { execFileSync('umount', ['-l', m.mountPoint]) } catch {}
    }
    for (const p of hostPaths) for (const q of [join(p, 'sub'), p]) try { rmdirSync(q) } catch {}
  })
  const hostState = () => ({
    exists: hostPaths.filter((p) => existsSync(p)),
    mounted: mounts().filter((m) => m.mountPoint.includes(u)).map((m) => m.mountPoint),
  })
  const [escape1, escape2, escape3] = hostPaths
  const cases = [
    // [name, symlink in the rootfs, its target, mount destination, where it must be mounted inside]
    ['absolute symlink as a parent: evil -> /tmp/..., mount /evil/sub', 'evil', escape1, '/evil/sub', `${escape1}/sub`],
    ['relative symlink climbing out: evil2 -> ../../../../../../tmp/..., mount /evil2', 'evil2', `../../../../../..${escape2}`, '/evil2', escape2],
    ['absolute symlink as the destination: evil3 -> /tmp/..., mount /evil3', 'evil3', escape3, '/evil3', escape3],
  ]
  for (const [name, link, target, destination, insidePoint] of cases) {
    await t.test(name, async (t) => {
      const { dir, rdir, ts, rc, check } = await runBoth(t, {
        args: ['sh', '-c', `ls -ld /${link}; ${MOUNTINFO}`],
        privateRootfs: true,
        separate: true,
        mutate: (s) => {
          s.mounts.push({ destination, type: 'tmpfs', source: 'tmpfs', options: ['size=1m'] })
        },
        prepare: (d) => symlinkSync(target, join(d, 'rootfs', link)),
      })
      t.same(hostState(), { exists: [], mounted: [] }, 'tsrun created and mounted nothing on the host paths')
      t.equal(ts.code, 0, `tsrun run exits 0: ${ts.stderr}`)
      const rootfs = join(dir, 'rootfs')
      t.ok(lstatSync(join(rootfs, link)).isSymbolicLink(), 'the symlink is still there')
      t.ok(existsSync(join(rootfs, insidePoint.slice(1))), `the destination was made inside the rootfs (rootfs${insidePoint})`)
      const points = mountinfoBetween(ts.stdout).map((m) => m.mountPoint)
      t.ok(points.includes(insidePoint), `inside, ${destination} is mounted at ${insidePoint} (under the rootfs)`)
      if (rc) {
        t.same(hostState(), { exists: [], mounted: [] }, 'runc did not escape either')
        t.equal(rc.code, 0, rc.stderr)
        const rpoints = mountinfoBetween(rc.stdout).map((m) => m.mountPoint)
        t.ok(rpoints.includes(insidePoint), `runc mounts it at ${insidePoint}`)
        t.same(points.filter((p) => p.includes(u)), rpoints.filter((p) => p.includes(u)), 'the same mount points as runc')
        t.ok(existsSync(join(rdir, 'rootfs', insidePoint.slice(1))))
      }
      t.same(await check(), [])
    })
  }
})

// ---------------------------------------------------------------- /dev

/** `ls -l` lines without the date: "mode links owner group size|maj,min name". */
function lsNoDate(out) {
  return out.split('\n').map((l) => {
    const m = /^(\S+)\s+(\d+)\s+(\S+)\s+(\S+)\s+(\d+,\s*\d+|\d+)\s+\w{3}\s+\d+\s+[\d:]+\s+(.*)$/.exec(l)
    return m && `${m[1]} ${m[2]} ${m[3]} ${m[4]} ${m[5].replace(/\s+/g, '')} ${m[6]}`
  }).filter(Boolean)
}

t.test('/dev: default devices, links, pts, shm as runc makes them', async (t) => {
  if (!needsRoot(t)) return
  const devs = 'null zero full random urandom tty'
  const script = [
    'ls -l /dev',
    'echo --stat--',
    `for d in ${devs}; do stat -c "%n %F %t,%T %a %u %g" /dev/$d; done`,
    'for l in ptmx fd stdin stdout stderr; do echo "$l -> $(readlink /dev/$l)"; done',
    '(echo x > /dev/full) 2>&1; echo "full=$?"',
    'head -c 16 /dev/zero | wc -c; head -c 16 /dev/urandom | wc -c; echo hi > /dev/null && echo null-ok',
  ].join('; ')
  const { ts, rc, check } = await runBoth(t, { args: ['sh', '-c', script] })
  t.equal(ts.code, 0, ts.stderr)
  const [ls, rest] = ts.stdout.split('--stat--\n')
  const stat = rest.split('\n')
  t.same(stat.slice(0, 6), [
    '/dev/null character special file 1,3 666 0 0',
    '/dev/zero character special file 1,5 666 0 0',
    '/dev/full character special file 1,7 666 0 0',
    '/dev/random character special file 1,8 666 0 0',
    '/dev/urandom character special file 1,9 666 0 0',
    '/dev/tty character special file 5,0 666 0 0',
  ], 'the default devices: char devices, numbers, mode 0666, root-owned')
  t.same(stat.slice(6, 11), [
    'ptmx -> pts/ptmx', 'fd -> /proc/self/fd', 'stdin -> /proc/self/fd/0',
    'stdout -> /proc/self/fd/1', 'stderr -> /proc/self/fd/2',
  ], 'the default links')
  t.match(stat[11], /No space left on device/, 'writing /dev/full fails with ENOSPC')
  t.equal(stat[12], 'full=1')
  t.same(stat.slice(13, 16), ['16', '16', 'null-ok'], 'zero, urandom and null work')
  const names = lsNoDate(ls).map((l) => l.split(' ').pop())
  for (const n of ['pts', 'shm', 'mqueue']) t.ok(names.includes(n), `/dev/${n} exists`)
  if (rc) {
    t.equal(rc.code, 0, rc.stderr)
    const [rls, rrest] = rc.stdout.split('--stat--\n')
    t.same(lsNoDate(ls), lsNoDate(rls), '`ls -l /dev` is the same as runc (dates aside)')
    t.equal(rest, rrest, 'the same devices, links and errors as runc')
  }
  t.same(await check(), [])
})

t.test('linux.devices: nodes created with type, numbers, mode and owner', async (t) => {
  if (!needsRoot(t)) return
  const { ts, rc, check } = await runBoth(t, {
    args: ['sh', '-c', 'stat -c "%n %F %t,%T %a %u %g" /dev/mydev /dev/myblk /dev/sub/dir/mydev2; ls -l /dev/mydev /dev/myblk'],
    mutate: (s) => {
      s.linux.devices = [
        { path: '/dev/mydev', type: 'c', major: 1, minor: 3, fileMode: 0o620, uid: 1, gid: 2 },
        { path: '/dev/myblk', type: 'b', major: 7, minor: 200, fileMode: 0o600, uid: 0, gid: 0 },
        { path: '/dev/sub/dir/mydev2', type: 'c', major: 1, minor: 5, fileMode: 0o640, uid: 3, gid: 4 },
      ]
    },
  })
  t.equal(ts.code, 0, ts.stderr)
  const lines = ts.stdout.split('\n')
  t.same(lines.slice(0, 3), [
    '/dev/mydev character special file 1,3 620 1 2',
    '/dev/myblk block special file 7,c8 600 0 0',
    '/dev/sub/dir/mydev2 character special file 1,5 640 3 4',
  ], 'the nodes have the configured type, numbers, mode, uid and gid')
  if (rc) {
    t.equal(rc.code, 0, rc.stderr)
    t.same(lsNoDate(ts.stdout), lsNoDate(rc.stdout), '`ls -l` is the same as runc (dates aside)')
    t.same(rc.stdout.split('\n').slice(0, 3), lines.slice(0, 3), 'stat is the same as runc')
  }
  t.same(await check(), [])
})

// ---------------------------------------------------------------- masked / readonly paths

t.test('linux.maskedPaths: masked files read empty, masked dirs are empty read-only tmpfs', async (t) => {
  if (!needsRoot(t)) return
  const file = ['/proc/kcore', '/proc/timer_list', '/proc/keys'].find((f) => {
    try { return readFileSync(f).length > 0 } catch { return false }
  })
  const maskDir = '/sys/firmware'
  if (!file || !existsSync(maskDir) || readdirSync(maskDir).length === 0) {
    t.plan(0, 'no non-empty /proc/kcore, /proc/timer_list, /proc/keys or /sys/firmware to mask')
    return
  }
  const script = `wc -c < ${file}; ls -A ${maskDir} | wc -l; touch ${maskDir}/x 2>&1; echo "touch=$?"; ${MOUNTINFO}`
  const masked = await runBoth(t, {
    args: ['sh', '-c', script],
    mutate: (s) => { s.linux.maskedPaths = [file, maskDir, '/proc/does-not-exist'] },
  })
  const { ts, rc } = masked
  t.equal(ts.code, 0, ts.stderr)
  const out = ts.stdout.split('\n')
  t.equal(out[0].trim(), '0', `${file} reads empty`)
  t.equal(out[1].trim(), '0', `${maskDir} is empty`)
  t.match(out[2], /Read-only file system/, `${maskDir} is read-only`)
  const mi = mountinfoBetween(ts.stdout)
  const dirMount = mi.filter((m) => m.mountPoint === maskDir).pop()
  t.equal(dirMount?.fstype, 'tmpfs', `${maskDir} is a tmpfs`)
  t.ok(dirMount?.options.includes('ro'), `${maskDir} is mounted ro`)
  t.ok(mi.some((m) => m.mountPoint === file), `${file} is mounted over`)
  if (rc) {
    t.equal(rc.code, 0, rc.stderr)
    t.equal(ts.stdout.split('--mountinfo--')[0], rc.stdout.split('--mountinfo--')[0], 'same output as runc')
  }
  t.same(await masked.check(), [])

  // Control: without maskedPaths the same reads show the host's content.
  const plain = await runBoth(t, {
    args: ['sh', '-c', script],
    compare: false,
    mutate: (s) => { s.linux.maskedPaths = [] },
  })
  const pout = plain.ts.stdout.split('\n')
  t.not(pout[0].trim(), '0', `unmasked, ${file} has content`)
  t.not(pout[1].trim(), '0', `unmasked, ${maskDir} has entries`)
  t.same(await plain.check(), [])
})

t.test('linux.readonlyPaths: /proc/sys is read-only even with CAP_SYS_ADMIN', async (t) => {
  if (!needsRoot(t)) return
  const script = '(echo renamed > /proc/sys/kernel/hostname) 2>&1; echo "write=$?"; hostname'
  const withAdmin = (s) => {
    for (const k of ['bounding', 'effective', 'permitted']) s.process.capabilities[k].push('CAP_SYS_ADMIN')
    s.hostname = 'ctr-ro'
  }
  for (const [name, readonlyPaths, want] of [
    ['readonly', null, /^.*Read-only file system\nwrite=1\nctr-ro\n$/],
    ['control: /proc/sys not in readonlyPaths', (p) => p.filter((x) => x !== '/proc/sys'), /^write=0\nrenamed\n$/],
  ]) {
    await t.test(name, async (t) => {
      const { ts, rc, check } = await runBoth(t, {
        args: ['sh', '-c', script],
        mutate: (s) => {
          withAdmin(s)
          if (readonlyPaths) s.linux.readonlyPaths = readonlyPaths(s.linux.readonlyPaths)
        },
      })
      t.equal(ts.code, 0, ts.stderr)
      t.match(ts.stdout, want)
      if (rc) t.equal(ts.stdout, rc.stdout, 'same output as runc')
      t.same(await check(), [])
    })
  }
})

t.test('linux.readonlyPaths: a directory of the rootfs', async (t) => {
  if (!needsRoot(t)) return
  const { ts, rc, check } = await runBoth(t, {
    args: ['sh', '-c', 'touch /var/x 2>&1; echo "var=$?"; touch /x && echo "root-ok"'],
    privateRootfs: true,
    separate: true,
    mutate: (s) => {
      s.root.readonly = false
      s.linux.readonlyPaths.push('/var')
    },
  })
  t.equal(ts.code, 0, ts.stderr)
  t.equal(ts.stdout, 'touch: /var/x: Read-only file system\nvar=1\nroot-ok\n')
  if (rc) t.equal(ts.stdout, rc.stdout, 'same output as runc')
  t.same(await check(), [])
})

// ---------------------------------------------------------------- process

t.test('process.args reach the program verbatim', async (t) => {
  if (!needsRoot(t)) return
  const { ts, rc, check } = await runBoth(t, {
    args: ['sh', '-c', 'printf "[%s]" "$0" "$@"; echo', 'zero', 'a b', '$HOME', '', '*', 'é\ttab'],
  })
  t.equal(ts.code, 0, ts.stderr)
  t.equal(ts.stdout, '[zero][a b][$HOME][][*][é\ttab]\n')
  if (rc) t.equal(ts.stdout, rc.stdout, 'same as runc')
  t.same(await check(), [])
})

t.test('process.env, and HOME from /etc/passwd when env has none (as runc)', async (t) => {
  if (!needsRoot(t)) return
  const cases = [
    ['root, no HOME', (s) => { s.process.env = ['PATH=/bin', 'FOO=bar baz', 'EMPTY=', 'EQ=a=b'] }, 'HOME=/root'],
    ['nobody, no HOME', (s) => { s.process.user = { uid: 65534, gid: 65534 } }, 'HOME=/nonexistent'],
    ['HOME given', (s) => { s.process.env.push('HOME=/custom') }, 'HOME=/custom'],
    ['uid not in /etc/passwd', (s) => { s.process.user = { uid: 4321, gid: 4321 } }, null],
  ]
  for (const [name, mutate, home] of cases) {
    await t.test(name, async (t) => {
      const { ts, rc, check } = await runBoth(t, { args: ['sh', '-c', 'env | sort'], mutate })
      t.equal(ts.code, 0, ts.stderr)
      const env = ts.stdout.split('\n').filter(Boolean)
      if (home) t.ok(env.includes(home), `${home} in ${JSON.stringify(env)}`)
      if (name === 'root, no HOME') {
        for (const v of ['PATH=/bin', 'FOO=bar baz', 'EMPTY=', 'EQ=a=b']) t.ok(env.includes(v), v)
      }
      if (rc) {
        t.equal(rc.code, 0, rc.stderr)
        t.equal(ts.stdout, rc.stdout, 'the same environment as runc')
      }
      t.same(await check(), [])
    })
  }
})

t.test('process.cwd: used, and created when missing (as runc)', async (t) => {
  if (!needsRoot(t)) return
  await t.test('existing cwd', async (t) => {
    const { ts, rc, check } = await runBoth(t, {
      args: ['sh', '-c', 'pwd'],
      mutate: (s) => { s.process.cwd = '/var' },
    })
    t.equal(ts.code, 0, ts.stderr)
    t.equal(ts.stdout, '/var\n')
    if (rc) t.equal(ts.stdout, rc.stdout, 'same as runc')
    t.same(await check(), [])
  })
  for (const readonly of [false, true]) {
    await t.test(`missing cwd, root.readonly ${readonly}`, async (t) => {
      const { dir, rdir, ts, rc, check } = await runBoth(t, {
        args: ['sh', '-c', 'pwd; stat -c "%a %u %g" .'],
        privateRootfs: true,
        separate: true,
        mutate: (s) => { s.process.cwd = '/does/not/exist'; s.root.readonly = readonly },
      })
      t.equal(ts.code, 0, `tsrun run exits 0: ${ts.stderr}`)
      t.equal(ts.stdout, '/does/not/exist\n755 0 0\n')
      t.ok(existsSync(join(dir, 'rootfs', 'does', 'not', 'exist')), 'created in the bundle rootfs')
      if (rc) {
        t.equal(rc.code, 0, rc.stderr)
        t.equal(ts.stdout, rc.stdout, 'same as runc')
        t.ok(existsSync(join(rdir, 'rootfs', 'does', 'not', 'exist')), 'runc created it too')
      }
      t.same(await check(), [])
    })
  }
})

t.test('stdio: stdin, stdout and stderr are the caller\'s pipes; exit code', async (t) => {
  if (!needsRoot(t)) return
  const input = 'line one\nline two\n'
  const { ts, rc, check } = await runBoth(t, {
    args: ['sh', '-c', 'cat; echo to-stdout; echo to-stderr >&2; exit 3'],
    input,
  })
  t.equal(ts.code, 3, 'the exit code is the program\'s')
  t.equal(ts.stdout, `${input}to-stdout\n`, 'stdin copied to stdout, then stdout')
  t.equal(ts.stderr, 'to-stderr\n', 'stderr is separate')
  if (rc) {
    t.same([rc.code, rc.stdout, rc.stderr], [ts.code, ts.stdout, ts.stderr], 'same as runc')
  }
  t.same(await check(), [])
})
