'use strict';
// npm install hook: an addon that loads (node-gyp-build's choice: build/Release, then the
// prebuild whose platform, arch and libc tags match) is used as is; otherwise it compiles
// with the node-gyp that npm provides to install scripts. A failed compile is a warning,
// not a failed install: memprof then falls back to the pure-JavaScript `process` backend
// and says so when loaded.
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const root = path.join(__dirname, '..');

function addonLoads() {
  try {
    require('node-gyp-build')(root);
    return true;
  } catch {
    return false;
  }
}

/** The command that runs node-gyp: npm's own (npm_config_node_gyp), a local one, or PATH's. */
function nodeGypCommand() {
  const candidates = [process.env.npm_config_node_gyp];
  try {
    candidates.push(require.resolve('node-gyp/bin/node-gyp.js', { paths: [root] }));
  } catch {
    // not installed locally: the one on PATH (npm puts its node-gyp-bin there)
  }
  const script = candidates.find(Boolean);
  if (script) return { command: process.execPath, args: [script, 'rebuild'] };
  return { command: 'node-gyp', args: ['rebuild'], shell: process.platform === 'win32' };
}

if (addonLoads()) process.exit(0);

const { command, args, shell } = nodeGypCommand();
const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', shell });
if (result.status !== 0) {
  const why = result.error ? ` (${command}: ${result.error.code === 'ENOENT' ? 'not found' : result.error.message})` : '';
  process.stderr.write(
    `memprof: building the native addon failed${why}; memprof will use the slower "process" backend.\n` +
      'memprof: install python3, make and a C++ compiler, then run `npm rebuild memprof`.\n',
  );
  if (process.env.MEMPROF_REQUIRE_NATIVE === '1') process.exit(1);
}
