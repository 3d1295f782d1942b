'use strict';
// The Windows build compiles (syntax only) with mingw-w64 against Node's and node-addon-api's headers.
const test = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const hasMingw = ['x86_64-w64-mingw32-g++-posix', 'x86_64-w64-mingw32-g++'].some(
  (compiler) => spawnSync('sh', ['-c', `command -v ${compiler}`]).status === 0,
);

test('scripts/check-windows.sh: rss_win.cc, sampler.cc and addon.cc compile for Windows', { skip: (process.platform === 'win32' || !hasMingw) && 'needs x86_64-w64-mingw32-g++ (apt install g++-mingw-w64-x86-64)', timeout: 120000 }, () => {
  const result = spawnSync('bash', [path.join(__dirname, '..', '..', 'scripts', 'check-windows.sh')], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stdout + result.stderr);
  for (const file of ['rss_win.cc', 'sampler.cc', 'addon.cc']) assert.match(result.stdout, new RegExp(`native/${file} ok`));
});
