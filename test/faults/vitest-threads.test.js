'use strict';
// limitMemory / measureMemory under vitest's threads pool: the kernel's high-water mark is
// one per process, and two test files measuring at once in two worker threads must not reset
// it under each other. Runs a real vitest (a dev dependency).
const test = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.join(__dirname, '..', '..');
const FIXTURE = path.join(__dirname, 'fixtures', 'vitest');
let vitest = null;
try {
  vitest = require.resolve('vitest/vitest.mjs', { paths: [ROOT] });
} catch {
  // Not installed (npm ci --omit=dev): said in the skip reason.
}
const native = (() => {
  try {
    return require(path.join(ROOT, 'dist', 'native.js')).tryAddon() !== null;
  } catch {
    return false;
  }
})();
const SKIP = !vitest
  ? 'vitest is not installed (npm ci installs it as a dev dependency)'
  : process.platform !== 'linux'
    ? 'the kernel high-water mark is Linux only'
    : !native
      ? 'the guard across threads lives in the native addon (npm run build:native)'
      : false;

test('two vitest worker threads measuring at once: the spike in one still fails its limit', { skip: SKIP }, () => {
  const meet = fs.mkdtempSync(path.join(os.tmpdir(), 'memprof-vitest-'));
  const r = spawnSync(process.execPath, [vitest, 'run', '--root', FIXTURE, '--reporter', 'verbose'], {
    cwd: FIXTURE,
    encoding: 'utf8',
    timeout: 120000,
    env: {
      ...process.env,
      CI: 'true',
      NO_COLOR: '1',
      FORCE_COLOR: '0',
      MEMPROF_TESTING: path.join(ROOT, 'dist', 'testing', 'index.js'),
      MEMPROF_MEET_DIR: meet,
      MEMPROF_EXPECT_SOURCE: 'sampler',
    },
  });
  fs.rmSync(meet, { recursive: true, force: true });
  const output = r.stdout + r.stderr;
  assert.equal(r.status, 0, output);
  assert.match(output, /Tests\s+2 passed/, output);
  assert.match(output, /2 passed/);
});
