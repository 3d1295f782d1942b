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

// A minified line: every form of function header, as V8 and a reader locate each function.
const HEADS = path.join(DIR, 'min', 'heads.js');
const HEAD_TEXTS = {
  spin: ['function spin', 'spin(n){if'],
  meth: ['meth(n)'],
  g: ['get g'],
  am: ['async am'],
  nf: ['named:', 'function nf', 'nf(n)'],
  anon: ['anon:'],
  gm: ['*gm'],
  'q s': ["'q s'"],
  K: ['class K', 'K{', 'constructor'],
  st: ['static st'],
  pp: ['pp(n)'],
  ar: ['ar=('],
  ar1: ['ar1='],
  aar: ['aar=async', 'async n'],
  gen: ['gen=', 'function*'],
  outer: ['function outer'],
  assigned: ['exports.assigned'],
};

/** What `-f heads.js:1:COLUMN` picks, by the selector code a run uses. */
function pickedAt(column) {
  const { parseSelector, selectFunctions } = require('../../dist/trace/selectors');
  const { parseSource, listFunctions } = require('../../dist/trace/instrument');
  const source = fs.readFileSync(HEADS, 'utf8');
  return selectFunctions([parseSelector(`${HEADS}:1:${column}`)], HEADS, listFunctions(parseSource(source))).map((f) => f.name);
}

/** 1-based columns V8 gives each function: [[FunctionLocation]], as --cpu-prof and DevTools. */
function v8Columns() {
  const inspector = require('node:inspector');
  const session = new inspector.Session();
  session.connect();
  const columns = {};
  try {
    for (const [name, fn] of Object.entries(require(HEADS).all)) {
      globalThis.__memprofHead = fn;
      let location;
      session.post('Runtime.evaluate', { expression: '__memprofHead' }, (error, value) => {
        session.post('Runtime.getProperties', { objectId: value.result.objectId }, (error2, props) => {
          location = props.internalProperties.find((p) => p.name === '[[FunctionLocation]]').value.value;
        });
      });
      assert.strictEqual(location.lineNumber, 0, `${name} is on the first line`);
      columns[name] = location.columnNumber + 1;
    }
  } finally {
    delete globalThis.__memprofHead;
    session.disconnect();
  }
  return columns;
}

/** 1-based column of each function's frame in a stack trace (spin throws for n < 0). */
function stackColumns() {
  const columns = {};
  const { all } = require(HEADS);
  for (const [name, fn] of Object.entries(all)) {
    if (name === 'spin') continue; // its frame is the thrower's own
    let error;
    try {
      const r = name === 'g' ? fn.call({ n: -1 }) : name === 'pp' ? fn.call(new all.K(1), -1) : name === 'K' ? new fn(-1) : fn(-1);
      if (r && typeof r.next === 'function') r.next();
      if (r && typeof r.catch === 'function') r.catch(() => {});
    } catch (e) {
      error = e;
    }
    if (name === 'am' || name === 'aar') continue; // rejected, not thrown: their frames are checked through the others
    assert.ok(error, `${name}(-1) threw from spin`);
    // Its own frame: pp calls #p, outer's arrow calls spin.
    const frames = error.stack.split('\n').slice(2);
    const frame = frames.find((f) => f.includes(`${name} (`) || f.includes(`[as ${name}]`)) ?? frames[0];
    const at = /heads\.js:1:(\d+)\)?$/.exec(frame);
    assert.ok(at, `${name}'s frame names heads.js:1:column: ${frame}`);
    columns[name] = Number(at[1]);
  }
  return columns;
}

test('-f file.js:1:column into minified code picks the function wherever in its header the column falls, and at the columns V8 and stack traces give it', () => {
  const line = fs.readFileSync(HEADS, 'utf8').split('\n')[0];
  for (const [name, texts] of Object.entries(HEAD_TEXTS)) {
    for (const text of texts) {
      const at = line.indexOf(text);
      assert.ok(at >= 0, `${text} is in heads.js`);
      for (const column of [at + 1, at + text.length]) assert.deepStrictEqual(pickedAt(column), [name], `column ${column} (${text}) picks ${name}`);
    }
  }
  const v8 = v8Columns();
  assert.strictEqual(Object.keys(v8).length, Object.keys(HEAD_TEXTS).length, 'V8 located every function');
  for (const [name, column] of Object.entries(v8)) assert.deepStrictEqual(pickedAt(column), [name], `V8's column ${column} picks ${name}`);
  const stack = stackColumns();
  assert.ok(Object.keys(stack).length >= 12, `stack columns of ${Object.keys(stack)}`);
  for (const [name, column] of Object.entries(stack)) assert.deepStrictEqual(pickedAt(column), [name], `the stack trace's column ${column} picks ${name}`);
});

