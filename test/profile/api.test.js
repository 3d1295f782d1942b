'use strict';
const test = require('node:test');
const assert = require('node:assert');
const path = require('node:path');
const { Writable } = require('node:stream');
const { profile, getResults } = require('../../dist');
const { splitActive } = require('../../dist/trace/runtime');
const { gc, MiB } = require('./helpers');
const shapes = require('./fixtures/shapes');

const FILE = path.join(__dirname, 'fixtures', 'shapes.js');
const quiet = { report: 'none' };

/** GC, then give background threads time to return freed pages, so RSS holds still. */
async function settle() {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function result(name) {
  const fns = getResults().functions.filter((f) => f.name === name);
  assert.strictEqual(fns.length, 1, `one result for ${name}`);
  return fns[0];
}

function row(fn, text) {
  const rows = fn.lines.filter((l) => l.source.includes(text));
  assert.strictEqual(rows.length, 1, `one row with ${text} in ${fn.name}`);
  return rows[0];
}

// Memory figures first, while the allocator has no freed memory to reuse.
test('a kept 100 MiB buffer shows an increment of 100 MiB (within 5%)', () => {
  profile(shapes.keep100, quiet);
  gc();
  const kept = shapes.keep100();
  const inc = row(result('keep100'), 'Buffer.alloc(100').increment / MiB;
  assert.ok(inc > 95 && inc < 105, `increment ${inc} MiB`);
  assert.strictEqual(kept.length, 100 * MiB);
});

test('a 200 MiB spike freed inside one line shows in Peak, not in Increment', async () => {
  function spiky() {
    const base = [0];
    const n = (() => { const b = Buffer.alloc(200 * 1024 * 1024, 7); const len = b.length; return len; })() + (gc(), 0);
    return base.length + n;
  }
  profile(spiky, quiet);
  // The previous test's 100 MiB buffer is garbage: once V8 has promoted it, its memory goes
  // back to the system on a background thread after a full GC, maybe only during the GC
  // inside the measured line. Settled first, the line's increment is the line's own.
  await settle();
  spiky();
  const r = row(result('spiky'), 'Buffer.alloc(200');
  assert.ok(Math.abs(r.increment) < 20 * MiB, `increment ${r.increment / MiB} MiB`);
  assert.ok(r.peak - r.mem > 180 * MiB, `peak ${r.peak / MiB} MiB, after ${r.mem / MiB} MiB`);
  // The next line starts after the spike: its peak must not inherit it.
  const next = row(result('spiky'), 'return base.length');
  assert.ok(next.peak - next.mem < 20 * MiB, `next line peak ${next.peak / MiB} MiB, after ${next.mem / MiB} MiB`);
});

test('profile() returns the same function: name, length, this, return and throw unchanged', () => {
  const p = profile(shapes.fails, quiet);
  assert.strictEqual(p, shapes.fails);
  assert.strictEqual(p.name, 'fails');
  assert.strictEqual(p.length, 1);
  assert.throws(() => p('boom'), /boom3/);
  const r = result('fails');
  assert.strictEqual(r.calls, 1);
  assert.strictEqual(row(r, 'throw new Error').occurrences, 1);
  assert.strictEqual(r.file, FILE);
  assert.strictEqual(r.line, 36);
});

test('a closure keeps its captured variables', () => {
  profile(shapes.closure, quiet);
  const start = shapes.captured;
  assert.strictEqual(shapes.closure(), start + 1);
  assert.strictEqual(shapes.closure(), start + 2);
  assert.strictEqual(row(result('closure'), 'captured += 1').occurrences, 2);
});

test('methods and constructors, with this', () => {
  profile(shapes.Store.prototype.fill, quiet);
  profile(shapes.Store, quiet);
  const s = new shapes.Store(1024);
  assert.strictEqual(s.fill(3).length, 3);
  assert.strictEqual(row(result('fill'), 'for (let i').occurrences, 4);
  assert.strictEqual(row(result('Store'), 'this.size = size').occurrences, 1);
});

test('as a TypeScript 5 method decorator', () => {
  class Calc {
    sum(n) {
      let total = 0;
      for (let i = 0; i < n; i++) total += i;
      return total;
    }
  }
  const decorated = profile(Calc.prototype.sum, { kind: 'method', name: 'sum' });
  assert.strictEqual(decorated, Calc.prototype.sum);
  assert.strictEqual(new Calc().sum(5), 10);
  assert.strictEqual(row(result('sum'), 'for (let i').occurrences, 6);
  assert.throws(() => profile(() => 1, { kind: 'field', name: 'x' }), /decorates methods/);
});

test('an expression-bodied arrow is wrapped: same name, length and result', () => {
  const p = profile(shapes.twice, quiet);
  assert.strictEqual(p.name, 'twice');
  assert.strictEqual(p.length, 1);
  assert.strictEqual(p(21), 42);
  assert.strictEqual(result('twice').calls, 1);
});

test('recursion: every invocation has its own frame', async () => {
  profile(shapes.depth, quiet);
  await settle();
  const buffer = shapes.depth(3);
  const r = result('depth');
  assert.strictEqual(r.calls, 4);
  assert.strictEqual(row(r, 'if (n === 0)').occurrences, 4);
  assert.strictEqual(row(r, 'const kept').occurrences, 3);
  // Each of the 3 recursive lines holds the 40 MiB buffer returned from below: 120 MiB summed
  // over them, never the process's whole memory (memory_profiler's shared "previous line").
  const kept = row(r, 'const kept').increment / MiB;
  assert.ok(kept > 110 && kept < 130, `increment ${kept} MiB`);
  assert.strictEqual(buffer.length, 40 * MiB);
});

test('deep recursion grows the frame arrays without mixing frames', () => {
  function count(n) {
    if (n === 0) return 0;
    return 1 + count(n - 1);
  }
  profile(count, quiet);
  assert.strictEqual(count(300), 300);
  const r = result('count');
  assert.strictEqual(r.calls, 301);
  assert.strictEqual(row(r, 'if (n === 0)').occurrences, 301);
  assert.strictEqual(row(r, 'return 1 + count').occurrences, 300);
});

test('generators: rows accumulate across yields', () => {
  profile(shapes.chunks, quiet);
  const got = [...shapes.chunks(3, 1)];
  assert.strictEqual(got.length, 3);
  const r = result('chunks');
  assert.strictEqual(r.calls, 1);
  assert.strictEqual(row(r, 'for (let i').occurrences, 4);
  assert.strictEqual(row(r, 'yield Buffer').occurrences, 3);
});

test('async across awaits: interleaved invocations do not take each other\'s memory', async () => {
  profile(shapes.slowAlloc, quiet);
  await settle();
  // Two calls interleave: each allocates 40 MiB before its await and 40 MiB after (above
  // glibc's largest mmap threshold, so no freed memory is reused).
  const kept = await Promise.all([shapes.slowAlloc(40, 30), shapes.slowAlloc(40, 60)]);
  const r = result('slowAlloc');
  assert.strictEqual(r.calls, 2);
  const wait = row(r, 'await new Promise');
  assert.strictEqual(wait.occurrences, 2);
  // Time spent suspended is not the line's: the other call's 80 MiB must not show here.
  assert.ok(Math.abs(wait.increment) < 5 * MiB, `await line increment ${wait.increment / MiB} MiB`);
  const first = row(r, 'const before').increment / MiB;
  const second = row(r, 'const after').increment / MiB;
  assert.ok(first > 75 && first < 85, `before: ${first} MiB`);
  assert.ok(second > 75 && second < 85, `after: ${second} MiB`);
  assert.strictEqual(kept.length, 2);
});

test('a nested profiled call: the calling line shows what the callee kept, not the process total', async () => {
  profile(shapes.inner, quiet);
  profile(shapes.outer, quiet);
  await settle();
  const kept = [shapes.outer(), shapes.outer()]; // kept: a GC during the second call would free the first
  const o = result('outer');
  const call = row(o, 'const got = inner()');
  assert.strictEqual(call.occurrences, 2);
  const inc = call.increment / MiB;
  assert.ok(inc > 72 && inc < 88, `calling line: ${inc} MiB for two 40 MiB buffers`);
  // The first line of a repeated call starts from its own entry value.
  assert.ok(Math.abs(row(o, 'const before').increment) < 2 * MiB, `increment ${row(o, "const before").increment} B`);
  assert.strictEqual(result('inner').calls, 2);
  assert.strictEqual(kept.length, 2);
});

test("report 'call' prints memory_profiler's table (with the split's Heap and External) after each top-level call", () => {
  let text = '';
  const stream = new Writable({ write(chunk, _e, cb) { text += chunk; cb(); } });
  function printed(n) {
    const a = new Array(n).fill(1);
    return a.length;
  }
  profile(printed, { stream, precision: 3 });
  printed(10);
  // The split's columns widen when a figure needs it (here 3 decimals): match by titles.
  const header = splitActive()
    ? /^Line # +Mem usage +Increment +Heap +External +Peak +Occurrences  Line Contents$/
    : /^Line #    Mem usage    Increment         Peak  Occurrences   Line Contents$/;
  const [filename, blank, head, rule] = text.split('\n');
  assert.deepStrictEqual([filename, blank], [`Filename: ${path.relative(process.cwd(), __filename)}`, ''], 'the file relative to the working directory it sits under');
  assert.match(head, header);
  assert.strictEqual(rule, '='.repeat(head.length));
  const figures = splitActive() ? 5 : 3;
  assert.match(text, new RegExp(`(-?\\d+\\.\\d{3} MiB +){${figures}}1 +  const a = new Array\\(n\\)`));
  printed(10);
  printed(10);
  const tables = text.split('Filename:').slice(1);
  assert.strictEqual(tables.length, 3);
  // Each table is its own call's (memory_profiler's decorator profiles every call afresh);
  // getResults() keeps them all.
  for (const t of tables) assert.match(t, /\s1 +function printed\(n\) \{/);
  assert.strictEqual(result('printed').calls, 3);
  assert.strictEqual(row(result('printed'), 'const a = new Array').occurrences, 3);
});

test("report 'call' with nested profiled functions: each prints after its own outermost call", () => {
  let text = '';
  const stream = new Writable({ write(chunk, _e, cb) { text += chunk; cb(); } });
  function leaf(n) {
    return n + 1;
  }
  function trunk(n) {
    const a = leaf(n);
    return leaf(a);
  }
  profile(leaf, { stream });
  profile(trunk, { stream });
  trunk(1);
  const names = [...text.matchAll(/^ +\d+ .*? +function (\w+)/gm)].map((m) => m[1]);
  assert.deepStrictEqual(names, ['leaf', 'leaf', 'trunk']);
});

test('a function V8 cannot move to probed code in place is measured per call through a wrapper, and says so', () => {
  let err = '';
  const write = process.stderr.write;
  process.stderr.write = (chunk) => ((err += chunk), true);
  let p;
  try {
    p = profile(shapes.oneLiner, quiet);
  } finally {
    process.stderr.write = write;
  }
  if (p === shapes.oneLiner) {
    // V8 matched it after all: then it is probed in place.
    assert.strictEqual(p(3), 3);
    assert.strictEqual(row(result('oneLiner'), 'function oneLiner').occurrences, 1);
    return;
  }
  assert.match(err, /^memprof: oneLiner: .*; each call is measured as one row \(wrapped\)\n$/);
  assert.strictEqual(p.name, 'oneLiner');
  assert.strictEqual(p.length, 1);
  assert.strictEqual(p(4), 6);
  assert.strictEqual(result('oneLiner').calls, 1);
});

test('one-line functions defined and profiled at the top level are wrapped, not refused as running', () => {
  // V8's diff attributes an edit on the closing brace's line to the enclosing function, and
  // the module's top level is running: the old code said "it is running right now".
  const { spawnSync } = require('node:child_process');
  const script = [
    "const { profile, getResults } = require(process.argv[2]);",
    'function e1() {}',
    'function e3() { return 1}',
    'const e7 = function () { return 7 };',
    "const q = { report: 'none' };",
    'const ps = [profile(e1, q), profile(e3, q), profile(e7, q)];',
    "console.log(JSON.stringify(ps.map((p) => p())), JSON.stringify(getResults().functions.map((f) => [f.name, f.calls])));",
  ].join('\n');
  const fs = require('node:fs');
  const dir = fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'memprof-oneline-'));
  const file = path.join(dir, 'oneline.js');
  fs.writeFileSync(file, script);
  let r;
  try {
    r = spawnSync(process.execPath, [file, path.join(__dirname, '..', '..', 'dist')], { encoding: 'utf8' });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  assert.strictEqual(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /running right now/);
  assert.strictEqual(r.stdout.trim(), '[null,1,7] [["e1",1],["e3",1],["e7",1]]');
});

test("report 'exit' to a file stream: the table reaches the file, whether the program ends or calls process.exit", () => {
  const { spawnSync } = require('node:child_process');
  const fs = require('node:fs');
  const dir = fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'memprof-exitstream-'));
  try {
    for (const ending of ['', "out.on('open', () => process.exit(0));"]) {
      const report = path.join(dir, 'report.txt');
      fs.rmSync(report, { force: true });
      const file = path.join(dir, 'prog.js');
      fs.writeFileSync(file, [
        `const { profile } = require(${JSON.stringify(path.join(__dirname, '..', '..', 'dist'))});`,
        `const out = require('node:fs').createWriteStream(${JSON.stringify(report)});`,
        'function w(n) {',
        '  const a = new Array(n).fill(1);',
        '  return a.length;',
        '}',
        "profile(w, { report: 'exit', stream: out });",
        'w(10);',
        ending,
        '',
      ].join('\n'));
      const r = spawnSync(process.execPath, [file], { encoding: 'utf8' });
      assert.strictEqual(r.status, 0, r.stderr);
      assert.match(fs.readFileSync(report, 'utf8'), /^Filename: .*prog\.js\n[\s\S]* 1 +const a = new Array/, ending || 'natural end');
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a class without a constructor of its own: one line says to profile its methods', () => {
  let err = '';
  const write = process.stderr.write;
  class NoCtor {
    m() {
      return 1;
    }
  }
  process.stderr.write = (chunk) => ((err += chunk), true);
  try {
    assert.strictEqual(profile(NoCtor, quiet), NoCtor);
  } finally {
    process.stderr.write = write;
  }
  assert.strictEqual(err, 'memprof: cannot profile NoCtor: it is a class without a constructor of its own: profile its methods (Class.prototype.method) instead; it runs unprofiled\n');
  assert.strictEqual(new NoCtor().m(), 1);
});

test('a function that is running cannot be edited: one line says why, it runs unprofiled', () => {
  let err = '';
  const write = process.stderr.write;
  function selfProfiling(n) {
    process.stderr.write = (chunk) => ((err += chunk), true);
    try {
      profile(selfProfiling, quiet);
    } finally {
      process.stderr.write = write;
    }
    return n * 2;
  }
  assert.strictEqual(selfProfiling(2), 4);
  assert.strictEqual(selfProfiling(3), 6);
  assert.match(err, /^memprof: cannot profile selfProfiling: it is running right now .*; it runs unprofiled\n/);
  assert.strictEqual(getResults().functions.filter((f) => f.name === 'selfProfiling').length, 0);
});

test('bad arguments are TypeErrors; builtins run unprofiled with one line saying why', () => {
  assert.throws(() => profile(42), TypeError);
  assert.throws(() => profile(() => {}, { precision: -1 }), /precision/);
  assert.throws(() => profile(() => {}, { report: 'sometimes' }), /report/);
  let err = '';
  const write = process.stderr.write;
  process.stderr.write = (chunk) => ((err += chunk), true);
  const bound = shapes.inner.bind(null);
  try {
    assert.strictEqual(profile(Math.max, quiet), Math.max);
    assert.strictEqual(profile(bound, quiet), bound);
  } finally {
    process.stderr.write = write;
  }
  assert.strictEqual(Math.max(1, 2), 2);
  assert.deepStrictEqual(err.split('\n'), [
    'memprof: cannot profile max: it is native or built-in code (no source location); it runs unprofiled',
    'memprof: cannot profile bound inner: it is a bound function: profile the function before binding it; it runs unprofiled',
    '',
  ]);
});

test('getResults() follows the JSON schema', () => {
  const r = getResults();
  assert.strictEqual(r.tool, 'memprof');
  assert.strictEqual(r.unit, 'bytes');
  assert.ok(['native', 'process'].includes(r.backend), `backend ${r.backend}`);
  for (const f of r.functions) {
    assert.deepStrictEqual(Object.keys(f), ['name', 'file', 'line', 'calls', 'lines']);
    for (const l of f.lines) {
      const split = splitActive() ? ['heapIncrement', 'externalIncrement'] : [];
      assert.deepStrictEqual(Object.keys(l), ['line', 'source', 'occurrences', 'mem', 'increment', 'peak', ...split]);
      const figures = [l.mem, l.increment, l.peak, ...split.map((k) => l[k])];
      if (l.occurrences === 0) assert.ok(figures.every((v) => v === null), `unexecuted: ${JSON.stringify(l)}`);
      else assert.ok(figures.every(Number.isFinite), `executed: ${JSON.stringify(l)}`);
    }
  }
});
