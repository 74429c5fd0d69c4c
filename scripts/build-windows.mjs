// Cross-builds the Windows addon on Linux with mingw-w64 (Debian's
// g++-mingw-w64-x86-64-posix: the win32-thread g++ lacks std::mutex, which
// node-addon-api needs), and with --emulator the HCS emulator DLL the tests
// load in wine. Statically linked, so the addon imports only node.exe and
// Windows system DLLs, which is checked after the link.
//   node scripts/build-windows.mjs [--emulator] [--force]
// Exit status 3: no mingw compiler here (callers skip with that reason).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = `${root}build/windows`;
const CXX = 'x86_64-w64-mingw32-g++-posix';
const DLLTOOL = 'x86_64-w64-mingw32-dlltool';
const OBJDUMP = 'x86_64-w64-mingw32-objdump';
const require = createRequire(import.meta.url);

/** DLLs a module may import: Windows' own, and node.exe for N-API. HCS DLLs are loaded at run time. */
const SYSTEM_DLL = /^(node\.exe|kernel32|user32|advapi32|msvcrt|ucrtbase|ntdll|ws2_32|ole32|shell32|bcrypt|api-ms-win-[\w-]+)(\.dll)?$/i;

function have(tool) {
  try {
    execFileSync(tool, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const newest = (files) => Math.max(...files.map((f) => statSync(f).mtimeMs));

function upToDate(target, sources) {
  return !process.argv.includes('--force') && existsSync(target) && statSync(target).mtimeMs >= newest(sources);
}

/** The DLLs `file` imports (objdump -p's "DLL Name" lines). */
export function imports(file) {
  const text = execFileSync(OBJDUMP, ['-p', file], { encoding: 'utf8' });
  return [...text.matchAll(/DLL Name: (\S+)/g)].map((m) => m[1]);
}

function checkImports(file, extra = []) {
  const bad = imports(file).filter((dll) => !SYSTEM_DLL.test(dll) && !extra.includes(dll.toLowerCase()));
  if (bad.length) throw new Error(`${file} imports ${bad.join(', ')}: only node.exe and Windows system DLLs are allowed`);
}

const cxxFlags = ['-O2', '-std=c++17', '-Wall', '-Wextra', '-DUNICODE', '-D_UNICODE', '-D_WIN32_WINNT=0x0A00', '-DWIN32_LEAN_AND_MEAN'];

function buildAddon() {
  const dir = `${root}native/windows`;
  const sources = readdirSync(dir).filter((f) => f.endsWith('.cc')).map((f) => `${dir}/${f}`);
  const target = `${out}/tsrun.node`;
  if (upToDate(target, [...sources, ...readdirSync(dir).map((f) => `${dir}/${f}`)])) return target;
  const def = `${root}node_modules/node-api-headers/def/node_api.def`;
  execFileSync(DLLTOOL, ['-d', def, '-l', `${out}/libnode.a`]);
  const napiInclude = `${root}node_modules/node-api-headers/include`;
  const addonApi = require('node-addon-api').include_dir;
  execFileSync(CXX, [
    ...cxxFlags, '-DNAPI_VERSION=8', '-DNODE_ADDON_API_DISABLE_DEPRECATED', `-I${napiInclude}`, `-I${root}${addonApi}`,
    '-shared', '-static', '-s', '-o', target, ...sources, `-L${out}`, '-lnode',
  ], { stdio: 'inherit' });
  checkImports(target);
  return target;
}

/** The HCS emulator the tests load in wine (test/windows/emulator): computecore.dll and vmcompute.dll. */
function buildEmulator() {
  const dir = `${root}test/windows/emulator`;
  const all = readdirSync(dir).map((f) => `${dir}/${f}`);
  mkdirSync(`${out}/emulator`, { recursive: true });
  const dlls = {
    'computecore.dll': [...all.filter((f) => f.endsWith('.cc') && !f.endsWith('/vmcompute.cc')), `${dir}/computecore.def`],
    'vmcompute.dll': [`${dir}/vmcompute.cc`, `${dir}/vmcompute.def`],
  };
  for (const [name, sources] of Object.entries(dlls)) {
    const target = `${out}/emulator/${name}`;
    if (upToDate(target, all)) continue;
    execFileSync(CXX, [...cxxFlags, '-shared', '-static', '-s', '-o', target, ...sources], { stdio: 'inherit' });
    checkImports(target);
  }
  return `${out}/emulator`;
}

if (!have(CXX) || !have(DLLTOOL) || !have(OBJDUMP)) {
  console.error(`build-windows: ${CXX}, ${DLLTOOL} and ${OBJDUMP} are needed (apt-get install g++-mingw-w64-x86-64-posix)`);
  process.exit(3);
}
mkdirSync(out, { recursive: true });
console.log(buildAddon());
if (process.argv.includes('--emulator')) console.log(buildEmulator());
