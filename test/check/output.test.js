'use strict';
// --format json|markdown, and on GitHub Actions ::error annotations and the step summary.
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');
const { memprof, scratch, writeJson, allocating } = require('./helpers');

function twoBudgets(dir) {
  writeJson(dir, 'memprof.budget.json', {
    budgets: {
      ok: { command: allocating(10), maxPeak: '1GiB' },
      'over, 100%': { command: allocating(200), maxPeak: '100MiB' },
    },
  });
}

test('--format json: stdout is the JSON report alone, figures in bytes', () => {
  const dir = scratch();
  twoBudgets(dir);
  const r = memprof(['check', '--format', 'json'], { cwd: dir });
  assert.strictEqual(r.status, 1);
  const report = JSON.parse(r.stdout);
  assert.strictEqual(report.ok, false);
  assert.strictEqual(report.unit, 'bytes');
  const [ok, over] = report.budgets;
  assert.strictEqual(ok.ok, true);
  assert.strictEqual(ok.maxPeak, 1024 ** 3);
  assert.strictEqual(over.ok, false);
  assert.ok(over.peakRss > 200 * 1048576, `peak RSS ${over.peakRss / 1048576} MiB over the 200 MiB the command holds`);
  assert.strictEqual(over.breaches[0].kind, 'budget');
  assert.strictEqual(over.breaches[0].metric, 'peakRss');
  assert.strictEqual(over.exitCode, 0);
});

test('--format markdown prints a table and the failures', () => {
  const dir = scratch();
  twoBudgets(dir);
  const r = memprof(['check', '--format', 'markdown'], { cwd: dir });
  assert.strictEqual(r.status, 1);
  assert.match(r.stdout, /^### memprof check: 2 budgets, 1 failed$/m);
  assert.match(r.stdout, /^\| budget \| peak RSS \| max RSS \| heap peak \| time \| result \|$/m);
  assert.match(r.stdout, /^\| `ok` \| .* \| ok \|$/m);
  assert.match(r.stdout, /^\| `over, 100%` \| .* \| \*\*FAIL\*\* \|$/m);
  assert.match(r.stdout, /^- \*\*over, 100%\*\*: peak RSS .* over the budget of 100\.0 MiB/m);
});

test('on GitHub Actions: ::error annotations on stderr, Markdown appended to the step summary', () => {
  const dir = scratch();
  twoBudgets(dir);
  const summary = path.join(dir, 'summary.md');
  fs.writeFileSync(summary, '# earlier step\n');
  const env = { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summary };
  const r = memprof(['check'], { cwd: dir, env });
  assert.strictEqual(r.status, 1);
  const annotations = r.stderr.split('\n').filter((l) => l.startsWith('::'));
  assert.deepStrictEqual(annotations.length, 1, r.stderr);
  // Property values escape ":" and ","; messages escape "%".
  assert.match(annotations[0], /^::error title=memprof check%3A over%2C 100%25::peak RSS \d+\.\d MiB is over the budget of 100\.0 MiB by/);
  assert.doesNotMatch(r.stdout, /::error/);
  memprof(['check'], { cwd: dir, env });
  const text = fs.readFileSync(summary, 'utf8');
  assert.ok(text.startsWith('# earlier step\n'), `the summary file keeps the earlier step: ${JSON.stringify(text.slice(0, 40))}`);
  assert.strictEqual(text.match(/### memprof check: 2 budgets, 1 failed/g).length, 2);
  // Off GitHub Actions: neither.
  const local = memprof(['check'], { cwd: dir, env: { GITHUB_STEP_SUMMARY: summary } });
  assert.doesNotMatch(local.stderr, /::error/);
  assert.strictEqual(fs.readFileSync(summary, 'utf8'), text);
});

test('--repeat judges the median of several runs', () => {
  const r = memprof(['check', '--repeat', '3', '--max-peak', '1GiB', '--', ...allocating(50)], { cwd: scratch() });
  assert.strictEqual(r.status, 0, r.stderr);
  assert.strictEqual(r.stderr.match(/memprof: checking .* \(run \d of 3\)/g).length, 3);
});

test('an unwritable GITHUB_STEP_SUMMARY is a note on stderr; the verdict stays the budgets\'', () => {
  const dir = scratch();
  writeJson(dir, 'memprof.budget.json', { budgets: { ok: { command: [process.execPath, '-e', '0'], maxPeak: '1GiB' } } });
  const env = { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: path.join(dir, 'no', 'summary.md') };
  const r = memprof(['check'], { cwd: dir, env });
  assert.strictEqual(r.status, 0, r.stderr);
  assert.match(r.stdout, /1 budget, all within limits/);
  assert.match(r.stderr, /cannot append the summary to GITHUB_STEP_SUMMARY .*summary\.md: no such directory/);
});
