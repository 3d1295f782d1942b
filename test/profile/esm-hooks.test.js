'use strict';
// -f and Node's ES module hooks: they run in a thread of their own (module.register, about
// 0.2 s and 11 MiB), started only when the program may load an ES module. However a program
// reaches one, its selected functions are profiled; a CommonJS-only program has no such thread.
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { memprof, FIXTURES } = require('./helpers');
const { mayLoadEsModules } = require('../../dist/trace/esm-syntax');

const DIR = path.join(FIXTURES, 'esm-hooks');
const requireEsm = process.features.require_module === true;
// Node 22.15+: module hooks in the thread itself, started at once (no thread to spare).
const inThreadHooks = typeof require('node:module').registerHooks === 'function';

/** The program under node and under memprof -f: same output; the profiled functions as "name file:line calls", and Node's thread count. */
function profiled(args, selectors, cwd = DIR) {
  const plain = spawnSync(process.execPath, args, { cwd, encoding: 'utf8', timeout: 60000 });
  assert.strictEqual(plain.status, 0, plain.stderr);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memprof-esm-hooks-'));
  const out = path.join(dir, 'report.json');
  try {
    const r = memprof([...selectors.flatMap((s) => ['-f', s]), '--format', 'json', '-o', out, ...args], { cwd });
    assert.strictEqual(r.code, 0, r.stderr);
    assert.strictEqual(r.stdout, plain.stdout, 'the program prints the same profiled');
    const doc = JSON.parse(fs.readFileSync(out, 'utf8'));
    const threads = /^threads (\d+)$/m.exec(r.stderr);
    return {
      stderr: r.stderr,
      rows: doc.functions.map((f) => `${f.name} ${path.relative(cwd, f.file)}:${f.line} ${f.calls}`),
      threads: threads ? Number(threads[1]) : null,
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test('a CommonJS-only program runs without the ES module hooks thread; one that imports has it', () => {
  const cjs = profiled(['cjs.js'], ['lib.cjs:build', 'lib.mjs:build']);
  assert.deepStrictEqual(cjs.rows, ['build lib.cjs:1 1']);
  const esm = profiled(['main.js', 'import'], ['lib.cjs:build', 'lib.mjs:build']);
  assert.deepStrictEqual(esm.rows, ['build lib.mjs:1 1']);
  if (inThreadHooks) assert.strictEqual(esm.threads, cjs.threads, `in-thread hooks: no thread for them (${cjs.threads} and ${esm.threads} besides the main one)`);
  else assert.strictEqual(esm.threads, cjs.threads + 1, `threads besides the main one: ${cjs.threads} for CommonJS only, ${esm.threads} with an import() (the hooks thread)`);
});

test('every way a CommonJS program reaches an ES module: the selected function is profiled', () => {
  const ways = [
    ['import', 'lib.mjs:build', 'build lib.mjs:1 1'],
    ['import', 'build', 'build lib.mjs:1 1'], // by name only
    ['typed', 'lib.js:build', 'build typed/lib.js:1 1'], // a .js of a "type": "module" package
    ['function', 'build', 'build lib.mjs:1 1'], // import() in text given to new Function
    ['worker', 'lib.mjs:build', 'build lib.mjs:1 1'], // import() in a CommonJS worker
    ['worker-import', 'lib.mjs:build', 'build lib.mjs:1 1'], // --import in a worker's execArgv
  ];
  if (requireEsm) {
    ways.push(['require-esm', 'lib.mjs:build', 'build lib.mjs:1 1']); // require(esm)
    ways.push(['require-ambiguous', 'lib.js:build', 'build ambiguous/lib.js:1 1']); // ES module syntax in a .js of no type
  }
  for (const [mode, selector, row] of ways) {
    assert.deepStrictEqual(profiled(['main.js', mode], [selector]).rows, [row], `${mode}, -f ${selector}`);
  }
  // A .cjs file is CommonJS whatever its package says, and may still import().
  assert.deepStrictEqual(profiled(['imports.cjs'], ['lib.mjs:build']).rows, ['build lib.mjs:1 1'], 'import() in a .cjs file');
});

test('an import() built from pieces at run time: -f says it did not search that module, and MEMPROF_ESM_HOOKS=1 does (Node 20)', () => {
  const missed = profiled(['built-import.js'], ['build']);
  if (inThreadHooks) {
    assert.deepStrictEqual(missed.rows, ['build lib.mjs:1 1'], "Node's in-thread hooks run from the start: nothing to miss");
    return;
  }
  assert.deepStrictEqual(missed.rows, []);
  assert.match(missed.stderr, /^memprof: no function matching --function build in the 1 file the program loaded$/m);
  assert.match(missed.stderr, /^memprof: the program loaded ES modules through code memprof never read \(lib\.mjs\): -f did not search them; run again with MEMPROF_ESM_HOOKS=1$/m);
  const env = { ...process.env, MEMPROF_ESM_HOOKS: '1' };
  const found = memprof(['-f', 'build', '--format', 'json', '-o', '-', 'built-import.js'], { cwd: DIR, env });
  assert.strictEqual(found.code, 0, found.stderr);
  const doc = JSON.parse(found.stdout.slice(found.stdout.indexOf('{')));
  assert.deepStrictEqual(doc.functions.map((f) => `${f.name} ${f.calls}`), ['build 1'], 'with MEMPROF_ESM_HOOKS=1 the module is searched');
});

test("the imports of an ES module loaded by require(): profiled, or -f says it could not search them", { skip: !requireEsm && 'this Node has no require(esm) (needs 20.19+)' }, () => {
  // Node 20 links them without module hooks; a Node that runs the hooks there profiles build.
  const r = profiled(['main.js', 'require-esm-graph'], ['build']);
  if (r.rows.length === 0) {
    assert.match(r.stderr, /^memprof: -f did not search ES modules Node loaded without memprof's hooks \(lib\.mjs\): --import modules, or imports of an ES module loaded by require\(\) \(import\(\) it to search them\)$/m);
  } else assert.deepStrictEqual(r.rows, ['build lib.mjs:1 1']);
  // A selector whose file is none of them says nothing of them.
  assert.doesNotMatch(profiled(['main.js', 'require-esm-graph'], ['other.js:build']).stderr, /did not search/);
});

test('ES module entries: .mjs, a "type": "module" package, and ES module syntax in a .js of no type', () => {
  assert.deepStrictEqual(profiled(['entry.mjs'], ['build']).rows, ['build lib.mjs:1 1']);
  assert.deepStrictEqual(profiled(['typed/main.js'], ['lib.js:build']).rows, ['build typed/lib.js:1 1']);
  if (requireEsm) assert.deepStrictEqual(profiled(['ambiguous/main.js'], ['lib.js:build']).rows, ['build ambiguous/lib.js:1 1']);
});

test('require(esm) of marked (an ES module with its source map): its lexer is profiled', { skip: !requireEsm && 'this Node has no require(esm) (needs 20.19+)' }, (t) => {
  let markedDir;
  try {
    markedDir = path.dirname(require.resolve('marked/package.json', { paths: [path.join(__dirname, '..', '..')] }));
  } catch {
    t.skip('marked is not installed (a dev dependency: npm install)');
    return;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memprof-esm-hooks-marked-'));
  try {
    // The package's exports give require() its CommonJS build; the ES module file by its path.
    fs.writeFileSync(
      path.join(dir, 'app.js'),
      `const { marked } = require(${JSON.stringify(path.join(markedDir, 'lib', 'marked.esm.js'))});\nconsole.log(marked.parse('# Title\\n\\nSome *text*.\\n').length);\n`,
    );
    const { rows } = profiled(['app.js'], ['marked.esm.js:lex'], dir);
    assert.ok(rows.some((r) => /^lex .*Lexer\.ts:\d+ [1-9]/.test(r)), `marked's Lexer.lex was profiled (rows read its source map): ${rows}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

// What is code, a string or a comment is code-text.ts's lexer, tested in code-text.test.js.
test('mayLoadEsModules: syntax in code counts; in comments, and in strings of a file that evaluates no text, it does not', () => {
  const yes = [
    "const m = import('./lib.mjs');",
    'import { a } from "./a.js";',
    "import './side-effect.js';",
    'export default 1;',
    'export { a };',
    'const u = import.meta.url;',
    "// import('y')\nconst s = 'import(x)'; import('z');", // the first candidate in code, after some that are not
    "const load = new Function('s', 'return import(s)');", // text the file evaluates
    'vm.runInThisContext(code, { importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER });',
  ];
  const no = [
    '// import("y")\nx();',
    "/* import x from 'y' */ x();",
    "x.import('y');", // a method
    'const o = { import: 1, export: 2 };', // keys
    "const s = 'export default';",
    "throw new Error('Trailing comma is not allowed in import()');",
    "const text = `import(${JSON.stringify(m)})`;", // code printed, not run
    'const importer = 1; exporter(2);',
  ];
  for (const source of yes) assert.strictEqual(mayLoadEsModules(source), true, `may load an ES module: ${source}`);
  for (const source of no) assert.strictEqual(mayLoadEsModules(source), false, `loads none: ${source}`);
});

test("acorn's and typescript's own files need no hooks: they name import() only in messages and printed code", () => {
  const root = path.join(__dirname, '..', '..');
  const acorn = require.resolve('acorn', { paths: [root] }).replace(/acorn\.mjs$/, 'acorn.js');
  assert.strictEqual(mayLoadEsModules(fs.readFileSync(acorn, 'utf8')), false, 'acorn.js');
  let typescript;
  try {
    typescript = require.resolve('typescript', { paths: [root] });
  } catch {
    return; // a dev dependency
  }
  assert.strictEqual(mayLoadEsModules(fs.readFileSync(typescript, 'utf8')), false, 'typescript.js');
});
