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
// A file that hangs (a test awaiting what never comes, or a child process left running that
// keeps the file open) fails by name after this long instead of holding the suite forever.
// Each test inherits it too. The slowest file took 3 minutes in a test:stress run (load 14).
const FILE_TIMEOUT_MS = 10 * 60 * 1000;
const result = spawnSync(process.execPath, ['--test', '--test-reporter=spec', `--test-timeout=${FILE_TIMEOUT_MS}`, ...files], {
  cwd: path.join(__dirname, '..'),
  stdio: 'inherit',
});
process.exitCode = result.status ?? 1;
