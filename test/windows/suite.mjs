// The Windows backend's tests, run by Windows node.exe (under wine here, with
// the HCS emulator as computecore.dll): test/windows.test.mjs starts it and
// checks the results it writes to the file named by argv[2] (wine cannot give
// a Windows process's stdout to a Linux pipe). Each result: { name, ok, detail }.
import { mkdirSync, mkdtempSync, openSync, readFileSync, closeSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Runtime } from 'tsrun';
import { hcsDocuments } from 'tsrun/windows';
import { cases } from './cases.mjs';

const [resultsFile, emulatorLog] = process.argv.slice(2);
const results = [];
const record = (name, ok, detail = '') => {
  results.push({ name, ok: Boolean(ok), detail: String(detail) });
  writeFileSync(resultsFile, JSON.stringify(results));
};
const check = (name, actual, expected) => record(name, JSON.stringify(actual) === JSON.stringify(expected), `got ${JSON.stringify(actual)}, want ${JSON.stringify(expected)}`);
const log = () => (existsSync(emulatorLog) ? readFileSync(emulatorLog, 'utf8') : '');
const linesOf = (id) => log().split('\n').filter((l) => l.split(' ')[1]?.startsWith(id));

const work = mkdtempSync(join(tmpdir(), 'tsrun-win-'));
const runtime = new Runtime({ root: join(work, 'state') });

function bundle(name, overrides = {}) {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  const { windows, process: proc, ...rest } = overrides;
  writeFileSync(join(dir, 'config.json'), JSON.stringify({
    ociVersion: '1.1.0',
    root: { path: '\\\\?\\Volume{5f1b0a2c-3d4e-4f50-8a6b-7c8d9e0f1a2b}\\' },
    process: { cwd: 'C:\\', args: ['cmd', '/c', 'echo hello'], env: ['GREETING=hi there'], ...proc },
    windows: { layerFolders: ['C:\\layers\\base', `C:\\scratch\\${name}`], ...windows },
    ...rest,
  }));
  return dir;
}

/** Files for a process's stdio: stdin holds `input`; returns fds and a reader of what came out. */
function stdioFiles(name, input = '') {
  const paths = ['in', 'out', 'err'].map((s) => join(work, `${name}.${s}`));
  writeFileSync(paths[0], input);
  const fds = [openSync(paths[0], 'r'), openSync(paths[1], 'w'), openSync(paths[2], 'w')];
  return { fds, read: (i) => readFileSync(paths[i], 'utf8'), close: () => fds.forEach((fd) => closeSync(fd)) };
}

const until = async (what, test, ms = 15000) => {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 50))) if (await test()) return true;
  throw new Error(`timed out waiting for ${what}`);
};

// A long-running init: echoes its stdin and environment, then waits to be killed.
const LONG_INIT = ['cmd', '/v:on', '/c', 'set /p LINE=& echo got !LINE!& echo env=%GREETING%& echo to-stderr 1>&2& ping -n 60 127.0.0.1 >NUL'];

