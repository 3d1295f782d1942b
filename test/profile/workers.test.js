'use strict';
// Worker threads under `memprof -f`: the worker's modules load through the same
// instrumentation and its calls join the main thread's table (one row per line, the calls of
// every thread), however the worker and the program end.
const test = require('node:test');
const assert = require('node:assert');
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const { memprof, parseTable, FIXTURES, MiB } = require('./helpers');

const DIR = path.join(FIXTURES, 'workers');
const SELECT = ['-f', 'build', '-f', 'alloc40', '-f', 'evaluated', '-f', 'onlyHere'];

/** The fixture under plain node and under memprof: the same output before the report, the same exit code. */
function both(mode, args = SELECT) {
  const plain = spawnSync(process.execPath, ['main.js', mode], { cwd: DIR, encoding: 'utf8', timeout: 60000 });
  const profiled = memprof(['--no-split', ...args, 'main.js', mode], { cwd: DIR });
  assert.strictEqual(profiled.code, plain.status, `exit code under memprof (plain node: ${plain.status}): ${profiled.stderr}`);
  assert.strictEqual(profiled.stdout.slice(0, profiled.stdout.indexOf('Filename: ')), plain.stdout, 'the program prints the same');
  return profiled;
}

test('-f counts the calls of a function in the main thread and in a worker that ended, in one table', () => {
  const r = both('ended');
  const build = parseTable(r.stdout, 'build');
  // main: build(10) once; worker: build(20) five times.
  assert.strictEqual(build[2].occ, 6, 'calls of build in both threads');
  assert.strictEqual(build[4].occ, 11 + 5 * 21, 'loop tests of both threads');
  // A function of a file only the worker loads, with its memory: RSS is the process's.
  const alloc = parseTable(r.stdout, 'alloc40');
  assert.strictEqual(alloc[4].occ, 1, 'the worker-only function ran once');
  assert.ok(alloc[4].inc > 38 && alloc[4].inc < 44, `the worker's 40 MiB Buffer line: ${alloc[4].inc} MiB`);
  assert.ok(!/--function (build|alloc40)/.test(r.stderr), `no complaint about build or alloc40: ${r.stderr}`);
});

test("a worker's own worker: its calls reach the main thread's table too", () => {
  const r = both('nested');
  assert.match(r.stdout, /^nested worker allocated 40 MiB$/m);
  assert.strictEqual(parseTable(r.stdout, 'build')[2].occ, 6, 'build in main and in the nested worker');
  assert.strictEqual(parseTable(r.stdout, 'alloc40')[4].occ, 1, 'alloc40 in the nested worker');
});

test('a worker still running when the program ends, or when the main thread calls process.exit', () => {
  for (const mode of ['running', 'main-exit']) {
    const r = both(mode);
    const build = parseTable(r.stdout, 'build');
    // The worker signalled after 50 calls of its own; the main thread made one.
    assert.ok(build[2].occ >= 51, `${mode}: calls counted from the running worker: ${build[2].occ}`);
    assert.ok(build[4].occ >= 11 + 50 * 4, `${mode}: loop tests: ${build[4].occ}`);
  }
});

test('a worker that ends with process.exit, and the exit code the main thread sets', () => {
  const r = both('self-exit');
  const build = parseTable(r.stdout, 'build');
  assert.strictEqual(build[2].occ, 2, 'build(10) in main, build(2) in the worker before its process.exit');
  assert.strictEqual(build[4].occ, 11 + 3, 'loop tests of both calls');
});

test('eval: true and ES module workers', () => {
  const evaluated = both('eval');
  const rows = parseTable(evaluated.stdout, 'evaluated');
  assert.match(evaluated.stdout, /^Filename: \[worker eval\]$/m);
  assert.strictEqual(rows[2].occ, 2, 'two calls in the eval worker');
  assert.strictEqual(rows[4].occ, 11 + 5, 'its loop tests');
  assert.match(rows[4].source, /for \(let i = 0; i < n; i\+\+\) s \+= i;/, 'the row quotes the eval code');
  const esm = both('esm');
  const only = parseTable(esm.stdout, 'onlyHere');
  assert.strictEqual(only[3].occ, 1, 'the ES module worker called onlyHere once');
  assert.strictEqual(only[5].occ, 8, 'its loop tests');
});

