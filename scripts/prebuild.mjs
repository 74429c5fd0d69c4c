// Builds the prebuilt addons that the package ships (prebuilds/linux-<arch>/),
// with prebuildify and node-gyp (binding.gyp), then checks each one:
//   - an ELF of the right architecture, carrying a static tsrun-init of that
//     architecture inside;
//   - its shared libraries are glibc's and libstdc++'s only (libseccomp is
//     linked in);
//   - it loads: in this Node, or for another architecture in an npm-installed
//     Node of that architecture under qemu-user-static.
// linux-arm64 is cross-built on x64 with Debian's aarch64 toolchain.
//
//   node scripts/prebuild.mjs [--arch x64,arm64] [--check-only] [--dir PACKAGE]
//
// --check-only checks the prebuilds of PACKAGE (default: this one), e.g. an
// installed copy, without building.
//
// Each build runs in a copy of the native sources in a temporary directory,
// so build/ (the cmake-js build of development) is left alone.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { arch as hostArch, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { copyNativeTree } from './native-tree.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);
const { nodedir } = require('./install.cjs');

/** Per architecture: the ELF machine, the toolchain prefix when cross-built, what apt installs for it. */
const TARGETS = {
  x64: { machine: 62, qemu: 'qemu-x86_64-static', triplet: 'x86_64-linux-gnu', debArch: 'amd64' },
  arm64: { machine: 183, qemu: 'qemu-aarch64-static', triplet: 'aarch64-linux-gnu', debArch: 'arm64' },
};
/** What a prebuild may need from the machine it runs on: glibc, libstdc++ and its libgcc_s. */
const ALLOWED_NEEDED = /^(libc|libm|libdl|librt|libpthread|libstdc\+\+|libgcc_s|ld-linux[\w.-]*)\.so(\.\d+)*$/;

const { values } = parseArgs({
  options: {
    arch: { type: 'string', default: hostArch() === 'x64' ? 'x64,arm64' : hostArch() },
    'check-only': { type: 'boolean', default: false },
    dir: { type: 'string', default: root },
  },
});

class Failure extends Error {}

