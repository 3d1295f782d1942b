'use strict';
// memprof check --max-peak <size> -- <command>: exit 0 within budget, 1 over it, 2 on usage errors.
const MiB = 1024 * 1024;
const test = require('node:test');
const fs = require('node:fs');
const path = require('node:path');
const assert = require('node:assert');
const { memprof, scratch, allocating, heapAllocating } = require('./helpers');

test('a command over its peak budget fails (1), one under it passes (0), every time', () => {
  const dir = scratch();
  for (let i = 0; i < 3; i++) {
    const over = memprof(['check', '--max-peak', '150MiB', '--', ...allocating(200)], { cwd: dir });
    assert.strictEqual(over.status, 1, over.stderr);
    assert.match(over.stdout, /FAIL .*: peak RSS \d+\.\d MiB is over the budget of 150\.0 MiB by \d+\.\d MiB/);
    assert.match(over.stdout, /memprof check: 1 budget, 1 failed/);
    const under = memprof(['check', '--max-peak', '1GiB', '--', ...allocating(200)], { cwd: dir });
    assert.strictEqual(under.status, 0, under.stderr);
    assert.match(under.stdout, /1 budget, all within limits/);
    const row = under.stdout.split('\n')[1];
    const peak = Number(/(\d+\.\d) MiB/.exec(row)[1]);
    assert.ok(peak > 200 && peak < 400, `peak ${peak} MiB`);
  }
});

test('--metric heap limits the largest Node.js heap peak', () => {
  const dir = scratch();
  const over = memprof(['check', '--max-peak', '16MiB', '--metric', 'heap', '--', ...heapAllocating(4)], { cwd: dir });
  assert.strictEqual(over.status, 1, over.stderr);
  assert.match(over.stdout, /heap peak \d+\.\d MiB is over the budget of 16\.0 MiB/);
  // Native memory (a Buffer) is not on the heap.
  const under = memprof(['check', '--max-peak', '16MiB', '--metric', 'heap', '--', ...allocating(100)], { cwd: dir });
  assert.strictEqual(under.status, 0, under.stdout + under.stderr);
});

test('a heap budget on a command with no Node.js process fails and says why', () => {
  const r = memprof(['check', '--max-peak', '16MiB', '--metric', 'heap', '--', 'sh', '-c', 'true'], { cwd: scratch() });
  assert.strictEqual(r.status, 1);
  assert.match(r.stdout, /no heap peak: no Node\.js process of the command reported one/);
});

test('descendants count: a parent that runs an allocating child', () => {
  const child = JSON.stringify(allocating(150));
  const parent = [process.execPath, '-e', `const c = ${child}; require('child_process').spawnSync(c[0], c.slice(1))`];
  const r = memprof(['check', '--max-peak', '120MiB', '--', ...parent], { cwd: scratch() });
  assert.strictEqual(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /peak RSS \d+\.\d MiB is over the budget of 120\.0 MiB/);
});

test('a failing command fails the check even within budget; its output goes to stderr', () => {
  const r = memprof(['check', '--max-peak', '1GiB', '--', process.execPath, '-e', 'console.log("from" + " the command"); process.exit(3)'], {
    cwd: scratch(),
  });
  assert.strictEqual(r.status, 1);
  assert.match(r.stdout, /: the command exited with code 3/);
  assert.doesNotMatch(r.stdout, /from the command/);
  assert.match(r.stderr, /from the command/);
});

