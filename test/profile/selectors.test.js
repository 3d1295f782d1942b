'use strict';
// -f never misses silently: whole files and globs, a line and column, ES modules loaded by
// require(), memprof's own dependencies, and a message that says what happened.
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { memprof, FIXTURES } = require('./helpers');

const DIR = path.join(FIXTURES, 'selectors');

function plain(file, cwd = DIR) {
  const r = spawnSync(process.execPath, [file], { cwd, encoding: 'utf8' });
  assert.strictEqual(r.status, 0, r.stderr);
  return r.stdout;
}

/** Runs memprof with these -f selectors; the profiled functions as "name line calls". */
function profiled(file, selectors, cwd = DIR) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memprof-selectors-'));
  const out = path.join(dir, 'report.json');
  try {
    const r = memprof([...selectors.flatMap((s) => ['-f', s]), '--format', 'json', '-o', out, file], { cwd });
    assert.strictEqual(r.code, 0, r.stderr);
    assert.strictEqual(r.stdout, plain(file, cwd), 'the program prints the same profiled');
    const doc = JSON.parse(fs.readFileSync(out, 'utf8'));
    return { stderr: r.stderr, rows: doc.functions.map((f) => `${f.name} ${path.relative(cwd, f.file)}:${f.line} ${f.calls}`) };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const requireEsm = process.features.require_module === true;

test("-f 'lib/parse.js:*' profiles every function of the file; arrows on one line stay apart", { skip: !requireEsm && 'this Node has no require(esm) (needs 20.19+)' }, () => {
  const { rows } = profiled('main.cjs', ['lib/parse.js:*']);
  assert.deepStrictEqual(rows, [
    'parse lib/parse.js:1 1',
    '<anonymous> lib/parse.js:1 3',
    'twice lib/parse.js:3 1',
    '<anonymous> lib/parse.js:3 3',
    '<anonymous> lib/parse.js:3 2',
  ]);
});

test("-f 'lib/**/*.js:*': a glob over files, at any depth", { skip: !requireEsm && 'this Node has no require(esm) (needs 20.19+)' }, () => {
  const { rows } = profiled('main.cjs', ['lib/**/*.js:*']);
  assert.ok(rows.includes('fmt lib/util/fmt.js:1 1'), `lib/util/fmt.js is matched: ${rows}`);
  assert.ok(rows.includes('parse lib/parse.js:1 1'), `lib/parse.js is matched: ${rows}`);
  assert.ok(!rows.some((r) => r.includes('esm.mjs')), `*.js does not match esm.mjs: ${rows}`);
});

test('-f file.js:line:column picks the innermost function there: the second arrow of a line', { skip: !requireEsm && 'this Node has no require(esm) (needs 20.19+)' }, () => {
  const line = fs.readFileSync(path.join(DIR, 'lib', 'parse.js'), 'utf8').split('\n')[2];
  const column = line.indexOf('(y)') + 1;
  assert.deepStrictEqual(profiled('main.cjs', [`lib/parse.js:3:${column}`]).rows, ['<anonymous> lib/parse.js:3 2']);
});

test('-f reaches an ES module loaded with require() (Node >= 20.19)', { skip: !requireEsm && 'this Node has no require(esm) (needs 20.19+)' }, () => {
  assert.deepStrictEqual(profiled('main.cjs', ['build']).rows, ['build lib/esm.mjs:1 1']);
});

test("-f reaches memprof's own dependencies: the program gets its own acorn and commander", () => {
  const { rows } = profiled('own-deps.js', ['acorn.js:parse', 'command.js:Command'], path.join(FIXTURES, 'fidelity'));
  assert.ok(rows.some((r) => /^parse .*acorn\.js:\d+ 1$/.test(r)), `acorn's parse was profiled: ${rows}`);
  assert.ok(rows.some((r) => /^Command .*command\.js:\d+ [1-9]/.test(r)), `commander's Command was profiled: ${rows}`);
});

test('a selector that profiled nothing says whether its function was found (never called) or not found at all', { skip: !requireEsm && 'this Node has no require(esm) (needs 20.19+)' }, () => {
  const cjs = profiled('main.cjs', ['nothere', 'unused', 'neverCalled']);
  assert.match(cjs.stderr, /^memprof: no function matching --function nothere in the 4 files the program loaded$/m);
  assert.match(cjs.stderr, /^memprof: --function unused found its function, but the program never called it$/m);
  assert.match(cjs.stderr, /^memprof: --function neverCalled found its function, but the program never called it$/m);
  // ES modules are instrumented in Node's loader thread: it reports back.
  const esm = profiled('main.mjs', ['nothere', 'neverCalled']);
  assert.match(esm.stderr, /^memprof: no function matching --function nothere in the 2 files the program loaded$/m);
  assert.match(esm.stderr, /^memprof: --function neverCalled found its function, but the program never called it$/m);
});

test('selectors that are not one of the forms are usage errors (exit 2, one line)', () => {
  for (const [text, message] of [
    ['*', /\* needs its file/],
    ['app.js:3:0', /columns count from 1/],
    ['app.js:', /expected name, file\.js:name, file\.js:line, file\.js:line:column or file\.js:\*/],
  ]) {
    const r = memprof(['-f', text, 'app.js']);
    assert.strictEqual(r.code, 2, `${text}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.strictEqual(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
});
