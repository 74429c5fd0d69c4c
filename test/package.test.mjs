// The npm package as an engine gets it: the tarball of `npm pack` (.ci/run
// packs it once, prepack building dist and the prebuilds, and passes it in
// TSRUN_TARBALL; without it, this file packs the current dist and prebuilds)
// installed into an empty project on a machine without a compiler on PATH
// and without libseccomp (hidden in a private mount namespace). There the
// library runs a busybox container, the CLI works through npx and from a
// global install, the shipped types compile under tsc --strict, and the
// prebuild loads in Node 22 and 24 (npm's `node` packages) too. Without a
// fitting prebuild, the install script builds the addon from the tarball's
// sources with node-gyp, or names in one line what it needs.
import t from 'tap'
import { cpSync, existsSync, mkdirSync, readdirSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { arch } from 'node:os'
import { join } from 'node:path'
import {
  REPO, bundle, cleanup, isRoot, run, stateRoot, tempDir, uniqueId, which,
} from './helpers/env.mjs'

const NPM = ['--no-audit', '--no-fund', '--loglevel=warn']
const PREBUILDS = ['linux-x64', 'linux-arm64']
const LONG = 600_000 // ms: npm installs, downloads of Node, a node-gyp build

/** Without TSRUN_TARBALL: why this checkout's prebuilds cannot be packed (missing, or older than a native source), or false. */
function prebuildsUnusable() {
  const built = PREBUILDS.map((p) => join(REPO, 'prebuilds', p))
  if (built.some((d) => !existsSync(d))) return `no prebuilds/{${PREBUILDS}}`
  const oldest = Math.min(...built.flatMap((d) => readdirSync(d).map((f) => statSync(join(d, f)).mtimeMs)))
  const newer = readdirSync(join(REPO, 'native'), { recursive: true }).find((f) => statSync(join(REPO, 'native', f)).mtimeMs > oldest)
  return newer ? `prebuilds/ is older than native/${newer}` : false
}

const stale = process.env.TSRUN_TARBALL ? false : prebuildsUnusable()
const skipReason = !isRoot ? 'needs root (containers, a private mount namespace)'
  : arch() !== 'x64' ? `the packaging checks run on linux-x64 hosts (this is ${arch()})`
  : !which('unshare') ? 'needs unshare (util-linux)'
  : stale ? `no tarball (TSRUN_TARBALL) and ${stale}: run npm pack (or npm run prebuilds) first, as .ci/run does`
  : false

if (skipReason) {
  t.comment(`skipping: ${skipReason}`)
  t.plan(0, skipReason)
} else {
  t.setTimeout(30 * 60_000)
  await main()
}

async function main() {
  const work = tempDir(t, 'tsrun-package-')
  const tarball = process.env.TSRUN_TARBALL || await pack(work)

  /** A PATH of this host's commands without any compiler, linker or make. */
  const bare = join(work, 'bare-bin')
  mkdirSync(bare)
  const tool = /(^|-)(cc|c\+\+|gcc|g\+\+|cpp|clang|clang\+\+|ld|as|make|gmake|cmake|ninja|tcc)(-[\d.]+)?$|^(ld|gcc|g\+\+|cpp)[.-]/
  for (const dir of ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin']) {
    for (const name of existsSync(dir) ? readdirSync(dir) : []) {
      if (!tool.test(name) && !existsSync(join(bare, name))) symlinkSync(join(dir, name), join(bare, name))
    }
  }
  const noCompiler = { PATH: bare }

  // libseccomp's header and libraries (-dev and the runtime one), hidden
  // under an empty file in the mount namespace of each consumer command.
  const empty = join(work, 'empty')
  writeFileSync(empty, '')
  const seccompFiles = [...new Set(['/usr/include', ...libDirs()].flatMap((d) => readdirSync(d)
    .filter((f) => /^(lib)?seccomp/.test(f)).map((f) => realpathSync(join(d, f))).filter((f) => statSync(f).isFile())))]

  /** Runs cmd as a consumer machine would: libseccomp hidden; env (e.g. noCompiler) over process.env. */
  const consumer = (cmd, args, { cwd, env = {}, timeout = LONG } = {}) => run('unshare', [
    '--mount', '--propagation', 'private', '--', '/bin/sh', '-c',
    'e=$1; n=$2; shift 2; while [ "$n" -gt 0 ]; do mount --bind "$e" "$1" || exit 125; shift; n=$((n - 1)); done; exec "$@"',
    'sh', empty, String(seccompFiles.length), ...seccompFiles, cmd, ...args,
  ], { cwd, env, timeout })

  /** An empty project with the tarball installed, as `npm i` does it (npm runs no dependency's install script unapproved). */
  const app = join(work, 'app')
  mkdirSync(app)
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'tsrun-consumer', private: true, type: 'module' }))
  const installed = join(app, 'node_modules', 'tsrun')

  // The library's round trip, run by each Node below: prints the exit status and what the container wrote.
  writeFileSync(join(app, 'main.mjs'), `import { closeSync, openSync, readFileSync } from 'node:fs'
import { Runtime } from 'tsrun'
const [root, bundle, id, out] = process.argv.slice(2)
const fd = openSync(out, 'w')
const c = await new Runtime({ root }).create(id, bundle, { stdio: [0, fd, fd] })
await c.start()
const { status } = await c.wait()
await c.delete()
closeSync(fd)
console.log(JSON.stringify({ node: process.version, status, output: readFileSync(out, 'utf8') }))
`)

  /** Runs main.mjs with `node` (a path) in the consumer project: one busybox container to completion. */
  async function libraryRun(t, node) {
    const root = stateRoot(t)
    const dir = bundle(t, { args: ['sh', '-c', 'echo hello from the container'] })
    const id = uniqueId('tsrun-pkg')
    const check = cleanup(t, { root, id, bundle: dir })
    const r = await consumer(node, ['main.mjs', root, dir, id, join(tempDir(t), 'out')], { cwd: app, env: noCompiler })
    t.equal(r.code, 0, `${node} main.mjs: ${r.stderr}`)
    let result = {}
    try { result = JSON.parse(r.stdout) } catch {}
    t.equal(result.status, 0, `the container exited 0 (${result.node})`)
    t.equal(result.output, 'hello from the container\n', 'its output')
    t.same(await check(), [], 'nothing left behind')
    return result
  }

  t.test('the tarball: prebuilds for linux-x64 and linux-arm64, and only what the package needs', async (t) => {
    const r = await run('tar', ['-tzf', tarball])
    t.equal(r.code, 0, r.stderr)
    const files = r.stdout.trim().split('\n').map((f) => f.replace(/^package\//, ''))
    for (const p of PREBUILDS) t.ok(files.includes(`prebuilds/${p}/tsrun.glibc.node`), `prebuilds/${p}`)
    for (const f of ['package.json', 'bin/tsrun', 'dist/index.js', 'dist/index.d.ts', 'dist/cli/tsrun.cjs', 'binding.gyp',
      'scripts/install.cjs', 'scripts/native-build.cjs', 'scripts/native-build.json', 'native/linux/addon.cc']) {
      t.ok(files.includes(f), f)
    }
    const top = /^(README\.md|LICENSE|package\.json|bin\/|dist\/|prebuilds\/|native\/|binding\.gyp$|scripts\/(install\.cjs|native-build\.(cjs|json))$)/
    t.same(files.filter((f) => !top.test(f)), [], 'nothing else at the top (no tests, lib sources, build trees)')
    t.same(files.filter((f) => /\.(cache|o|a|log)$|(^|\/)(build|node_modules|\.tap)\//.test(f)), [], 'no caches, objects, build trees')
  })

  t.test('npm i of the tarball in an empty project, with no compiler and no libseccomp: nothing is compiled', async (t) => {
    const lib = seccompFiles.find((f) => /libseccomp\.so\./.test(f))
    const check = await consumer('sh', ['-c', 'for c in cc c++ gcc g++ make; do command -v $c && exit 1; done; wc -c < "$0"', lib], { env: noCompiler })
    t.equal(check.code, 0, `no compiler on PATH: ${check.stdout}`)
    t.equal(check.stdout.trim(), '0', `${lib} hidden under an empty file (with ${seccompFiles.length - 1} more)`)
    const r = await consumer('npm', ['install', ...NPM, tarball], { cwd: app, env: noCompiler })
    t.equal(r.code, 0, `npm i: ${r.stderr}`)
    t.ok(existsSync(join(installed, 'dist', 'index.js')), 'installed')
    // Approved, its install script runs: it finds the prebuild and builds nothing.
    const approve = await consumer('npm', ['install-scripts', 'approve', ...NPM, 'tsrun'], { cwd: app, env: noCompiler })
    if (approve.code === 0) {
      const rebuild = await consumer('npm', ['rebuild', ...NPM, '--foreground-scripts', 'tsrun'], { cwd: app, env: noCompiler })
      t.equal(rebuild.code, 0, `npm rebuild tsrun (its install script): ${rebuild.stderr}`)
      t.match(rebuild.stdout, /^tsrun: prebuilds\/linux-x64\/tsrun\.glibc\.node loads: nothing to build$/m, 'the install script uses the prebuild')
    } else {
      t.comment(`this npm has no install-scripts approval (${approve.stderr.trim().split('\n')[0]}): npm i ran the install script`)
    }
    t.notOk(existsSync(join(installed, 'build')), 'no build directory: the prebuild is used')
  })

  t.test('the library: import { Runtime } from "tsrun" runs a busybox container to completion', async (t) => {
    await libraryRun(t, process.execPath)
  })

  t.test('the CLI: npx tsrun --version and npx tsrun run', async (t) => {
    const v = await consumer('npx', ['--no-install', 'tsrun', '--version'], { cwd: app, env: noCompiler })
    t.equal(v.code, 0, v.stderr)
    t.match(v.stdout, /^tsrun version 0\.1\.0/m, 'version')
    const root = stateRoot(t)
    const dir = bundle(t, { args: ['sh', '-c', 'echo cli; exit 3'] })
    const id = uniqueId('tsrun-pkg-cli')
    const check = cleanup(t, { root, id, bundle: dir })
    const r = await consumer('npx', ['--no-install', 'tsrun', '--root', root, 'run', '--bundle', dir, id], { cwd: app, env: noCompiler })
    t.equal(r.stdout, 'cli\n', `stdout (${r.stderr})`)
    t.equal(r.code, 3, 'the container\'s exit status')
    t.same(await check(), [], 'nothing left behind')
  })

  t.test('a TypeScript file using the public API compiles with tsc --strict against the shipped types', async (t) => {
    writeFileSync(join(app, 'engine.ts'), `import { Runtime, Container, ContainerNotFoundError, type ExitStatus, type Spec } from 'tsrun';

export async function runOnce(root: string, id: string, bundle: string): Promise<number> {
  const rt = new Runtime({ root });
  const c: Container = await rt.create(id, bundle);
  await c.start();
  const exit: ExitStatus | null = await c.wait();
  await c.delete();
  return exit?.status ?? -1;
}

export function isMissing(e: unknown): boolean {
  return e instanceof ContainerNotFoundError;
}

export const args = (spec: Spec): string[] => spec.process?.args ?? [];
`)
    writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({
      compilerOptions: {
        strict: true, noEmit: true, target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext',
        typeRoots: [join(REPO, 'node_modules', '@types')], types: ['node'],
      },
      files: ['engine.ts'],
    }))
    const r = await consumer(process.execPath, [join(REPO, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', '.', '--strict'], { cwd: app, env: noCompiler })
    t.equal(r.code, 0, `tsc --strict: ${r.stdout}${r.stderr}`)
  })

  t.test('npm i -g: the tsrun command', async (t) => {
    const prefix = join(work, 'global')
    const r = await consumer('npm', ['install', '-g', '--prefix', prefix, ...NPM, tarball], { env: noCompiler })
    t.equal(r.code, 0, `npm i -g: ${r.stderr}`)
    t.notOk(existsSync(join(prefix, 'lib', 'node_modules', 'tsrun', 'build')), 'nothing compiled')
    const bin = join(prefix, 'bin', 'tsrun')
    const v = await consumer(bin, ['--version'], { env: noCompiler })
    t.match(v.stdout, /^tsrun version 0\.1\.0/m, `tsrun --version ${v.stderr}`)
    const root = stateRoot(t)
    const dir = bundle(t, { args: ['echo', 'global'] })
    const id = uniqueId('tsrun-pkg-g')
    const check = cleanup(t, { root, id, bundle: dir })
    const run1 = await consumer(bin, ['--root', root, 'run', '--bundle', dir, id], { env: noCompiler })
    t.equal(run1.code, 0, run1.stderr)
    t.equal(run1.stdout, 'global\n', 'tsrun run')
    t.same(await check(), [], 'nothing left behind')
  })

  for (const major of [22, 24]) {
    t.test(`Node ${major} (npm's node@${major}) loads the prebuild and runs a container`, async (t) => {
      const node = await npmNode(major)
      if (typeof node !== 'string') return t.skip(node.skip)
      const result = await libraryRun(t, node)
      t.match(result.node, new RegExp(`^v${major}\\.`), `ran in Node ${result.node}`)
    })
  }

  t.test('each prebuild in the installed package: architecture, libraries, loads (arm64 under qemu)', async (t) => {
    if (!which('qemu-aarch64-static')) return t.skip('needs qemu-user-static (apt-get install qemu-user-static): .ci/run installs it')
    const r = await run(process.execPath, [join(REPO, 'scripts', 'prebuild.mjs'), '--check-only', `--dir=${installed}`, '--arch=x64,arm64'], { timeout: LONG })
    t.equal(r.code, 0, r.stderr)
    for (const a of ['x64', 'arm64']) t.match(r.stderr, new RegExp(`prebuild linux-${a}: loads: ${a} node`), `linux-${a} loads`)
    t.notMatch(r.stderr, /libseccomp\.so/, 'no libseccomp.so needed')
  })

  /** A copy of the consumer project whose tsrun has no prebuilds: no prebuild fits. */
  const withoutPrebuilds = (t) => {
    const copy = join(tempDir(t), 'app')
    cpSync(app, copy, { recursive: true, filter: (f) => !f.startsWith(join(installed, 'prebuilds')) })
    return copy
  }

  t.test('no prebuild fits and no compiler or no libseccomp: the install script says in one line what to install', async (t) => {
    const copy = withoutPrebuilds(t)
    const line = (r) => r.stderr.split('\n').find((l) => l.startsWith('tsrun: building the addon needs')) ?? r.stderr
    const r = await consumer('npm', ['rebuild', ...NPM, '--foreground-scripts', 'tsrun'], { cwd: copy, env: noCompiler })
    t.not(r.code, 0, 'npm rebuild fails')
    t.match(line(r), /needs a C\+\+ compiler \(c\+\+\), make: install g\+\+ make \(apt-get install g\+\+ make on Debian or Ubuntu\)/, line(r))
    const r2 = await consumer('npm', ['rebuild', ...NPM, '--foreground-scripts', 'tsrun'], { cwd: copy })
    t.not(r2.code, 0, 'with a compiler but without libseccomp: fails too')
    t.match(line(r2), /needs libseccomp \(seccomp\.h and the library\): install libseccomp-dev/, line(r2))
    t.notOk(existsSync(join(copy, 'node_modules', 'tsrun', 'build')), 'nothing half-built')
  })

  t.test('no prebuild fits: the install script builds the addon from the tarball with node-gyp, and it runs a container', async (t) => {
    const copy = withoutPrebuilds(t)
    const pkg = join(copy, 'node_modules', 'tsrun')
    // As on a build machine: a compiler and libseccomp-dev, so outside the consumer's namespace.
    const r = await run('npm', ['rebuild', ...NPM, '--foreground-scripts', 'tsrun'], { cwd: copy, timeout: LONG })
    t.equal(r.code, 0, `npm rebuild tsrun: ${r.stderr.slice(-3000)}`)
    t.ok(existsSync(join(pkg, 'build', 'Release', 'tsrun.node')), 'build/Release/tsrun.node')
    const root = stateRoot(t)
    const b = bundle(t, { args: ['echo', 'source build'] })
    const id = uniqueId('tsrun-pkg-src')
    const check = cleanup(t, { root, id, bundle: b })
    const ran = await consumer(join(pkg, 'bin', 'tsrun'), ['--root', root, 'run', '--bundle', b, id], { env: noCompiler })
    t.equal(ran.code, 0, ran.stderr)
    t.equal(ran.stdout, 'source build\n', 'the node-gyp build runs a container, with libseccomp hidden (linked in)')
    t.same(await check(), [], 'nothing left behind')
  })
}

/** The multiarch library directories of this host (where libseccomp lives). */
function libDirs() {
  return ['/usr/lib', '/lib'].flatMap((d) => readdirSync(d).filter((n) => /-linux-gnu/.test(n)).map((n) => join(d, n)))
    .filter((d) => existsSync(d) && realpathSync(d) === d)
}

/** npm pack of the current dist and prebuilds, without prepack (which would rebuild them). */
async function pack(dir) {
  const r = await run('npm', ['pack', '--ignore-scripts', '--pack-destination', dir, ...NPM], { cwd: REPO, timeout: LONG })
  if (r.code !== 0) throw new Error(`npm pack: ${r.stderr}`)
  return join(dir, r.stdout.trim().split('\n').at(-1))
}

/** A Node of that major from npm's `node` package, installed once under node_modules/.cache; or { skip }. */
async function npmNode(major) {
  const prefix = join(REPO, 'node_modules', '.cache', `tsrun-node-${major}`)
  const bin = join(prefix, 'node_modules', 'node', 'bin', 'node')
  if (!existsSync(bin)) {
    rmSync(prefix, { recursive: true, force: true })
    mkdirSync(prefix, { recursive: true })
    writeFileSync(join(prefix, 'package.json'), JSON.stringify({ private: true }))
    const r = await run('npm', ['install', ...NPM, '--prefix', prefix, `node@${major}`], { cwd: prefix, timeout: LONG })
    if (r.code !== 0 || !existsSync(bin)) return { skip: `npm i node@${major} failed: ${r.stderr.trim().split('\n')[0]}` }
  }
  return bin
}