const run = (cmd, args, opts = {}) => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], ...opts });
const have = (cmd) => {
  try {
    run('sh', ['-c', 'command -v "$1"', 'sh', cmd], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

/** The cross toolchain for `arch` on this host: {} when native, else CC/CXX/AR and strip. */
function toolchain(arch) {
  if (arch === hostArch()) return { env: {}, strip: 'strip' };
  const { triplet, debArch } = TARGETS[arch];
  const tools = { CC: `${triplet}-gcc`, CXX: `${triplet}-g++`, AR: `${triplet}-ar`, LINK: `${triplet}-g++` };
  const missing = Object.values(tools).filter((t) => !have(t));
  const seccomp = missing.length ? '' : run(tools.CC, ['-print-file-name=libseccomp.a']).trim();
  if (missing.length || !existsSync(seccomp)) {
    throw new Failure(`cross-building linux-${arch} needs: dpkg --add-architecture ${debArch} && apt-get update && ` +
      `apt-get install g++-${triplet} libseccomp-dev:${debArch}`);
  }
  return { env: tools, strip: `${triplet}-strip` };
}

function build(arch) {
  const { env, strip } = toolchain(arch);
  const work = mkdtempSync(join(tmpdir(), `tsrun-prebuild-${arch}-`));
  try {
    copyNativeTree(root, work);
    const out = join(root, 'prebuilds', `linux-${arch}`);
    rmSync(out, { recursive: true, force: true });
    const dir = nodedir();
    execFileSync(process.execPath, [
      require.resolve('prebuildify/bin.js'), '--napi', '--strip', '--tag-libc', `--arch=${arch}`,
      `--strip-bin=${strip}`, `--node-gyp=${require.resolve('node-gyp/bin/node-gyp.js')}`,
      `--cwd=${work}`, `--out=${root}`,
    ], {
      stdio: ['ignore', process.stderr, 'inherit'],
      env: { ...process.env, ...env, ...(dir ? { npm_config_nodedir: dir } : {}) },
    });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** e_machine of the ELF at `offset` of `buf`, or undefined when there is none. */
function elfMachine(buf, offset = 0) {
  if (buf.readUInt32BE(offset) !== 0x7f454c46 || buf[offset + 4] !== 2 || buf[offset + 5] !== 1) return undefined;
  return buf.readUInt16LE(offset + 18);
}

/** The ELF executables carried inside `buf` (after its own header): tsrun-init. */
function embeddedElves(buf) {
  const found = [];
  const magic = Buffer.from([0x7f, 0x45, 0x4c, 0x46]);
  for (let i = buf.indexOf(magic, 1); i > 0; i = buf.indexOf(magic, i + 1)) {
    const type = buf.readUInt16LE(i + 16);
    if (elfMachine(buf, i) !== undefined && (type === 2 || type === 3)) found.push({ offset: i, machine: elfMachine(buf, i) });
  }
  return found;
}

/** A Node of `arch` to load the prebuild with, and how to run it. */
function nodeFor(arch) {
  if (arch === hostArch()) return [process.execPath];
  const { qemu } = TARGETS[arch];
  if (!have(qemu)) throw new Failure(`loading the linux-${arch} prebuild needs ${qemu}: apt-get install qemu-user-static`);
  const major = process.versions.node.split('.')[0];
  const prefix = join(root, 'node_modules', '.cache', `tsrun-node-linux-${arch}-${major}`);
  const bin = join(prefix, 'node_modules', `node-linux-${arch}`, 'bin', 'node');
  if (!existsSync(bin)) {
    mkdirSync(prefix, { recursive: true });
    writeFileSync(join(prefix, 'package.json'), '{"private":true}\n');
    // --force: the package is for another CPU than this one.
    run('npm', ['install', '--no-save', '--no-audit', '--no-fund', '--force', '--prefix', prefix, `node-linux-${arch}@${major}`], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
  return [qemu, bin];
}

function check(arch) {
  const dir = join(values.dir, 'prebuilds', `linux-${arch}`);
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.node')) : [];
  if (files.length !== 1) throw new Failure(`${dir}: expected one .node file, found ${files.length ? files.join(', ') : 'none'}`);
  const file = join(dir, files[0]);
  const buf = readFileSync(file);
  const say = (what) => console.error(`prebuild linux-${arch}: ${what}`);

  const { machine } = TARGETS[arch];
  if (elfMachine(buf) !== machine) throw new Failure(`${file}: not an ELF for ${arch} (e_machine ${elfMachine(buf)}, want ${machine})`);
  const inits = embeddedElves(buf);
  if (inits.length !== 1 || inits[0].machine !== machine) {
    throw new Failure(`${file}: expected one ${arch} tsrun-init inside, found machines [${inits.map((e) => e.machine)}]`);
  }
  say(`ELF ${arch}, with tsrun-init (${arch}) inside`);

  const dynamic = run('readelf', ['-d', '-W', file]);
  const needed = [...dynamic.matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1]);
  const extra = needed.filter((n) => !ALLOWED_NEEDED.test(n));
  if (extra.length) throw new Failure(`${file} needs ${extra.join(', ')}: a prebuild may need glibc and libstdc++ only`);
  const versions = run('readelf', ['-V', '-W', file]);
  const newest = (prefix) => [...versions.matchAll(new RegExp(`Name: ${prefix}_([\\d.]+)`, 'g'))].map((m) => m[1])
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true })).pop();
  say(`needs ${needed.join(', ')} (symbol versions up to GLIBC_${newest('GLIBC')}, GLIBCXX_${newest('GLIBCXX')})`);

  const [cmd, ...pre] = nodeFor(arch);
  const probe = 'const a = require(process.argv[1]); const v = a.seccompVersion;' +
    'console.log(`${process.arch} node ${process.version}: libseccomp ${v.major}.${v.minor}.${v.micro}, ${Object.keys(a.constants).length} constants`)';
  say(`loads: ${run(cmd, [...pre, '-e', probe, file]).trim()}`);
}

try {
  const arches = values.arch.split(',').filter(Boolean);
  for (const arch of arches) {
    if (!TARGETS[arch]) throw new Failure(`--arch ${arch}: one of ${Object.keys(TARGETS).join(', ')}`);
    if (!values['check-only']) build(arch);
    check(arch);
  }
} catch (e) {
  if (!(e instanceof Failure)) throw e;
  console.error(`prebuild: ${e.message}`);
  process.exit(1);
}