test("the global profile() inside a worker joins the main thread's report", () => {
  // (Under plain node the worker has no global profile().)
  const r = memprof(['main.js', 'global'], { cwd: DIR });
  assert.strictEqual(r.code, 0, r.stderr);
  assert.match(r.stdout, /^global profile 4 2 2 3\nworker exit 0\n/, 'the program prints as it should');
  // report: 'call' tables from the worker, one per call; the main report has both calls.
  assert.strictEqual(r.stderr.match(/^Filename: .*worker\.js$/gm)?.length, 2, `two per-call tables: ${r.stderr}`);
  assert.strictEqual(parseTable(r.stdout, 'eachCall')[22].occ, 2, "the main thread's table counts both calls");
  const rows = parseTable(r.stdout, 'inWorker');
  assert.strictEqual(rows[16].occ, 2, 'two calls of the worker function');
  assert.strictEqual(rows[18].occ, 5 + 3, 'its loop tests');
});

test("-f reaches memprof's own dependencies in a worker (the worker's program loads its own acorn)", () => {
  const r = both('acorn', ['-f', 'acorn.js:parse']);
  assert.match(r.stdout, /^acorn 1$/m);
  const rows = parseTable(r.stdout, 'parse');
  assert.strictEqual(Object.values(rows)[0].occ, 1, 'acorn.parse called once, in the worker');
  assert.ok(!r.stderr.includes('never called'), r.stderr);
});

test("-f says a function is found but never called when only a worker's file has it", () => {
  const r = memprof(['-f', 'neverCalled', '-f', 'nowhere', '-f', 'worker-only.js:nope', 'main.js', 'ended'], { cwd: DIR });
  assert.strictEqual(r.code, 0, r.stderr);
  assert.match(r.stderr, /^memprof: --function neverCalled found its function, but the program never called it$/m);
  // main.js, lib.js, worker.js, lib.js and worker-only.js in the worker.
  assert.match(r.stderr, /^memprof: no function matching --function nowhere in the 5 files the program loaded$/m);
  // A file only the worker loads: the worker tells the main thread it saw it.
  assert.match(r.stderr, /^memprof: --function worker-only\.js:nope: worker-only\.js has no function named nope$/m);
});

test("profile() from memprof's API in a worker still reports in that worker, under the CLI too", () => {
  for (const command of [['worker.js'], [require('./helpers').BIN, 'worker.js']]) {
    const w = spawnSync(process.execPath, command, { cwd: FIXTURES, encoding: 'utf8', timeout: 60000 });
    assert.strictEqual(w.status, 0, w.stderr);
    const fn = JSON.parse(w.stdout.split('\n')[0]);
    assert.strictEqual(fn.name, 'inWorker');
    const line = fn.lines.find((l) => l.source.includes('Buffer.alloc'));
    assert.ok(Math.abs(line.increment - 40 * MiB) < 4 * MiB, `worker line increment ${line.increment / MiB} MiB (${command.join(' ')})`);
  }
});

test('--timestamp: FUNC lines of calls in workers too (ended, nested, ending with process.exit), in the order calls ended', () => {
  const funcs = (mode) => {
    const plain = spawnSync(process.execPath, ['main.js', mode], { cwd: DIR, encoding: 'utf8', timeout: 60000 });
    const r = memprof(['--timestamp', ...SELECT, 'main.js', mode], { cwd: DIR });
    assert.strictEqual(r.code, plain.status, r.stderr);
    const lines = r.stdout.split('\n').filter((l) => l.startsWith('FUNC '));
    assert.strictEqual(r.stdout.replace(/^FUNC .*\n/gm, ''), plain.stdout, 'the program prints the same');
    for (const l of lines) assert.match(l, /^FUNC \S+ \d+\.\d{4} \d+\.\d{4} \d+\.\d{4} \d+\.\d{4} \d+$/, 'mprof FUNC format');
    const ends = lines.map((l) => Number(l.split(' ')[5]));
    assert.deepStrictEqual(ends, [...ends].sort((a, b) => a - b), `in the order calls ended: ${lines.join('\n')}`);
    return lines.map((l) => l.split(' ')[1]);
  };
  const count = (names, name) => names.filter((n) => n === name).length;
  const ended = funcs('ended');
  assert.strictEqual(count(ended, 'lib.build'), 6, `build(10) in main, build(20) five times in the worker: ${ended}`);
  assert.strictEqual(count(ended, 'worker-only.alloc40'), 1, `alloc40 (only the worker loads its file): ${ended}`);
  const nested = funcs('nested');
  assert.strictEqual(count(nested, 'lib.build'), 6, `build in main and in the nested worker: ${nested}`);
  const selfExit = funcs('self-exit');
  assert.strictEqual(count(selfExit, 'lib.build'), 2, `build(2) in the worker before its process.exit: ${selfExit}`);
});
