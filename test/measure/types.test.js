'use strict';
// The public types: memoryUsage's result follows its options (compiled with tsc).
const test = require('node:test');
const assert = require('node:assert');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const ROOT = path.join(__dirname, '..', '..');

test("memoryUsage's result type follows its options and target", () => {
  const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const fixture = path.join(__dirname, 'fixtures', 'types.ts');
  const r = spawnSync(process.execPath, [tsc, '--noEmit', '--strict', '--skipLibCheck', '--target', 'es2022', '--module', 'commonjs', '--moduleResolution', 'node', '--types', 'node', '--typeRoots', path.join(ROOT, 'node_modules', '@types'), fixture], { encoding: 'utf8' });
  assert.strictEqual(r.status, 0, r.stdout + r.stderr);
});
