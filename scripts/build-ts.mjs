// Builds the TypeScript: the config.json validator generated from the schema
// first (it is imported by lib/spec/validate.ts), then tsc.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: 'inherit' });

run(process.execPath, ['scripts/gen-spec-validator.mjs']);
run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', '.']);
