'use strict';
// memprof.budget.json: every budget runs and lands in one table; a malformed file names
// the file and the field and exits 2.
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');
const { memprof, scratch, writeJson, allocating, heapAllocating } = require('./helpers');

test('every budget of memprof.budget.json runs; over-budget ones fail, in one table', () => {
  const dir = scratch();
  writeJson(dir, 'memprof.budget.json', {
    defaults: { maxPeak: '250MiB' },
    budgets: {
      small: { command: allocating(20) },
      large: { command: allocating(300) },
      heap: { command: heapAllocating(4), maxHeap: '16MiB' },
      shell: { command: `${JSON.stringify(process.execPath)} -e "Buffer.alloc(30 << 20, 1)" && echo shell-ran` },
    },
  });
  for (let i = 0; i < 2; i++) {
    const r = memprof(['check'], { cwd: dir });
    assert.strictEqual(r.status, 1, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.match(lines[0], /^budget\s+peak RSS\s+max RSS\s+heap peak\s+max heap\s+time\s+result$/);
    assert.match(lines[1], /^small\s.*\sok$/);
    assert.match(lines[2], /^large\s.*\sFAIL$/);
    assert.match(lines[3], /^heap\s.*\sFAIL$/);
    assert.match(lines[4], /^shell\s.*\sok$/);
    assert.match(r.stdout, /FAIL large: peak RSS \d+\.\d MiB is over the budget of 250\.0 MiB/);
    assert.match(r.stdout, /FAIL heap: heap peak \d+\.\d MiB is over the budget of 16\.0 MiB/);
    assert.match(lines.at(-1), /^memprof check: 4 budgets, 2 failed$/);
    assert.match(r.stderr, /shell-ran/); // a string command runs through the shell
  }
});

test('--config names the file; cwd and env apply; --budget picks budgets', () => {
  const dir = scratch();
  fs.mkdirSync(path.join(dir, 'sub'));
  fs.writeFileSync(path.join(dir, 'sub', 'alloc.js'), 'Buffer.alloc(Number(process.env.MIB) * 1048576, 1);\n');
  const config = writeJson(dir, 'budgets.json', {
    defaults: { cwd: 'sub', env: { MIB: '200' }, timeout: 60 },
    budgets: {
      a: { command: [process.execPath, 'alloc.js'], maxPeak: '150MiB' },
      b: { command: [process.execPath, 'alloc.js'], maxPeak: '150MiB', env: { MIB: '10' } },
      slow: { command: [process.execPath, '-e', 'setTimeout(() => {}, 20000)'], maxPeak: '1GiB', timeout: 0.5 },
    },
  });
  const all = memprof(['check', '--config', config], { cwd: scratch() });
  assert.strictEqual(all.status, 1, all.stderr);
  assert.match(all.stdout, /FAIL a:/);
  assert.doesNotMatch(all.stdout, /FAIL b:/);
  assert.match(all.stdout, /FAIL slow: the command ran past its timeout/);
  const onlyB = memprof(['check', '--config', config, '--budget', 'b'], { cwd: dir });
  assert.strictEqual(onlyB.status, 0, onlyB.stdout);
  assert.doesNotMatch(onlyB.stdout, /^a\s/m);
  const unknown = memprof(['check', '--config', config, '--budget', 'c'], { cwd: dir });
  assert.strictEqual(unknown.status, 2);
  assert.match(unknown.stderr, /budgets\.json has no budget "c" \(it has a, b, slow\)/);
});

test('a malformed budget file names the file and the field, exit 2', () => {
  const dir = scratch();
  const cases = [
    ['{ "budgets": { "a": ', /budget\.json: not valid JSON: /],
    [[], /budget\.json: \(top level\): expected an object/],
    [{ budget: {} }, /budget\.json: budget: unknown field/],
    [{ defaults: { maxPeak: '1GiB' } }, /budget\.json: budgets: missing/],
    [{ budgets: {} }, /budget\.json: budgets: expected an object with at least one named budget/],
    [{ budgets: { a: { maxPeak: '1GiB' } } }, /budget\.json: budgets\.a\.command: missing/],
    [{ budgets: { a: { command: 'true', maxPeek: '1GiB' } } }, /budget\.json: budgets\.a\.maxPeek: unknown field: a budget has command, maxPeak, maxHeap, maxExternal, tolerance, timeout, cwd, env/],
    [{ budgets: { a: { command: 'true', maxPeak: '200 MBs' } } }, /budget\.json: budgets\.a\.maxPeak: invalid size "200 MBs"/],
    [{ defaults: { maxHeap: true }, budgets: { a: { command: 'true' } } }, /budget\.json: defaults\.maxHeap: expected a size/],
    [{ budgets: { a: { command: ['node', 3], maxPeak: 1 } } }, /budget\.json: budgets\.a\.command\[1\]: expected a string/],
    [{ budgets: { a: { command: [], maxPeak: 1 } } }, /budget\.json: budgets\.a\.command: expected a non-empty array/],
    [{ budgets: { a: { command: 'true', maxPeak: 1, tolerance: 5 } } }, /budget\.json: budgets\.a\.tolerance: expected a string such as "5%"/],
    [{ budgets: { a: { command: 'true', maxPeak: 1, env: { X: 1 } } } }, /budget\.json: budgets\.a\.env\.X: expected a string/],
    [{ defaults: { command: 'true' }, budgets: { a: { command: 'true' } } }, /budget\.json: defaults\.command: unknown field.*each budget has its own command/],
    [{ budgets: { a: { command: 'true' } } }, /budget\.json: budgets\.a: no maxPeak, maxHeap or maxExternal here or in defaults/],
    [{ defaults: { timeout: '10s' }, budgets: { a: { command: 'true', maxPeak: 1 } } }, /budget\.json: defaults\.timeout: expected a number of seconds above 0/],
  ];
  for (const [content, message] of cases) {
    writeJson(dir, 'budget.json', content);
    const r = memprof(['check', '--config', 'budget.json'], { cwd: dir });
    assert.strictEqual(r.status, 2, `${JSON.stringify(content)}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, message);
    assert.strictEqual(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
    assert.strictEqual(r.stdout, '');
  }
  const missing = memprof(['check', '--config', 'nope.json'], { cwd: dir });
  assert.strictEqual(missing.status, 2);
  assert.match(missing.stderr, /cannot read budget file nope\.json: no such file/);
});

test('SIGTERM stops the check: the budgets measured so far are reported, no baseline written, exit 143', async () => {
  const { spawn } = require('node:child_process');
  const dir = scratch();
  // The command says it runs (its output goes to check's stderr), so the signal comes while it
  // runs and check passes it on.
  const sleeper = [process.execPath, '-e', "console.log('started'); setTimeout(() => {}, 20000)"];
  writeJson(dir, 'memprof.budget.json', { budgets: { first: { command: sleeper, maxPeak: '1GiB' }, second: { command: sleeper, maxPeak: '1GiB' } } });
  const child = spawn(process.execPath, [path.join(__dirname, '..', '..', 'bin', 'memprof.js'), 'check', '--baseline', 'b.json', '--update-baseline'], { cwd: dir });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  await new Promise((resolve) => child.stderr.on('data', (d) => {
    stderr += d;
    if (/^started$/m.test(stderr)) resolve();
  }));
  child.kill('SIGTERM');
  const code = await new Promise((resolve) => child.on('close', resolve));
  assert.strictEqual(code, 143, stderr);
  assert.match(stdout, /^first\s.*FAIL$/m);
  assert.match(stdout, /FAIL first: the command was killed by SIGTERM \(memprof was interrupted by SIGTERM and passed it on\)/);
  assert.doesNotMatch(stdout, /^second/m);
  assert.match(stderr, /interrupted by SIGTERM: 1 of 2 budgets checked, no baseline written/);
  assert.ok(!fs.existsSync(path.join(dir, 'b.json')), 'no b.json written');
});

test('SIGTERM as soon as check says which command it starts still stops it with its summary, exit 143 (never the default death)', async () => {
  const { spawn } = require('node:child_process');
  const dir = scratch();
  const sleeper = [process.execPath, '-e', 'setTimeout(() => {}, 20000)'];
  writeJson(dir, 'memprof.budget.json', { budgets: { first: { command: sleeper, maxPeak: '1GiB' }, second: { command: sleeper, maxPeak: '1GiB' } } });
  const child = spawn(process.execPath, [path.join(__dirname, '..', '..', 'bin', 'memprof.js'), 'check'], { cwd: dir });
  let stderr = '';
  await new Promise((resolve) => child.stderr.on('data', (d) => {
    stderr += d;
    if (/checking first/.test(stderr)) resolve();
  }));
  child.kill('SIGTERM');
  const [code, signal] = await new Promise((resolve) => child.on('close', (c, s) => resolve([c, s])));
  assert.deepStrictEqual([code, signal], [143, null], stderr);
  assert.match(stderr, /interrupted by SIGTERM: [01] of 2 budgets checked/);
});

test('a budget whose cwd does not exist says so, not "command not found"', () => {
  const dir = scratch();
  writeJson(dir, 'memprof.budget.json', { budgets: { a: { command: [process.execPath, '-e', '0'], cwd: 'nope', maxPeak: '1GiB' } } });
  const r = memprof(['check'], { cwd: dir });
  assert.strictEqual(r.status, 1, r.stderr);
  assert.match(r.stderr, /cannot run \S+ -e 0: no directory \S+nope\n$/);
});

test('maxExternal budgets the external memory (Buffers) of the Node.js processes', () => {
  const dir = scratch();
  writeJson(dir, 'memprof.budget.json', {
    defaults: { maxExternal: '64MiB' },
    budgets: { buffers: { command: allocating(100) }, heap: { command: heapAllocating(2) } },
  });
  const r = memprof(['check'], { cwd: dir });
  assert.strictEqual(r.status, 1, r.stdout + r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  assert.match(lines[0], /^budget\s+peak RSS\s+heap peak\s+external peak\s+max external\s+time\s+result$/);
  assert.match(lines[1], /^buffers\s.*\s64\.0 MiB\s.*FAIL$/);
  assert.match(lines[2], /^heap\s.*\sok$/);
  assert.match(r.stdout, /FAIL buffers: external peak \d+\.\d MiB is over the budget of 64\.0 MiB/);
  writeJson(dir, 'bad.json', { budgets: { a: { command: 'true', maxExternal: 'lots' } } });
  const usage = memprof(['check', '--config', 'bad.json'], { cwd: dir });
  assert.strictEqual(usage.status, 2);
  assert.match(usage.stderr, /bad\.json: budgets\.a\.maxExternal: invalid size "lots"/);
});
