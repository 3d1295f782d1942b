'use strict';
// profile() and limitMemory({ lines: true }) under real test runners: jest (its default node
// environment runs each test file in a vm context) and vitest's four pools (vmThreads and
// vmForks use a vm context per file). Each runner runs once over a small fixture project
// whose test writes what memprof saw to a JSON file; the rows are checked here.
const test = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.join(__dirname, '..', '..');
const FIXTURES = path.join(__dirname, 'fixtures', 'runners');
const MiB = 1024 * 1024;

function installed(request) {
  try {
    return require.resolve(request, { paths: [ROOT] });
  } catch {
    return null;
  }
}
// jest's package exports do not list its bin: found beside its package.json.
const jestPackage = installed('jest/package.json');
const jest = jestPackage && path.join(path.dirname(jestPackage), require(jestPackage).bin.jest ?? 'bin/jest.js');
const vitest = installed('vitest/vitest.mjs');
const notInstalled = (name) => `${name} is not installed (npm ci installs it as a dev dependency)`;

/** Runs a runner's command in a fixture folder; returns the JSON files its test wrote, by label. */
function runIn(folder, args) {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'memprof-runners-'));
  try {
    const r = spawnSync(process.execPath, args, {
      cwd: path.join(FIXTURES, folder),
      encoding: 'utf8',
      timeout: 180000,
      env: { ...process.env, CI: 'true', NO_COLOR: '1', FORCE_COLOR: '0', MEMPROF_DIST: path.join(ROOT, 'dist'), MEMPROF_OUT: out },
    });
    const output = `${r.stdout}\n${r.stderr}`;
    assert.equal(r.status, 0, output);
    assert.doesNotMatch(output, /memprof: cannot profile/, 'memprof profiled every function');
    const results = {};
    for (const file of fs.readdirSync(out)) results[file.replace(/\.json$/, '')] = JSON.parse(fs.readFileSync(path.join(out, file), 'utf8'));
    return results;
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}

/** The rows every runner must produce: lines in the original files, counts of the calls made. */
function check(label, result, local) {
  assert.ok(result, `${label}: the test file wrote its results`);
  assert.equal(result.counted, 120, `${label}: the profiled function still returns what it did`);
  // work(100) and work(20), lines 8-12 of cases.cjs: two calls, 100 + 1 + 20 + 1 loop tests.
  assert.deepEqual(result.work, { file: 'cases.cjs', calls: 2, rows: [[8, 2], [9, 2], [10, 122], [11, 2], [12, 0]] }, `${label}: work's rows`);
  // A function of the test file itself, which the runner transformed: rows on its own lines.
  assert.deepEqual(result.local, local, `${label}: the test file's function, on its original lines`);
  assert.equal(result.limit?.name, 'MemoryLimitError', `${label}: the 24 MiB spike fails a 4 MiB limit`);
  const spike = result.limit.lines.find(([file, line]) => file === 'cases.cjs' && line === 16);
  assert.ok(spike && spike[2] > 20 * MiB, `${label}: the Buffer.alloc line is named with its increment: ${JSON.stringify(result.limit.lines)}`);
}

test('jest (default node environment: a vm context): profile() rows and limitMemory line attribution', { skip: !jest && notInstalled('jest') }, () => {
  const results = runIn('jest', [jest, '--ci']);
  check('jest', results.jest, { file: 'cases.jest.js', calls: 1, rows: [[5, 1], [6, 1], [7, 6], [8, 1], [9, 0]] });
});

test('vitest threads, forks, vmThreads and vmForks: profile() rows and limitMemory line attribution', { skip: !vitest && notInstalled('vitest') }, () => {
  // One vitest process a pool: threads and vmThreads run in vitest's own process, where RSS
  // (and the allocator's free memory) would be shared with the other pools running alongside.
  for (const pool of ['threads', 'forks', 'vmThreads', 'vmForks']) {
    const results = runIn('vitest', [vitest, 'run', '--project', pool]);
    check(`vitest ${pool}`, results[`vitest-${pool}`], { file: 'cases.vitest.mjs', calls: 1, rows: [[8, 1], [9, 1], [10, 6], [11, 1], [12, 0]] });
  }
});
