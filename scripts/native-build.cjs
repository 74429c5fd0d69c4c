// What binding.gyp asks of the build, one answer per line of its own:
//   sources addon|init   the .cc files of the addon (native/<platform>) or of
//                        tsrun-init (native/linux/init, and plan.cc it shares)
//   flags KEY            a list of scripts/native-build.json ("addon.cflags")
//   seccomp              libseccomp.a of the target compiler ($CC) when it has
//                        one (linked in: a prebuild then needs no libseccomp),
//                        else -lseccomp
// CMakeLists.txt globs the same directories and reads the same JSON.
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const ccFiles = (dir) => fs.readdirSync(path.join(root, dir)).filter((f) => f.endsWith('.cc')).sort().map((f) => `${dir}/${f}`);

function seccomp() {
  try {
    const file = execFileSync(process.env.CC || 'cc', ['-print-file-name=libseccomp.a'], { encoding: 'utf8' }).trim();
    if (path.isAbsolute(file) && fs.existsSync(file)) return [file];
  } catch {
    // No compiler to ask: the link step will say so.
  }
  return ['-lseccomp'];
}

const [what, arg] = process.argv.slice(2);
const answers = {
  sources: () => (arg === 'init'
    ? ['native/linux/plan.cc', ...ccFiles('native/linux/init')]
    : ccFiles(process.platform === 'win32' ? 'native/windows' : 'native/linux')),
  flags: () => arg.split('.').reduce((o, k) => o[k], require('./native-build.json')),
  seccomp,
};
if (!answers[what]) throw new Error(`usage: native-build.cjs sources addon|init | flags KEY | seccomp (not ${what})`);
console.log(answers[what]().join('\n'));
