#!/usr/bin/env node
// Build an OCI bundle with a tiny busybox-static root filesystem, without any
// registry or image tooling (the bundles are also used to run runc/crun for
// comparison). Of tsrun's own code it uses only the default config.json
// (dist/spec/default.js, which the tests check against `runc spec`), so the
// project must be built first.
//
//   node scripts/make-bundle.mjs DIR [--rootfs-only] [--hostname NAME] [-- ARGS...]
//
//   DIR/rootfs       bin/busybox (static) + one symlink per applet, standard
//                    dirs, /etc/passwd, /etc/group, /etc/hostname
//   DIR/config.json  what `runc spec` (1.1.x) writes, with process.terminal
//                    false and process.args = ARGS (default ["sh"])
//
// Library use:
//   import { makeRootfs, makeBundle, runcDefaultSpec } from './scripts/make-bundle.mjs'
//   makeRootfs('/tmp/x/rootfs')
//   makeBundle('/tmp/x', { args: ['echo', 'hi'], mutate(spec) { spec.hostname = 'h' } })
//   makeBundle('/tmp/y', { rootfs: '/abs/shared/rootfs' })  // no copy, root.path absolute

import {
  chmodSync, copyFileSync, closeSync, existsSync, lstatSync, mkdirSync, openSync,
  readSync, statSync, symlinkSync, unlinkSync, writeFileSync, rmSync, readlinkSync,
} from 'node:fs'
import { execFileSync } from 'node:child_process'
import { join, resolve, isAbsolute, delimiter } from 'node:path'
import { fileURLToPath } from 'node:url'
import { defaultSpec } from '../dist/spec/default.js'

/** Bump when the layout produced by makeRootfs changes (used as a cache key). */
export const ROOTFS_VERSION = 1

/** Where the static busybox comes from (Debian's busybox-static). */
export const DEFAULT_BUSYBOX = '/bin/busybox'

export class BusyboxError extends Error {}

/**
 * `runc spec`'s default config.json (terminal: true, args ["sh"]): the
 * project's own lib/spec/default.ts (checked against runc by the tests), so
 * the project must be built first.
 */
export function runcDefaultSpec() {
  return defaultSpec()
}

/** The spec makeBundle writes before `mutate`: runc's default, terminal false, given args. */
export function bundleSpec({ args = ['sh'], hostname, rootfs } = {}) {
  const spec = runcDefaultSpec()
  spec.process.terminal = false
  spec.process.args = [...args]
  if (hostname !== undefined) spec.hostname = hostname
  if (rootfs !== undefined) spec.root.path = rootfs
  return spec
}

function findInPath(cmd) {
  const dirs = (process.env.PATH || '').split(delimiter)
    .concat(['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'])
  for (const d of dirs) {
    if (!d) continue
    const p = join(d, cmd)
    try {
      const st = statSync(p)
      if (st.isFile() && (st.mode & 0o111)) return p
    } catch {}
  }
  return null
}

/**
 * Does this ELF file request a program interpreter (dynamic loader)?
 * Returns 'static' | 'dynamic', throws if not an ELF file.
 */
export function elfLinkage(file) {
  const fd = openSync(file, 'r')
  try {
    const hdr = Buffer.alloc(64)
    readSync(fd, hdr, 0, 64, 0)
    if (hdr.readUInt32BE(0) !== 0x7f454c46) throw new BusyboxError(`${file} is not an ELF file`)
    const is64 = hdr[4] === 2
    const le = hdr[5] === 1
    const u16 = (b, o) => (le ? b.readUInt16LE(o) : b.readUInt16BE(o))
    const u32 = (b, o) => (le ? b.readUInt32LE(o) : b.readUInt32BE(o))
    const u64 = (b, o) => Number(le ? b.readBigUInt64LE(o) : b.readBigUInt64BE(o))
    const phoff = is64 ? u64(hdr, 32) : u32(hdr, 28)
    const phentsize = is64 ? u16(hdr, 54) : u16(hdr, 42)
    const phnum = is64 ? u16(hdr, 56) : u16(hdr, 44)
    const ph = Buffer.alloc(phentsize * phnum)
    readSync(fd, ph, 0, ph.length, phoff)
    for (let i = 0; i < phnum; i++) {
      if (u32(ph, i * phentsize) === 3 /* PT_INTERP */) return 'dynamic'
    }
    return 'static'
  } finally {
    closeSync(fd)
  }
}

