'use strict';
// memprof app.ts: TypeScript runs with its types stripped (Node's own stripper, or amaro),
// and the rows name the .ts lines as written.
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { memprof, parseTable, FIXTURES } = require('./helpers');

function checkRows(r, file) {
  assert.strictEqual(r.code, 0, r.stderr);
  assert.match(r.stdout, /^rows 1000$/m, 'the program ran');
  assert.match(r.stdout, new RegExp(`^Filename: ${file.replace('.', '\\.')}$`, 'm'));
  const rows = parseTable(r.stdout, 'build');
  assert.strictEqual(rows[3].source, 'function build(n: number): Row[] {', 'line 3 shows the TypeScript as written');
  assert.strictEqual(rows[5].occ, 1001, 'the loop line is line 5 of the .ts file');
  assert.match(rows[6].source, /new Array<number>\(4_000_000\)/);
  assert.ok(rows[6].inc > 25, `line 6 keeps 30 MiB: ${rows[6].inc} MiB`);
}

test('memprof app.ts (CommonJS): rows name the .ts lines, with the types as written', () => {
  checkRows(memprof(['typed.ts']), 'typed.ts');
});

test('memprof app.mts (an ES module)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memprof-mts-'));
  try {
    fs.copyFileSync(path.join(FIXTURES, 'typed.ts'), path.join(dir, 'typed.mts'));
    checkRows(memprof(['typed.mts'], { cwd: dir }), 'typed.mts');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a .ts of no package type with ES module syntax runs as an ES module, as node 22 runs it (imported, required, as the entry)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memprof-ts-esm-'));
  try {
    assert.ok(!fs.existsSync(path.join(os.tmpdir(), 'package.json')), 'no package.json above the folder gives the files a type');
    fs.writeFileSync(path.join(dir, 'lib.ts'), 'export function hi(n: number): number {\n  const s: string = String(n + 1);\n  return Number(s);\n}\n');
    fs.writeFileSync(path.join(dir, 'entry.ts'), 'import { hi } from "./lib.ts";\nexport const x: number = hi(1);\nconsole.log("imported", x);\n');
    fs.writeFileSync(path.join(dir, 'requires.ts'), 'const lib = require("./lib.ts");\nconsole.log("required", lib.hi(2));\n');
    for (const [file, printed] of [['entry.ts', 'imported 2'], ['requires.ts', 'required 3']]) {
      const plain = memprof([file], { cwd: dir });
      assert.strictEqual(plain.code, 0, `${file}: ${plain.stderr}`);
      assert.strictEqual(plain.stdout, `${printed}\n`, `${file}: the program ran once and printed its line`);
      const r = memprof(['-f', 'lib.ts:hi', file], { cwd: dir });
      assert.strictEqual(r.code, 0, `${file} -f: ${r.stderr}`);
      assert.match(r.stdout, new RegExp(`^${printed}$`, 'm'), `${file} -f: the program ran`);
      const rows = parseTable(r.stdout, 'hi');
      assert.strictEqual(rows[2].occ, 1, `${file} -f: line 2 of lib.ts ran once`);
      assert.strictEqual(rows[2].source, '  const s: string = String(n + 1);', `${file} -f: rows show the .ts text`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('TypeScript that needs a compile step (enum): one line saying so, exit 1', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memprof-enum-'));
  try {
    fs.writeFileSync(path.join(dir, 'enum.ts'), 'enum Color { Red }\nconsole.log(Color.Red);\n');
    const r = memprof(['enum.ts'], { cwd: dir });
    assert.strictEqual(r.code, 1);
    assert.match(r.stderr, /enum\.ts: TypeScript enum is not supported in strip-only mode \(only erasable TypeScript runs without a compile step/);
    assert.strictEqual(r.stdout, '');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('memprof -r ts-node/register app.ts: the loader compiles, rows name the .ts lines', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memprof-tsnode-'));
  try {
    fs.copyFileSync(path.join(FIXTURES, 'typed.ts'), path.join(dir, 'typed.ts'));
    fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'commonjs', target: 'es2022', types: [] } }));
    fs.symlinkSync(path.join(__dirname, '..', '..', 'node_modules'), path.join(dir, 'node_modules'), 'dir');
    const r = memprof(['-r', 'ts-node/register', 'typed.ts'], { cwd: dir, env: { ...process.env, TS_NODE_TRANSPILE_ONLY: '1' } });
    checkRows(r, 'typed.ts');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('-r with a module that is not installed: one line, exit 2', () => {
  const r = memprof(['-r', 'no-such-register-module', 'typed.ts']);
  assert.strictEqual(r.code, 2);
  assert.match(r.stderr, /^memprof: cannot find module no-such-register-module for -r \(is it installed in .*\?\)\n$/);
});
