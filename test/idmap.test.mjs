// Id-mapped bind mounts: mounts[].uidMappings/gidMappings.
import t from 'tap'
import { execFileSync } from 'node:child_process'
import { chownSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { bundle, cleanup, needsRoot, stateRoot, tempDir, tsrun, uniqueId } from './helpers/env.mjs'

function sharedDir(t) {
  const dir = tempDir(t)
  mkdirSync(join(dir, 'data'))
  writeFileSync(join(dir, 'data', 'f'), 'hello\n')
  chownSync(join(dir, 'data', 'f'), 1000, 1000)
  return join(dir, 'data')
}

t.test('a bind mount with its own mappings shows the mapped owner', async (t) => {
  if (!needsRoot(t)) return
  const root = stateRoot(t)
  const data = sharedDir(t)
  const dir = bundle(t, {
    args: ['sh', '-c', 'stat -c "%u:%g" /mnt/f; cat /mnt/f'],
    mutate: (s) => {
      s.mounts.push({
        destination: '/mnt', type: 'bind', source: data, options: ['bind'],
        uidMappings: [{ containerID: 1000, hostID: 2000, size: 1 }],
        gidMappings: [{ containerID: 1000, hostID: 3000, size: 1 }],
      })
    },
  })
  const id = uniqueId('idmap')
  const check = cleanup(t, { root, id, bundle: dir })
  const r = await tsrun(['--root', root, 'run', '--bundle', dir, id])
  t.equal(r.code, 0, r.stderr)
  t.equal(r.stdout, '2000:3000\nhello\n', 'the file owned by 1000:1000 on disk is 2000:3000 in the mount')
  t.same(await check(), [])
})

t.test('"idmap" in a user namespace container: host owners stay visible', async (t) => {
  if (!needsRoot(t)) return
  const root = stateRoot(t)
  const data = sharedDir(t)
  const run = async (options) => {
    const dir = bundle(t, {
      args: ['sh', '-c', 'stat -c "%u:%g" /mnt/f'],
      privateRootfs: true,
      mutate: (s) => {
        s.linux.namespaces.push({ type: 'user' })
        s.linux.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }]
        s.linux.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }]
        s.mounts = s.mounts.filter((m) => m.type !== 'cgroup')
        s.mounts.push({ destination: '/mnt', type: 'bind', source: data, options })
      },
    })
    // The container's root is host uid 100000: it must own its rootfs.
    execFileSync('chown', ['-R', '100000:100000', join(dir, 'rootfs')])
    const id = uniqueId('idmap')
    const check = cleanup(t, { root, id, bundle: dir })
    const r = await tsrun(['--root', root, 'run', '--bundle', dir, id])
    t.equal(r.code, 0, r.stderr)
    t.same(await check(), [])
    return r.stdout
  }
  t.equal(await run(['bind']), '65534:65534\n', 'a plain bind shows the unmapped owner as nobody')
  t.equal(await run(['bind', 'idmap']), '1000:1000\n', 'an idmap bind shows the host owner')
})

/** Runs a container with this extra mount, which must fail: its stderr. */
async function runFailing(t, mount) {
  const root = stateRoot(t)
  const dir = bundle(t, { args: ['true'], mutate: (s) => { s.mounts.push(mount) } })
  const id = uniqueId('idmap')
  const check = cleanup(t, { root, id, bundle: dir })
  const r = await tsrun(['--root', root, 'run', '--bundle', dir, id])
  t.not(r.code, 0)
  t.same(await check(), [], 'nothing left')
  return r.stderr
}

t.test('id mappings on a non-bind mount are refused, naming the field', async (t) => {
  if (!needsRoot(t)) return
  const stderr = await runFailing(t, {
    destination: '/mnt', type: 'tmpfs', source: 'tmpfs',
    uidMappings: [{ containerID: 0, hostID: 1000, size: 1 }],
    gidMappings: [{ containerID: 0, hostID: 1000, size: 1 }],
  })
  t.match(stderr, /mounts\[\d+\]\.uidMappings: only bind mounts can be id-mapped/)
})

t.test('an id mapping the kernel refuses fails in tsrun-init, naming the mount; nothing left', async (t) => {
  if (!needsRoot(t)) return
  // Overlapping ranges: the kernel refuses the uid_map.
  const stderr = await runFailing(t, {
    destination: '/mnt', type: 'bind', source: '/tmp', options: ['bind'],
    uidMappings: [{ containerID: 0, hostID: 1000, size: 10 }, { containerID: 5, hostID: 2000, size: 10 }],
    gidMappings: [{ containerID: 0, hostID: 1000, size: 1 }],
  })
  t.match(stderr, /mounts\[\d+\]: mount \/tmp on \/mnt: id-mapped: create the id-mapping user namespace: invalid argument/)
})
