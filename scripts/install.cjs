// The package's install script. When one of the shipped prebuilds
// (prebuilds/<platform>-<arch>, found by node-gyp-build) loads here, nothing
// is compiled. Otherwise the addon is built from the sources in the package
// with node-gyp (binding.gyp); a missing compiler or libseccomp is named in
// one line before anything is tried.
//
// In a development checkout (not under node_modules) it does nothing: there
// `npm run build` builds the addon with cmake-js.
'use strict';
const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const target = `${process.platform}-${process.arch}`;

function prebuildLoads() {
  try {
    const load = require('node-gyp-build');
    load(root);
    console.log(`tsrun: ${path.relative(root, load.resolve(root))} loads: nothing to build`);
    return true;
  } catch (e) {
    console.error(`tsrun: no prebuilt addon for ${target} loads here (${String(e.message).split('\n')[0]}): building it from source`);
    return false;
  }
}

/** What the Linux source build lacks here, as [what, Debian package] pairs. */
function missingForLinuxBuild() {
  const onPath = (cmd) => spawnSync('sh', ['-c', 'command -v "$1"', 'sh', cmd], { stdio: 'ignore' }).status === 0;
  const cxx = process.env.CXX || 'c++';
  const missing = [];
  if (!onPath(cxx)) missing.push([`a C++ compiler (${cxx})`, 'g++']);
  if (!onPath('make')) missing.push(['make', 'make']);
  if (!onPath('python3')) missing.push(['python3', 'python3']);
  if (missing.length === 0) {
    // The header and the library, as the addon's build uses them.
    const probe = spawnSync(cxx, ['-x', 'c++', '-', '-o', '/dev/null', '-lseccomp'], {
      input: '#include <seccomp.h>\nint main() { return seccomp_api_get() < 0; }\n',
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    if (probe.status !== 0) missing.push(['libseccomp (seccomp.h and the library)', 'libseccomp-dev']);
  }
  return missing;
}

/** The prefix of this Node when it has its headers (include/node): node-gyp then downloads none. */
function nodedir() {
  const prefix = path.dirname(path.dirname(process.execPath));
  return fs.existsSync(path.join(prefix, 'include', 'node', 'common.gypi')) ? prefix : undefined;
}

/** node-gyp: npm's own when npm runs this script, else one from node_modules, else from PATH. */
function nodeGyp() {
  if (process.env.npm_config_node_gyp) return [process.execPath, process.env.npm_config_node_gyp];
  try {
    return [process.execPath, require.resolve('node-gyp/bin/node-gyp.js')];
  } catch {
    return ['node-gyp'];
  }
}

function main() {
  if (!root.split(path.sep).includes('node_modules')) return 0;
  if (prebuildLoads()) return 0;
  if (process.platform === 'linux') {
    const missing = missingForLinuxBuild();
    if (missing.length) {
      console.error(`tsrun: building the addon needs ${missing.map(([what]) => what).join(', ')}: ` +
        `install ${missing.map(([, pkg]) => pkg).join(' ')} (apt-get install ${missing.map(([, pkg]) => pkg).join(' ')} on Debian or Ubuntu) and run npm rebuild tsrun`);
      return 1;
    }
  }
  const dir = nodedir();
  const [cmd, ...args] = nodeGyp();
  try {
    execFileSync(cmd, [...args, 'rebuild', '--release', ...(dir ? [`--nodedir=${dir}`] : [])], { cwd: root, stdio: 'inherit' });
  } catch (e) {
    console.error(`tsrun: the source build of the addon failed (${e.message.split('\n')[0]}): see node-gyp's output above`);
    return 1;
  }
  return 0;
}

module.exports = { nodedir };
if (require.main === module) process.exitCode = main();