/**
 * Locate the static busybox and check that it is static (with `file` when it
 * is installed, and always by reading the ELF program headers).
 * $TSRUN_BUSYBOX overrides the path.
 */
export function findBusybox() {
  const path = process.env.TSRUN_BUSYBOX || DEFAULT_BUSYBOX
  const hint = 'install it with: apt-get install -y busybox-static'
  if (!existsSync(path)) {
    throw new BusyboxError(`${path} not found: the busybox-static package is missing; ${hint}`)
  }
  const fileCmd = findInPath('file')
  if (fileCmd) {
    let out = ''
    try {
      out = execFileSync(fileCmd, ['-L', path], { encoding: 'utf8' })
    } catch (e) {
      throw new BusyboxError(`cannot run file(1) on ${path}: ${e.message}`)
    }
    if (!/statically linked|static-pie linked/.test(out)) {
      throw new BusyboxError(
        `${path} is not statically linked (file says: ${out.trim()}); ` +
        `the dynamic "busybox" package cannot run inside a bare rootfs; ${hint}`)
    }
  }
  if (elfLinkage(path) !== 'static') {
    throw new BusyboxError(`${path} is dynamically linked (has PT_INTERP); ${hint}`)
  }
  return path
}

const appletCache = new Map()

/** Applet names from `busybox --list`, without "busybox" itself. */
export function busyboxApplets(busybox = findBusybox()) {
  if (!appletCache.has(busybox)) {
    const out = execFileSync(busybox, ['--list'], { encoding: 'utf8' })
    const names = out.split('\n').map((s) => s.trim())
      .filter((n) => n && n !== 'busybox' && !n.includes('/') && n !== '.' && n !== '..')
    if (!names.includes('sh')) throw new BusyboxError(`${busybox} --list has no "sh" applet`)
    appletCache.set(busybox, names)
  }
  return appletCache.get(busybox)
}

function writeFileReplacing(path, content, mode) {
  try { unlinkSync(path) } catch {}
  writeFileSync(path, content, { mode })
  chmodSync(path, mode)
}

/**
 * Build (or refresh) a busybox root filesystem in `dir` (the rootfs itself,
 * e.g. BUNDLE/rootfs). Returns the absolute path.
 */
export function makeRootfs(dir, { busybox = findBusybox(), hostname = 'tsrun' } = {}) {
  const root = resolve(dir)
  mkdirSync(root, { recursive: true, mode: 0o755 })
  chmodSync(root, 0o755)

  const dirs = {
    bin: 0o755, proc: 0o555, sys: 0o555, dev: 0o755, etc: 0o755, tmp: 0o1777,
    root: 0o700, var: 0o755, run: 0o755, 'var/tmp': 0o1777,
  }
  for (const [d, mode] of Object.entries(dirs)) {
    const p = join(root, d)
    mkdirSync(p, { recursive: true })
    chmodSync(p, mode)
  }

  // bin/busybox: a real copy, never a symlink (busybox --list contains
  // "busybox" itself on Debian; it is skipped below).
  const target = join(root, 'bin', 'busybox')
  try {
    if (lstatSync(target)) unlinkSync(target)
  } catch {}
  copyFileSync(busybox, target)
  chmodSync(target, 0o755)

  for (const applet of busyboxApplets(busybox)) {
    const link = join(root, 'bin', applet)
    try {
      const st = lstatSync(link)
      if (st.isSymbolicLink() && readlinkSync(link) === 'busybox') continue
      rmSync(link, { recursive: true, force: true })
    } catch {}
    symlinkSync('busybox', link)
  }

  writeFileReplacing(join(root, 'etc', 'passwd'),
    'root:x:0:0:root:/root:/bin/sh\n' +
    'nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n', 0o644)
  writeFileReplacing(join(root, 'etc', 'group'),
    'root:x:0:\n' +
    'nobody:x:65534:\n', 0o644)
  writeFileReplacing(join(root, 'etc', 'hostname'), `${hostname}\n`, 0o644)
  return root
}

