'use strict';
// A sample of the corpus check (`npm run corpus` checks every file): every function of real
// files from node_modules instrumented at once, and V8 still compiles each file.
const test = require('node:test');
const assert = require('node:assert');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

test('every function of a sample of node_modules instrumented: each file still compiles, with its line count', () => {
  const r = spawnSync(process.execPath, ['--experimental-vm-modules', path.join(__dirname, '..', '..', 'scripts', 'corpus.js'), '--sample', '60'], {
    encoding: 'utf8',
  });
  assert.strictEqual(r.status, 0, `corpus check: ${r.stdout}${r.stderr}`);
  const m = /^corpus: (\d+) files compiled with (\d+) functions instrumented .* (\d+) broken/m.exec(r.stdout);
  assert.ok(m, `a summary line: ${r.stdout}`);
  assert.ok(Number(m[1]) >= 40, `${m[1]} files checked`);
  assert.ok(Number(m[2]) >= 1000, `${m[2]} functions instrumented`);
  assert.strictEqual(m[3], '0', r.stdout);
});
