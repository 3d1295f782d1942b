'use strict';
// Instrumented code must compile and mean the same: each case prints what plain node prints
// when its functions are selected with -f, and the function is really profiled.
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { memprof, FIXTURES } = require('./helpers');

const DIR = path.join(FIXTURES, 'fidelity');

function plain(file) {
  const r = spawnSync(process.execPath, [file], { cwd: DIR, encoding: 'utf8' });
  assert.strictEqual(r.status, 0, r.stderr);
  return r.stdout;
}

/** Runs `file` with `-f` for each name; returns its stdout and the profiled functions (JSON report). */
function profiled(file, names) {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'memprof-fidelity-')), 'report.json');
  try {
    const r = memprof([...names.flatMap((n) => ['-f', n]), '--format', 'json', '-o', out, file], { cwd: DIR });
    assert.strictEqual(r.code, 0, r.stderr);
    const doc = JSON.parse(fs.readFileSync(out, 'utf8'));
    return { stdout: r.stdout, stderr: r.stderr, functions: doc.functions };
  } finally {
    fs.rmSync(path.dirname(out), { recursive: true, force: true });
  }
}

const CASES = [
  ['hoisting.js', ['pick'], 'var h and function h are one binding (was: Identifier h has already been declared)'],
  ['sloppy-arguments.js', ['m'], 'function a(){} replaces parameter a and arguments[0] (was: number)'],
  ['strict-duplicates.js', ['twice'], 'strict mode allows two function g(){} in a function body (not in a block)'],
  ['nested-closing.js', ['setup', 'enabled'], 'closing edits of nested functions at one offset nest (was: Missing catch or finally)'],
  ['with-proxy.js', ['lookup'], 'probe names never resolve through a with object (was: TypeError)'],
];

for (const [file, names, what] of CASES) {
  test(`-f ${names.join(' -f ')} ${file}: ${what}`, () => {
    const expected = plain(file);
    const run = profiled(file, names);
    assert.strictEqual(run.stdout, expected, `${file} prints the same profiled: ${run.stderr}`);
    for (const name of names) {
      const fn = run.functions.find((f) => f.name === name);
      assert.ok(fn && fn.calls >= 1, `${name} was profiled and called: ${JSON.stringify(run.functions.map((f) => [f.name, f.calls]))}`);
    }
  });
}

test('a function whose declarations cannot stay hoisted runs unprofiled, and memprof says why', () => {
  const run = profiled('strict-duplicates.js', ['between']);
  assert.strictEqual(run.stdout, plain('strict-duplicates.js'));
  assert.match(run.stderr, /^memprof: cannot profile between \(.*strict-duplicates\.js:9\): its function g\(\) shares a name .* declared between statements; it runs unprofiled$/m);
  assert.deepStrictEqual(run.functions, []);
});

