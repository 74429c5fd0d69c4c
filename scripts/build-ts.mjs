// Builds the TypeScript: the config.json validator generated from the schema
// (lib/spec/validate.ts imports it), tsc for the library (ESM + types), and
// one CommonJS bundle of the CLI: a single file loads far faster than
// dozens of ES modules, and start latency is the CLI's headline figure.
import { execFileSync } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: 'inherit' });

run(process.execPath, ['scripts/gen-spec-validator.mjs']);
run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', '.']);

// dist/cli/tsrun.cjs sits as deep as dist/linux/native.js, so the package
// root that native.ts derives from its own URL is the same in the bundle.
await build({
  entryPoints: [`${root}/dist/cli/main.js`],
  outfile: `${root}/dist/cli/tsrun.cjs`,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node18',
  define: { 'import.meta.url': '__tsrunModuleUrl' },
  // Loaded from node_modules, and only by --systemd-cgroup (a require when it connects).
  external: ['@homebridge/dbus-native'],
  banner: { js: "const __tsrunModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
  logLevel: 'warning',
});
// Code caches of the previous bundle would be rejected anyway: drop them.
for (const f of readdirSync(`${root}/dist/cli`)) if (f.endsWith('.cache')) rmSync(`${root}/dist/cli/${f}`);
