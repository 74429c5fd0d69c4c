// One addon from both build systems: cmake-js (CMakeLists.txt, development:
// build/compile_commands.json of `npm run build`) and node-gyp (binding.gyp:
// the prebuilds and the install fallback, configured here in a copy of the
// native tree) compile the same sources, each with the flags of
// scripts/native-build.json. What each adds of its own (node-gyp's -fPIC,
// -D_FILE_OFFSET_BITS=64, ...) is left out of the comparison. Each build's
// smoke test: the suite runs on the cmake-js build, test/package.test.mjs on
// node-gyp's (the prebuild and a source build from the tarball).
import t from 'tap'
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join, relative, resolve } from 'node:path'
import { REPO, run, tempDir } from './helpers/env.mjs'

const require = createRequire(import.meta.url)
const cmakeCommands = join(REPO, 'build', 'compile_commands.json')
const skipReason = process.platform !== 'linux' ? 'the Linux build'
  : !existsSync(cmakeCommands) ? `no ${relative(REPO, cmakeCommands)}: run npm run build (cmake-js) first`
  : false

if (skipReason) {
  t.comment(`skipping: ${skipReason}`)
  t.plan(0, skipReason)
} else {
  await main()
}

/**
 * compile_commands.json as Map("addon:native/linux/x.cc" | "init:...") -> argv,
 * the target told by what each build system puts in the command.
 */
function commands(file, root) {
  const map = new Map()
  for (const e of JSON.parse(readFileSync(file, 'utf8'))) {
    const command = e.command ?? e.arguments.join(' ')
    const argv = command.match(/"(?:[^"\\]|\\.)*"|\S+/g).map((a) => a.replace(/^"(.*)"$/, '$1').replace(/\\"/g, '"'))
    const target = /NODE_GYP_MODULE_NAME=tsrun-init\b|tsrun-init\.dir\//.test(command) ? 'init' : 'addon'
    map.set(`${target}:${relative(root, resolve(root, e.directory, e.file))}`, argv)
  }
  return map
}

async function main() {
  const { copyNativeTree } = await import('../scripts/native-tree.mjs')
  const { nodedir } = require('../scripts/install.cjs')
  const flags = JSON.parse(readFileSync(join(REPO, 'scripts', 'native-build.json'), 'utf8'))

  const tree = tempDir(t, 'tsrun-gyp-')
  copyNativeTree(REPO, tree)
  const dir = nodedir()
  const r = await run(process.execPath, [require.resolve('node-gyp/bin/node-gyp.js'), 'configure', '--release',
    ...(dir ? [`--nodedir=${dir}`] : []), '--', '-f', 'compile_commands_json'], { cwd: tree, timeout: 120_000 })
  if (r.code !== 0) throw new Error(`node-gyp configure: ${r.stderr}`)

  const cmake = commands(cmakeCommands, REPO)
  const gyp = commands(join(tree, 'build', 'Release', 'compile_commands.json'), tree)

  t.test('the same sources, addon and tsrun-init', async (t) => {
    t.same([...gyp.keys()].sort(), [...cmake.keys()].sort())
    t.ok([...cmake.keys()].some((k) => k.startsWith('init:native/linux/init/')), 'tsrun-init is built by both')
  })

  t.test('each with the flags of scripts/native-build.json, and exceptions and RTTI on', async (t) => {
    const want = {
      addon: [...flags.addon.cflags, ...flags.addon.defines.map((d) => `-D${d}`)],
      init: flags.init.cflags,
    }
    for (const [name, map] of [['cmake-js', cmake], ['node-gyp', gyp]]) {
      for (const [key, argv] of map) {
        const target = key.split(':')[0]
        t.same(want[target].filter((f) => !argv.includes(f)), [], `${name} ${key}: has them all`)
        t.same(argv.filter((f) => f === '-fno-exceptions' || f === '-fno-rtti'), [], `${name} ${key}: no -fno-exceptions, -fno-rtti`)
      }
    }
  })
}
