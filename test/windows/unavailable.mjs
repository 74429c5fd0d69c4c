// Run by test/windows.test.mjs in node.exe with no computecore.dll in System32:
// the addon loads, and creating a container says HCS is not available.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Runtime } from 'tsrun';

const dir = mkdtempSync(join(tmpdir(), 'tsrun-nohcs-'));
writeFileSync(join(dir, 'config.json'), JSON.stringify({
  ociVersion: '1.1.0', root: { path: '\\\\?\\Volume{5f1b0a2c-3d4e-4f50-8a6b-7c8d9e0f1a2b}\\' },
  process: { cwd: 'C:\\', args: ['cmd'] }, windows: { layerFolders: ['C:\\l\\base', 'C:\\s\\x'] },
}));
new Runtime({ root: join(dir, 'state') }).create('nohcs', dir).then(
  () => writeFileSync(process.argv[2], 'created'),
  (e) => writeFileSync(process.argv[2], e.message),
).finally(() => rmSync(dir, { recursive: true, force: true }));