async function lifecycle(isolation, windows) {
  const id = `${isolation}-${process.pid}`;
  const io = stdioFiles(id, 'x marks the spot\r\n');
  const c = await runtime.create(id, bundle(id, { windows, process: { args: LONG_INIT } }), { stdio: io.fds });
  check(`${isolation}: created`, (await c.state()).status, 'created');
  await c.start();
  check(`${isolation}: running after start`, (await c.state()).status, 'running');
  record(`${isolation}: init has a pid`, c.pid > 0, c.pid);
  check(`${isolation}: the state records the init's pid`, (await (await runtime.load(id)).state()).pid, c.pid);
  // stdout and stderr are separate pipes: both are waited for.
  await until('init output', () => io.read(1).includes('env=') && io.read(1).endsWith('\r\n') && io.read(2).includes('to-stderr'));
  check(`${isolation}: init stdin reaches stdout`, io.read(1).split('\r\n').slice(0, 2), ['got x marks the spot', 'env=hi there']);
  check(`${isolation}: stderr apart`, io.read(2).trim(), 'to-stderr');
  record(`${isolation}: ps lists the init`, (await c.processes()).includes(c.pid), await c.processes());

  await c.pause();
  check(`${isolation}: paused`, (await c.state()).status, 'paused');
  await c.resume();
  check(`${isolation}: resumed`, (await c.state()).status, 'running');
  await c.update({ memory: { limit: 256 * 1024 * 1024 }, cpu: { maximum: 5000 } });
  record(`${isolation}: update modifies memory and processor`, log().includes(`modified ${id} {"ResourcePath":"Container/Memory/SizeInMB","RequestType":"Update","Settings":256}`)
    && log().includes(`modified ${id} {"ResourcePath":"Container/Processor","RequestType":"Update","Settings":{"Maximum":5000}}`), log());
  check(`${isolation}: the state keeps the merged windows.resources`, (await runtime.load(id)).spec.windows.resources?.memory, { limit: 256 * 1024 * 1024 });
  const stats = await c.stats();
  record(`${isolation}: stats from HCS Statistics`, typeof stats.windows?.Uptime100ns === 'number', JSON.stringify(stats));

  const eio = stdioFiles(`${id}-exec`);
  const p = await c.exec({ cwd: 'C:\\', args: ['cmd', '/c', 'echo exec says hi& exit 3'] }, { stdio: eio.fds });
  check(`${isolation}: exec exit status`, await p.wait(), { status: 3, code: 3, signal: null });
  await until('exec output', () => eio.read(1).endsWith('\r\n'));
  check(`${isolation}: exec stdout`, eio.read(1), 'exec says hi\r\n');
  eio.close();

  const exited = new Promise((resolve) => c.once('exit', resolve));
  await c.kill('SIGKILL');
  const status = await c.wait();
  check(`${isolation}: killed init's status (HcsTerminateProcess)`, status, { status: 1, code: 1, signal: null });
  check(`${isolation}: exit event`, await exited, status);
  check(`${isolation}: stopped`, (await c.state()).status, 'stopped');
  let refused = '';
  await c.kill('SIGKILL').catch((e) => { refused = e.message; });
  check(`${isolation}: kill of a stopped container refused`, refused, 'container not running');
  await c.delete();
  io.close();
  let gone = false;
  try {
    await runtime.load(id);
  } catch (e) {
    gone = e.name === 'ContainerNotFoundError';
  }
  record(`${isolation}: deleted (no state left)`, gone && !existsSync(join(work, 'state', id)));
  return id;
}

