'use strict';
// npm install hook: use a shipped prebuild when it loads, otherwise compile with node-gyp.
// A failed compile is a warning, not a failed install: memprof then falls back to the
// pure-JavaScript `process` backend and says so when loaded.
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const fs = require('node:fs');

const root = path.join(__dirname, '..');
const prebuildDir = path.join(root, 'prebuilds', `${process.platform}-${process.arch}`);

function prebuildLoads() {
  if (!fs.existsSync(prebuildDir)) return false;
  for (const name of fs.readdirSync(prebuildDir)) {
    if (!name.endsWith('.node')) continue;
    try {
      require(path.join(prebuildDir, name));
      return true;
    } catch {
      // try the next file, then build from source
    }
  }
  return false;
}

if (prebuildLoads()) process.exit(0);

const nodeGyp = require.resolve('node-gyp/bin/node-gyp.js');
const result = spawnSync(process.execPath, [nodeGyp, 'rebuild'], { cwd: root, stdio: 'inherit' });
if (result.status !== 0) {
  process.stderr.write(
    'memprof: building the native addon failed; memprof will use the slower "process" backend.\n' +
      'memprof: install python3, make and a C++ compiler, then run `npm rebuild memprof`.\n',
  );
  if (process.env.MEMPROF_REQUIRE_NATIVE === '1') process.exit(1);
}
