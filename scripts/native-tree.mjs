// A copy of what node-gyp needs to build the addon (binding.gyp, native/,
// the flag lists) in `dest`, with this checkout's node_modules linked in: a
// node-gyp build there leaves build/ (cmake-js, development) alone.
import { cpSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';

export const NATIVE_TREE = ['package.json', 'binding.gyp', 'native', 'scripts/native-build.cjs', 'scripts/native-build.json'];

export function copyNativeTree(root, dest) {
  for (const f of NATIVE_TREE) cpSync(join(root, f), join(dest, f), { recursive: true });
  symlinkSync(join(root, 'node_modules'), join(dest, 'node_modules'));
}