/**
 * Build an OCI bundle in `dir`: dir/rootfs (unless opts.rootfs names an
 * existing rootfs to share, which then becomes an absolute root.path) and
 * dir/config.json. `mutate(spec)` may edit the spec in place or return a new
 * one. Returns { dir, configPath, rootfs, spec }.
 */
export function makeBundle(dir, { args = ['sh'], mutate, hostname, rootfs, rootfsOnly = false, busybox } = {}) {
  const bundle = resolve(dir)
  mkdirSync(bundle, { recursive: true, mode: 0o755 })
  chmodSync(bundle, 0o755)
  let rootfsPath
  if (rootfs !== undefined) {
    rootfsPath = isAbsolute(rootfs) ? rootfs : resolve(bundle, rootfs)
    if (!existsSync(join(rootfsPath, 'bin', 'busybox'))) {
      throw new Error(`shared rootfs ${rootfsPath} has no bin/busybox`)
    }
  } else {
    rootfsPath = makeRootfs(join(bundle, 'rootfs'), busybox ? { busybox } : {})
  }
  const configPath = join(bundle, 'config.json')
  if (rootfsOnly) return { dir: bundle, configPath: null, rootfs: rootfsPath, spec: null }

  let spec = bundleSpec({ args, hostname, rootfs: rootfs !== undefined ? rootfsPath : undefined })
  if (mutate) {
    const r = mutate(spec)
    if (r && typeof r === 'object') spec = r
  }
  writeFileSync(configPath, JSON.stringify(spec, null, '\t'), { mode: 0o644 })
  return { dir: bundle, configPath, rootfs: rootfsPath, spec }
}

function usage() {
  return 'usage: make-bundle.mjs DIR [--rootfs-only] [--hostname NAME] [-- ARGS...]\n' +
    '  builds DIR/rootfs (static busybox) and DIR/config.json (runc spec defaults,\n' +
    '  terminal false, process.args = ARGS, default ["sh"])\n'
}

export function main(argv) {
  let dir
  let rootfsOnly = false
  let hostname
  let args
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a === '--') { args = argv.slice(i + 1); break }
    if (a === '--rootfs-only') rootfsOnly = true
    else if (a === '--hostname') {
      hostname = argv[++i]
      if (hostname === undefined) throw new Error('--hostname needs a value')
    } else if (a.startsWith('--hostname=')) hostname = a.slice('--hostname='.length)
    else if (a === '-h' || a === '--help') { process.stdout.write(usage()); return 0 }
    else if (a.startsWith('-')) throw new Error(`unknown option ${a}\n${usage()}`)
    else if (dir === undefined) dir = a
    else throw new Error(`unexpected argument ${a} (command arguments go after --)\n${usage()}`)
  }
  if (dir === undefined) throw new Error(usage())
  if (args !== undefined && args.length === 0) throw new Error('no command after --')
  const r = makeBundle(dir, { args: args ?? ['sh'], hostname, rootfsOnly })
  process.stdout.write(rootfsOnly ? `${r.rootfs}\n` : `${r.dir}\n`)
  return 0
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    process.exitCode = main(process.argv.slice(2))
  } catch (e) {
    process.stderr.write(`make-bundle: ${e.message}\n`)
    process.exitCode = e instanceof BusyboxError ? 3 : 2
  }
}
