'use strict';
// The preload that lets `memprof check` see the heap of every Node.js process it runs.
const test = require('node:test');
const assert = require('node:assert');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { memprof, scratch } = require('./helpers');

const REPORTER = path.join(__dirname, '..', '..', 'dist', 'check', 'heap-reporter.js');
const MiB = 1048576;

function runWithReporter(code, reportFile) {
  return spawnSync(process.execPath, ['--require', REPORTER, '-e', code], {
    env: { ...process.env, MEMPROF_CHECK_REPORT: reportFile },
    encoding: 'utf8',
  });
}

test('a process reports its heap peak and RSS peak however it exits', () => {
  const dir = scratch();
  const endings = ['', 'process.exit(3)', 'throw new Error("bye")', 'process.exitCode = 4'];
  for (const ending of endings) {
    const file = path.join(dir, `${endings.indexOf(ending)}.jsonl`);
    // The array becomes garbage before exit: only the peak remembers it.
    runWithReporter(`(() => { new Array(4e6).fill(1.5); })(); global.gc?.(); ${ending}`, file);
    const [report] = fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.ok(report.peakHeap > 30 * MiB, `${ending}: heap ${report.peakHeap}`);
    assert.ok(report.maxRss > report.peakHeap, `${ending}: rss ${report.maxRss}`);
  }
});

test('the preload never disturbs the program: an unwritable report file is ignored', () => {
  const r = runWithReporter('console.log("still here"); process.exitCode = 5', '/nonexistent-dir/report.jsonl');
  assert.strictEqual(r.status, 5);
  assert.strictEqual(r.stdout, 'still here\n');
  assert.strictEqual(r.stderr, '');
});

test('memprof check sees the heap of a grandchild Node.js process (NODE_OPTIONS is inherited)', () => {
  const child = [process.execPath, '-e', 'globalThis.kept = new Array(4e6).fill(1.5)'];
  const parent = [process.execPath, '-e', `const c = ${JSON.stringify(child)}; require('child_process').spawnSync(c[0], c.slice(1))`];
  const r = memprof(['check', '--format', 'json', '--max-peak', '16MiB', '--metric', 'heap', '--', ...parent], {
    cwd: scratch(),
    env: { NODE_OPTIONS: '--max-old-space-size=512' },
  });
  assert.strictEqual(r.status, 1, r.stderr);
  const [budget] = JSON.parse(r.stdout).budgets;
  assert.strictEqual(budget.nodeProcesses, 2);
  assert.ok(budget.peakHeap > 30 * MiB, `heap ${budget.peakHeap}`);
});
