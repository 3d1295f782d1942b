'use strict';
// The probes' share of a profiled function's stack frame: no frame of their own per call,
// and recursion nearly as deep as plain node's (each register in the frame costs depth).
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

test('a profiled recursion goes at least 65% as deep as plain node (probes keep one local and pass one argument)', () => {
  const depth = plain('depth');
  const { value, fn } = profiled('rec', 'depth');
  const share = value / depth;
  assert.ok(share >= 0.65, `-f rec recursed ${value} deep, plain node ${depth}: ${(100 * share).toFixed(0)}% (at least 65% expected)`);
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
