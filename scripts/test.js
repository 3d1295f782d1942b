'use strict';
// `npm test`: node's test runner over test/**/*.test.{js,mjs}. Node 20 treats every .js
// file under a folder named `test` as a test when given the folder, fixtures included,
// so the files are listed here. Extra arguments (file filters) pass through.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..', 'test');
const files = fs
  .readdirSync(root, { recursive: true })
  .filter((f) => /\.test\.(c|m)?js$/.test(f) && !f.split(path.sep).includes('fixtures'))
  .map((f) => path.join('test', f))
  .filter((f) => process.argv.length <= 2 || process.argv.slice(2).some((arg) => f.includes(arg)))
  .sort();
const result = spawnSync(process.execPath, ['--test', '--test-reporter=spec', ...files], {
  cwd: path.join(__dirname, '..'),
  stdio: 'inherit',
});
process.exitCode = result.status ?? 1;