for (const file of ['source-text.js', 'source-text.mjs']) {
  test(`${file}: fn.toString(), String(class) and util.inspect(class) as under node with -f and after profile() (classes before and after the edited function)`, () => {
    const run = profiled(file, ['sum', 'arrow']);
    assert.strictEqual(run.stdout, plain(file), `${file}: ${run.stderr}`);
    assert.match(run.stdout, /^\[class Alpha\] \[class Before\] \[class Beta extends Alpha\] \{ n: 1 \} \{$/m, 'util.inspect shows the classes as classes (was [Function: Alpha])');
    assert.deepStrictEqual(run.functions.map((f) => f.name).sort(), ['arrow', 'sum', 'work']);
  });

  test(`${file}: with -f alone (the function and a class's constructor probed as the file loads), classes print as under node`, () => {
    const run = profiled(file, ['work', 'Alpha', 'Before']);
    assert.strictEqual(run.stdout, plain(file), `${file}: ${run.stderr}`);
    assert.deepStrictEqual(run.functions.map((f) => f.name).sort(), ['work'], 'work profiled by -f (profile() found it probed); the constructors never called');
  });
}

test('stack traces show the same lines and columns in probed functions (-f and profile())', () => {
  const run = profiled('stack-columns.js', ['thrower']);
  assert.strictEqual(run.stdout, plain('stack-columns.js'), run.stderr);
  assert.deepStrictEqual(run.functions.map((f) => f.name).sort(), ['caller', 'thrower']);
});

test('a class method of an ES module is profiled in place, not refused as the top level of the module', () => {
  const run = profiled('esm-method.mjs', []);
  assert.strictEqual(run.stdout, plain('esm-method.mjs'));
  assert.strictEqual(run.stderr, '', 'nothing refused or wrapped');
  const lex = run.functions.find((f) => f.name === 'lex');
  assert.ok(lex && lex.calls === 1 && lex.lines.find((l) => l.line === 5).occurrences === 4, `lex profiled line by line: ${JSON.stringify(lex)}`);
});

test('profile() on a method of a source-mapped file with a blank line in its body is edited in place, not wrapped', () => {
  // The moved source map appended in the same LiveEdit as the probes made V8's line diff run
  // to the end of the file and merge the method's changed lines across the blank one into a
  // range replaced whole: V8 kept the method's old code, and memprof wrapped it (calls
  // through the prototype were never counted). handlebars' Compiler.prototype.compile.
  const run = profiled('mapped-method-use.js', []);
  assert.strictEqual(run.stdout, plain('mapped-method-use.js'));
  assert.strictEqual(run.stderr, '', 'nothing wrapped or refused');
  const step = run.functions.find((f) => f.name === 'step0');
  assert.ok(step && step.calls === 1, `step0 profiled and its call through the prototype counted: ${JSON.stringify(run.functions.map((f) => [f.name, f.calls]))}`);
  const counted = step.lines.filter((l) => l.occurrences === 1).map((l) => l.line);
  assert.deepStrictEqual(counted, [4, 5, 6, 8, 9, 10, 11, 12, 13, 14, 15], `a row per line of the original, before and after the blank line: ${JSON.stringify(step.lines)}`);
});

test('profile() on a method whose first lines are long is edited in place, its entry before the first statement', () => {
  // The entry at the end of the header line made it start a run of changed lines past 800
  // characters, which V8 replaces whole: the method kept its old code (js-yaml's loadAll).
  const run = profiled('long-run.js', []);
  assert.strictEqual(run.stdout, plain('long-run.js'));
  assert.strictEqual(run.stderr, '', 'nothing wrapped or refused');
  const render = run.functions.find((f) => f.name === 'render');
  assert.ok(render && render.calls === 1, `render profiled, its call through the object counted once: ${JSON.stringify(run.functions.map((f) => [f.name, f.calls]))}`);
  assert.deepStrictEqual(
    render.lines.filter((l) => l.occurrences > 0).map((l) => [l.line, l.occurrences]),
    [5, 6, 7, 8, 9, 10, 11].map((line) => [line, 1]),
    'one count per line (the second profile() reused the probes)',
  );
});

test('profile() on two functions of one minified line: each is wrapped (the second was "no file": the first edit left it on the replaced script), and the message names a -f selector that works', () => {
  const run = profiled('one-line-use.js', []);
  assert.strictEqual(run.stdout, plain('one-line-use.js'));
  const messages = run.stderr.trim().split('\n');
  assert.strictEqual(messages.length, 2, run.stderr);
  for (const m of messages) assert.match(m, /^memprof: .*: its closing brace shares its line with other code .* -f one-line\.js:1:\d+ profiles it as the file loads; each call is measured as one row \(wrapped\)$/);
  const wrapped = run.functions.find((f) => f.calls > 0);
  assert.ok(wrapped, `the wrapped step was measured: ${JSON.stringify(run.functions)}`);
  // The selector the second message names profiles that function line by line as the file loads.
  const selector = /-f (one-line\.js:1:\d+)/.exec(messages[1])[1];
  const byLine = profiled('one-line-use.js', [selector]);
  assert.strictEqual(byLine.stdout, run.stdout);
  const step = byLine.functions.find((f) => f.calls === 1);
  assert.ok(step && byLine.functions.length === 2, `${selector} picked steps[3] (called once) and run: ${JSON.stringify(byLine.functions.map((f) => [f.name, f.calls]))}`);
});

test('-f on a minified line: each row quotes at most 1000 characters of it, from where its function starts (each row quoted the whole line)', () => {
  const run = profiled('one-line-use.js', ['one-line.js:*']);
  assert.strictEqual(run.stdout, plain('one-line-use.js'));
  const line = fs.readFileSync(path.join(DIR, 'one-line.js'), 'utf8').split('\n')[0];
  const rows = run.functions.flatMap((f) => f.lines);
  assert.ok(run.functions.length === 17 && rows.length === 17, `the 16 steps and run, a row each: ${JSON.stringify(run.functions.map((f) => f.name))}`);
  for (const { source } of rows) {
    assert.ok(source.length <= 1002 && source.length < line.length, `a row quotes at most 1000 characters and two ellipses, not the line of ${line.length}: ${source.length}`);
    const text = source.replace(/^…/, '').replace(/…$/, '');
    assert.ok(source.startsWith('…function(a){') || source.startsWith('…function(x){'), `the row starts where its function does: ${source.slice(0, 40)}`);
    assert.ok(line.includes(text), 'the quote is a piece of the line');
  }
});

test('-f on yield and await written against their operands (minified: yield[k,v], await(p)): the probes keep the keyword apart', () => {
  const run = profiled('keyword-operand.js', ['pairs', 'total']);
  assert.strictEqual(run.stdout, plain('keyword-operand.js'), run.stderr);
  assert.deepStrictEqual(run.functions.map((f) => [f.name, f.calls]).sort(), [['pairs', 1], ['total', 1]]);
});