async function main() {
  const argon = await lifecycle('process', {});
  const argonLog = linesOf(argon).map((l) => l.split(' ')[0]);
  check('process: HCS calls in order', argonLog.filter((w) => ['create', 'start', 'process', 'pause', 'resume', 'terminate-process', 'shutdown', 'stopped', 'closed'].includes(w)),
    ['create', 'start', 'process', 'pause', 'resume', 'process', 'terminate-process', 'shutdown', 'stopped', 'closed']);

  const xenon = await lifecycle('hyperv', { hyperv: { utilityVMPath: 'C:\\uvm\\UtilityVM' } });
  const sequence = log().split('\n').filter((l) => /^(create|start|shutdown|closed) /.test(l) && l.split(' ')[1].startsWith(xenon));
  check('hyperv: utility VM first, container hosted in it, ended in reverse', sequence, [
    `create ${xenon}@vm VirtualMachine`, `start ${xenon}@vm`, `create ${xenon} Container hosted-by ${xenon}@vm`, `start ${xenon}`,
    `shutdown ${xenon}`, `closed ${xenon}`, `shutdown ${xenon}@vm`, `closed ${xenon}@vm`,
  ]);

  // A signal (SIGTERM → CtrlShutdown) and an init that exits by itself.
  const sid = `signal-${process.pid}`;
  const c = await runtime.create(sid, bundle(sid, { process: { args: ['cmd', '/c', 'ping -n 60 127.0.0.1 >NUL'] } }));
  await c.start();
  await c.kill('SIGTERM');
  check('SIGTERM is CtrlShutdown (emulator: STATUS_CONTROL_C_EXIT)', await c.wait(), { status: 0xc000013a, code: 0xc000013a, signal: null });
  record('SIGTERM sent as CtrlShutdown', log().includes(`signalled ${sid} ${c.pid} CtrlShutdown`));
  await c.delete();

  const eid = `exit-${process.pid}`;
  const e = await runtime.create(eid, bundle(eid, { process: { args: ['cmd', '/c', 'exit 42'] } }));
  await e.start();
  check('init exit code', await e.wait(), { status: 42, code: 42, signal: null });
  await e.delete();

  // Refusals leave nothing behind.
  const rid = `refused-${process.pid}`;
  let message = '';
  try {
    await runtime.create(rid, bundle(rid, { windows: { resources: { cpu: { count: 1, maximum: 100 } } } }));
  } catch (err) {
    message = err.message;
  }
  check('cpu count with maximum refused, naming the fields', message,
    'config.json: windows.resources.cpu.maximum: cannot be set together with windows.resources.cpu.count: HCS takes count, maximum and shares as mutually exclusive');
  record('refused create leaves no state', !existsSync(join(work, 'state', rid)));

  // Windows's own spec rules (the backend's validate): paths with a drive letter, commandLine instead of args.
  const refusal = async (name, overrides) => runtime.create(name, bundle(name, overrides)).then(() => 'created', (err) => err.message);
  check('a Linux cwd is refused, naming the field', await refusal(`cwd-${process.pid}`, { process: { cwd: '/' } }),
    'config.json: process.cwd: must be an absolute path (got "/")');
  check('root is required for process isolation', await refusal(`noroot-${process.pid}`, { root: undefined }),
    'config.json: root: is required for process isolation');
  const cid = `cmdline-${process.pid}`;
  const cl = await runtime.create(cid, bundle(cid, { process: { args: undefined, commandLine: 'cmd /c exit 7' } }));
  await cl.start();
  check('process.commandLine alone runs', await cl.wait(), { status: 7, code: 7, signal: null });
  await cl.delete();

  // What HCS says about a document it refuses, through the error record.
  const { native } = await import('../../dist/windows/native.js');
  const { hcsError } = await import('../../dist/windows/hresult.js');
  try {
    await native().createSystem(`bad-${process.pid}`, JSON.stringify({ Owner: 'x', SchemaVersion: { Major: 2, Minor: 1 }, Container: { Storage: { Path: 1 } } }));
    record('HCS refusal names operation, HRESULT and message', false, 'accepted');
  } catch (err) {
    check('HCS refusal names operation, HRESULT and message', hcsError(err).message,
      'HcsCreateComputeSystem failed: HCS_E_INVALID_JSON (0x8037010D): The JSON document is invalid: Container.Storage.Path must be of type string');
  }

  // Every golden document passes the emulator's schema check.
  const n = native();
  for (const golden of cases.filter((g) => !g.error)) {
    const docs = hcsDocuments(golden.config, { id: `golden-${golden.name}`, bundle: work });
    const open = [];
    try {
      for (const s of docs.systems) {
        const h = await n.createSystem(s.id, JSON.stringify(s.document));
        open.push(h);
        await n.operation(h, 'start');
      }
      await n.createProcess(open[open.length - 1], JSON.stringify({ ...docs.process, CommandLine: 'cmd /c exit 0', WorkingDirectory: 'C:\\' })).then((p) => n.close(p.process));
      record(`golden ${golden.name} passes the emulator's schema`, true);
    } catch (err) {
      record(`golden ${golden.name} passes the emulator's schema`, false, hcsError(err).message);
    }
    for (const h of open.reverse()) n.close(h);
  }
  rmSync(work, { recursive: true, force: true });
}

main().then(
  () => record('suite finished', true),
  (e) => record('suite finished', false, e.stack),
).finally(() => process.exit(0));