test('-f at the columns V8 gives (DevTools, --cpu-prof): each selector profiles its own function, and the program prints the same', () => {
  const v8 = v8Columns();
  const { rows } = profiled('heads-main.js', Object.values(v8).map((c) => `min/heads.js:1:${c}`), path.join(DIR, 'min'));
  assert.deepStrictEqual(rows.map((r) => r.replace(/ heads\.js:1 \d+$/, '')).sort(), Object.keys(v8).sort(), rows.join('\n'));
});

test('-f file.js:line picks the function whose header starts on the line (the outermost), else the innermost around it', () => {
  const { parseSelector, selectFunctions } = require('../../dist/trace/selectors');
  const { parseSource, listFunctions } = require('../../dist/trace/instrument');
  const source = [
    'function handler(req, res) { return req.items.map((i) => i.name) }', // 1: handler, not its arrow
    'const names = (xs) =>', // 2: names (its header)
    '  xs.map(function each(x) {', // 3: each
    '    return x', // 4: inside each
    '  })', // 5: each ends here
    'class Box {', // 6: the constructor
    '  constructor(v) { this.v = v }', // 7
    '  get value() {', // 8: value
    '    return this.v', // 9
    '  }', // 10
    '}', // 11: none
  ].join('\n');
  const all = listFunctions(parseSource(source));
  const at = (line) => selectFunctions([parseSelector(`/x/app.js:${line}`)], '/x/app.js', all).map((f) => f.name);
  assert.deepStrictEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11].map(at), [['handler'], ['names'], ['each'], ['each'], ['each'], ['Box'], ['Box'], ['value'], ['value'], ['value'], []]);
});

test('a selector with a file that profiled nothing says what it found: no such file loaded, or the file but no such function, line or column', { skip: !requireEsm && 'this Node has no require(esm) (needs 20.19+)' }, () => {
  const cjs = profiled('main.cjs', ['lib/parse.js:4', 'lib/parse.js:99', 'lib/parse.js:1:70', 'lib/parse.js:nope', 'nosuch.js:parse', 'lib/**/*.js:nope', 'lib/util/*.mjs:*']);
  for (const line of [
    'memprof: --function lib/parse.js:4: lib/parse.js has no function at line 4',
    'memprof: --function lib/parse.js:99: lib/parse.js has no function at line 99',
    'memprof: --function lib/parse.js:1:70: lib/parse.js has no function at line 1, column 70',
    'memprof: --function lib/parse.js:nope: lib/parse.js has no function named nope',
    'memprof: --function nosuch.js:parse: no file matching nosuch.js among the 4 files the program loaded',
    'memprof: --function lib/**/*.js:nope: the files matching lib/**/*.js have no function named nope',
    'memprof: --function lib/util/*.mjs:*: no file matching lib/util/*.mjs among the 4 files the program loaded',
  ]) {
    assert.ok(cjs.stderr.split('\n').includes(line), `stderr says "${line}": ${cjs.stderr}`);
  }
  // A method named as a stack trace names it: the message says how selectors name it.
  const qualified = profiled('main.cjs', ['Object.parse', 'lib/parse.js:exports.twice']);
  assert.ok(qualified.stderr.includes('memprof: no function matching --function Object.parse in the 4 files the program loaded (a method is selected by its own name: --function parse)\n'), qualified.stderr);
  assert.ok(qualified.stderr.includes('lib/parse.js has no function named exports.twice (a method is selected by its own name: --function lib/parse.js:twice)\n'), qualified.stderr);
  const typescript = profiled('main.cjs', ['src/parse.ts:parse']);
  assert.ok(typescript.stderr.includes('memprof: --function src/parse.ts:parse: no file matching src/parse.ts among the 4 files the program loaded; a file compiled to JavaScript is selected by the .js file Node loads'), typescript.stderr);
  // An ES module: its load hooks run in Node's loader thread, which tells the main thread.
  const esm = profiled('main.mjs', ['lib/esm.mjs:nope', 'lib/esm.mjs:1:1']);
  assert.ok(esm.stderr.split('\n').includes('memprof: --function lib/esm.mjs:nope: lib/esm.mjs has no function named nope'), esm.stderr);
});

