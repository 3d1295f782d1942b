'use strict';
// The probes' share of a profiled function's stack frame: no frame of their own per call,
// and recursion nearly as deep as plain node's (each register in the frame costs depth): a
// function that calls itself goes without a try block when it can, so an exception's
// leftover frames are closed later, by a probe below them or at exit.
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { memprof, FIXTURES } = require('./helpers');

function plain(mode) {
  const r = spawnSync(process.execPath, ['recursion.js', mode], { cwd: FIXTURES, encoding: 'utf8' });
  assert.strictEqual(r.status, 0, r.stderr);
  return Number(r.stdout.trim());
}

function profiled(name, mode) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memprof-frames-'));
  try {
    const out = path.join(dir, 'report.json');
    const r = memprof(['-f', name, '--format', 'json', '-o', out, 'recursion.js', mode]);
    assert.strictEqual(r.code, 0, r.stderr);
    const [fn] = JSON.parse(fs.readFileSync(out, 'utf8')).functions;
    return { value: Number(r.stdout.trim()), fn };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test('a profiled function adds one stack frame per call, as unprofiled (no frame of the probes)', () => {
  assert.strictEqual(plain('frames'), 20, 'plain node: 20 nested calls, 20 frames');
  const { value, fn } = profiled('frames', 'frames');
  assert.strictEqual(value, 20, `profiled: 20 nested calls of frames() should add 20 frames, measured ${value}`);
  assert.strictEqual(fn.calls, 22, `frames() profiled: 21 calls, then 1, counted ${fn.calls}`);
});

test('a profiled recursion goes at least 86% as deep as plain node (one local, probe calls of one temporary, no try block)', () => {
  const depth = plain('depth');
  const { value, fn } = profiled('rec', 'depth');
  const share = value / depth;
  // 90% measured (12 slots a frame against 11; memprof's own start takes 1.7%); 67% with a try/finally.
  assert.ok(share >= 0.86, `-f rec recursed ${value} deep, plain node ${depth}: ${(100 * share).toFixed(0)}% (at least 86% expected)`);
  assert.ok(fn.calls >= value - 1, `rec() profiled in every call: ${fn.calls} calls counted for ${value} levels`);
});

test('probed code finds the probes without a property of the global object the program could see', () => {
  const r = spawnSync(process.execPath, ['global-names.js'], { cwd: FIXTURES, encoding: 'utf8' });
  assert.strictEqual(r.stdout, '3 []\n', r.stderr);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memprof-frames-'));
  try {
    const out = path.join(dir, 'report.json');
    const p = memprof(['-f', 'work', '--format', 'json', '-o', out, 'global-names.js']);
    assert.strictEqual(p.code, 0, p.stderr);
    assert.strictEqual(p.stdout, r.stdout, 'the same global names profiled as plain');
    const [fn] = JSON.parse(fs.readFileSync(out, 'utf8')).functions;
    assert.strictEqual(fn.calls, 1, `work() profiled: ${JSON.stringify(fn)}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('exceptions through a recursive function without try block: output as plain, every call counted once', () => {
  const r = spawnSync(process.execPath, ['recursion-throws.js'], { cwd: FIXTURES, encoding: 'utf8' });
  assert.strictEqual(r.status, 0, r.stderr);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memprof-frames-'));
  try {
    const out = path.join(dir, 'report.json');
    const p = memprof(['-f', 'down', '-f', 'guarded', '--format', 'json', '-o', out, 'recursion-throws.js']);
    assert.strictEqual(p.code, 0, p.stderr);
    assert.strictEqual(p.stdout, r.stdout, 'the program prints the same profiled');
    const fns = JSON.parse(fs.readFileSync(out, 'utf8')).functions;
    const down = fns.find((f) => f.name === 'down');
    // guarded(5): 5, 4, 3, 2 (throws); three times down(4, 1): 4, 3, 2, 1 (throws); down(3, -1): 3, 2, 1, 0.
    assert.strictEqual(down.calls, 20, `down() calls counted: ${down.calls}`);
    const occ = (text) => down.lines.find((l) => l.source.includes(text)).occurrences;
    assert.deepStrictEqual([occ('throw new Error'), occ('return;'), occ('down(n - 1')], [20, 16, 15], 'each line as often as it ran');
    assert.strictEqual(fns.find((f) => f.name === 'guarded').calls, 1, 'guarded() once');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('an uncaught exception through a recursive function without try block: the same error, stack and exit code', () => {
  const r = spawnSync(process.execPath, ['recursion-throws.js', 'uncaught'], { cwd: FIXTURES, encoding: 'utf8' });
  const p = memprof(['-f', 'down', '--format', 'json', '-o', path.join(os.tmpdir(), `memprof-frames-${process.pid}.json`), 'recursion-throws.js', 'uncaught']);
  fs.rmSync(path.join(os.tmpdir(), `memprof-frames-${process.pid}.json`), { force: true });
  assert.strictEqual(p.code, r.status, `exit code ${p.code} profiled, ${r.status} plain`);
  const trace = (stderr) => stderr.split('\n').filter((l) => /^Error: |^\s+at down /.test(l));
  assert.deepStrictEqual(trace(p.stderr), trace(r.stderr), `the message and down()'s stack lines, columns included:\n${p.stderr}`);
  assert.strictEqual(trace(r.stderr).length, 4, `plain: the message and 3 frames of down(): ${r.stderr}`);
});

test("profile(): the frames an exception left are closed by the profiled caller's next probe", () => {
  const { profile, getResults } = require('../../dist');
  const { down, guarded } = require('./fixtures/recursion-throws');
  profile(down, { report: 'none' });
  profile(guarded, { report: 'none' });
  assert.strictEqual(guarded(5), 'failed at 2');
  const calls = (name) => getResults().functions.find((f) => f.name === name).calls;
  assert.strictEqual(calls('down'), 4, 'down(5) to down(2) closed when guarded() caught the error');
  assert.strictEqual(calls('guarded'), 1, 'guarded() returned');
  assert.strictEqual(guarded(1), 'no error');
  assert.deepStrictEqual([calls('down'), calls('guarded')], [6, 2], 'the next calls end normally');
});

test('frames exceptions left under an unprofiled catcher are closed at the next microtask once they are many', async () => {
  const { profile, getResults } = require('../../dist');
  const { down } = require('./fixtures/recursion-throws');
  profile(down, { report: 'none' });
  const calls = () => getResults().functions.find((f) => f.name === 'down').calls;
  const before = calls();
  // down(3, 1): 3, 2, 1 (throws), caught here, below no profiled frame: 6,000 frames left.
  for (let i = 0; i < 2000; i++) {
    try {
      down(3, 1);
    } catch {
      // expected
    }
  }
  await Promise.resolve();
  assert.strictEqual(calls() - before, 6000, 'every call counted after the microtask that closes them');
  down(2, -1);
  assert.strictEqual(calls() - before, 6003, 'later calls end normally');
});