test('usage errors exit 2 (a missing program 1) with one line and no stack', () => {
  const dir = scratch();
  const cases = [
    [['check', '--max-peak', '10XB', '--', 'true'], /invalid size "10XB"/],
    [['check'], /nothing to check: give a command .* or write memprof\.budget\.json/],
    [['check', '--', 'true'], /give a limit with --max-peak <size>/],
    [['check', '--max-peak', '1GiB', '--', 'memprof-no-such-command'], /cannot run memprof-no-such-command: command not found\n/, 1],
    // A script here named without its interpreter (mprof users write `mprof run job.py`).
    [['check', '--max-peak', '1GiB', '--', 'job.py'], /cannot run job\.py: command not found \(job\.py is a file here: run it as python3 job\.py, or \.\/job\.py if it is executable\)/, 1],
    [['check', '--max-peak', '1GiB', '--update-baseline', '--', 'true'], /--update-baseline needs --baseline <file>/],
    [['check', '--max-peak', '1GiB', '--config', 'x.json', '--', 'true'], /either a command or --config <file>, not both/],
    [['check', '--max-peak', '1GiB', '--metric', 'pss', '--', 'true'], /--metric <metric>' argument 'pss' is invalid\. Allowed choices are rss, heap/],
    [['check', '--max-peak', '1GiB', '--format', 'xml', '--', 'true'], /Allowed choices are text, json, markdown/],
    [['check', '--metric', 'heap', '--', 'true'], /--metric says what --max-peak limits: give --max-peak <size> too/],
    [['check', '--max-peak', '1GiB', '--baseline', 'b.json', '--tolerance', 'lots', '--', 'true'], /invalid tolerance "lots"/],
    [['check', '--max-peak', '1GiB', '--baseline', 'missing.json', '--', 'true'], /baseline missing\.json does not exist: record it with --baseline missing\.json --update-baseline/],
  ];
  fs.writeFileSync(path.join(dir, 'job.py'), 'print(1)\n');
  for (const [args, message, code = 2] of cases) {
    const r = memprof(args, { cwd: dir });
    assert.strictEqual(r.status, code, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('memprof:') && !l.startsWith('memprof: checking'));
    assert.strictEqual(lines.length, 1, r.stderr);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
    assert.strictEqual(r.stdout, '');
  }
});

test('without the addon: Node.js commands are still measured (their own kernel peak), others say why not', () => {
  const env = { MEMPROF_DISABLE_NATIVE: '1' };
  const node = memprof(['check', '--max-peak', '150MiB', '--', ...allocating(200)], { cwd: scratch(), env });
  assert.strictEqual(node.status, 1, node.stderr);
  assert.match(node.stderr, /native addon is disabled \(MEMPROF_DISABLE_NATIVE=1 is set; unset it to use the addon\); only Node\.js processes' own peaks are measured/);
  assert.match(node.stdout, /peak RSS \d+\.\d MiB is over the budget of 150\.0 MiB/);
  const other = memprof(['check', '--max-peak', '150MiB', '--', 'sh', '-c', 'true'], { cwd: scratch(), env });
  assert.strictEqual(other.status, 1);
  assert.match(other.stdout, /no RSS peak: the native addon, which samples the command, is disabled \(MEMPROF_DISABLE_NATIVE=1\)/);
});

test('a command that ends before the sampler\'s first reading gets its peak from the kernel (ru_maxrss at exit)', () => {
  // `true` ends in under a millisecond: usually before any sample. The kernel keeps its peak.
  for (const command of [['true'], ['sh', '-c', 'true']]) {
    const r = memprof(['check', '--max-peak', '100MiB', '--format', 'json', '--', ...command], { cwd: scratch() });
    assert.strictEqual(r.status, 0, r.stdout + r.stderr);
    const [result] = JSON.parse(r.stdout).budgets;
    assert.ok(result.peakRss > 256 * 1024 && result.peakRss < 100 * MiB, `peak RSS of ${command.join(' ')}: ${result.peakRss} bytes`);
  }
  // Over the budget, measured the same way: a short python allocation of 80 MiB.
  if (require('node:child_process').spawnSync('python3', ['-c', '0']).status === 0) {
    const r = memprof(['check', '--max-peak', '40MiB', '--format', 'json', '--', 'python3', '-c', 'x = bytearray(80 << 20)'], { cwd: scratch() });
    assert.strictEqual(r.status, 1, r.stdout + r.stderr);
    assert.ok(JSON.parse(r.stdout).budgets[0].peakRss >= 80 * MiB, r.stdout);
  }
});

test('--timeout stops a command that runs too long and fails its budget', () => {
  const r = memprof(['check', '--timeout', '0.5', '--max-peak', '1GiB', '--', process.execPath, '-e', 'setTimeout(() => {}, 20000)'], {
    cwd: scratch(),
  });
  assert.strictEqual(r.status, 1, r.stderr);
  assert.match(r.stdout, /the command ran past its timeout and was stopped \(SIGTERM\)/);
});

test('--metric external limits the largest Node.js external memory (Buffers), not the heap', () => {
  const dir = scratch();
  const over = memprof(['check', '--max-peak', '32MiB', '--metric', 'external', '--', ...allocating(100)], { cwd: dir });
  assert.strictEqual(over.status, 1, over.stdout + over.stderr);
  assert.match(over.stdout, /external peak (\d+\.\d) MiB is over the budget of 32\.0 MiB/);
  const peak = Number(/external peak (\d+\.\d) MiB/.exec(over.stdout)[1]);
  assert.ok(peak >= 100 && peak < 110, `a 100 MiB Buffer: external peak ${peak} MiB`);
  // JavaScript arrays live on the heap, not in external memory.
  const under = memprof(['check', '--max-peak', '32MiB', '--metric', 'external', '--', ...heapAllocating(8)], { cwd: dir });
  assert.strictEqual(under.status, 0, under.stdout + under.stderr);
  const json = JSON.parse(memprof(['check', '--max-peak', '32MiB', '--metric', 'external', '--format', 'json', '--', ...heapAllocating(1)], { cwd: dir }).stdout);
  assert.strictEqual(json.budgets[0].maxExternal, 32 * 1048576);
  assert.ok(json.budgets[0].peakExternal < 32 * 1048576, `peakExternal in JSON: ${json.budgets[0].peakExternal}`);
});