test('-f through a symbolic link (pnpm, workspaces, npm link): Node loads the real path, the selector names the link', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memprof-selectors-link-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.mkdirSync(path.join(dir, 'store', 'pkg', 'lib'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'store', 'pkg', 'lib', 'work.js'), 'function work(n) {\n  return n * 2;\n}\nmodule.exports = { work };\n');
  fs.mkdirSync(path.join(dir, 'node_modules'));
  try {
    fs.symlinkSync(path.join(dir, 'store', 'pkg'), path.join(dir, 'node_modules', 'pkg'), 'junction');
  } catch (err) {
    t.skip(`cannot make a symbolic link here: ${err.code}`);
    return;
  }
  fs.writeFileSync(path.join(dir, 'main.js'), "console.log(require('pkg/lib/work.js').work(21));\n");
  for (const selector of ['./node_modules/pkg/lib/work.js:work', path.join(dir, 'node_modules', 'pkg', 'lib', 'work.js:1'), './node_modules/pkg/lib/*.js:*', 'node_modules/pkg/**/*.js:work']) {
    const { rows, stderr } = profiled('main.js', [selector], dir);
    assert.deepStrictEqual(rows, [`work ${path.join('store', 'pkg', 'lib', 'work.js')}:1 1`], `${selector}: ${stderr}`);
  }
});

test('-f default: an anonymous `export default` function or class has the name V8 gives it', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memprof-selectors-default-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.writeFileSync(path.join(dir, 'f.mjs'), 'export default function (n) {\n  return n + 1;\n}\n');
  fs.writeFileSync(path.join(dir, 'c.mjs'), 'export default class {\n  constructor(n) {\n    this.n = n;\n  }\n}\n');
  fs.writeFileSync(path.join(dir, 'main.mjs'), "import f from './f.mjs';\nimport C from './c.mjs';\nconsole.log(f(1), f.name, new C(2).n, C.name);\n");
  assert.strictEqual(plain('main.mjs', dir), '2 default 2 default\n');
  assert.deepStrictEqual(profiled('main.mjs', ['default'], dir).rows.sort(), ['default c.mjs:2 1', 'default f.mjs:1 1']);
});

test('-f file.js:line on a header that starts a line before its function (a class for its constructor, `exports.make =`): profiled, and no "never called"', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memprof-selectors-head-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.writeFileSync(path.join(dir, 'box.js'), 'class Box {\n  constructor(v) {\n    this.v = [v];\n  }\n}\nexports.make =\n  function (v) { return new Box(v); };\n');
  fs.writeFileSync(path.join(dir, 'main.js'), "console.log(require('./box.js').make(3).v);\n");
  const { rows, stderr } = profiled('main.js', ['box.js:1', 'box.js:6'], dir);
  assert.deepStrictEqual(rows.sort(), ['Box box.js:2 1', 'make box.js:7 1']);
  assert.strictEqual(stderr, '', 'no message: both selectors profiled a function that ran');
});

test("-f 'lib/**/*.{js,mjs}:*': alternatives in braces, as a shell writes them (no file matched: the braces were literal)", { skip: !requireEsm && 'this Node has no require(esm) (needs 20.19+)' }, () => {
  const { rows, stderr } = profiled('main.cjs', ['lib/**/*.{js,mjs}:*']);
  assert.strictEqual(stderr, '');
  assert.ok(rows.includes('fmt lib/util/fmt.js:1 1') && rows.includes('parse lib/parse.js:1 1'), `the .js files are matched: ${rows}`);
  assert.ok(rows.some((r) => r.includes('lib/esm.mjs')), `and the .mjs one: ${rows}`);
  const unmatched = profiled('main.cjs', ['lib/**/*.{cjs,ts}:*']).stderr;
  assert.match(unmatched, /^memprof: --function lib\/\*\*\/\*\.\{cjs,ts\}:\*: no file matching lib\/\*\*\/\*\.\{cjs,ts\} among the \d+ files the program loaded$/m);
});
