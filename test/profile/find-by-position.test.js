'use strict';
// Big files: -f file.js:line and file.js:line:column find their function without parsing the
// whole file. Checked against the full parse on real files and on the forms that could fool
// a reading of the statements around a place: the same function at every line and column.
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');
const { parseSource, listFunctions } = require('../../dist/trace/instrument');
const { functionAt, functionOfLine } = require('../../dist/trace/pick-function');
const { findFunctionAt, forgetBrackets } = require('../../dist/trace/find-by-position');
const { forgetScan } = require('../../dist/trace/find-by-name');

/** Compares every `lineStep`-th line (and every `columnStep`-th column of it) with the full parse's pick. */
function compare(source, module, lineStep, columnStep) {
  const all = listFunctions(parseSource(source, module));
  const lines = source.split(/\r\n|[\n\r\u2028\u2029]/);
  const name = (f) => (f ? `${f.name}@${f.node.start}-${f.node.end}` : 'none');
  let compared = 0;
  try {
    for (let line = 1; line <= lines.length; line += lineStep) {
      const columns = columnStep ? lines[line - 1].split('').map((_, c) => c).filter((c) => c % columnStep === 0) : [];
      for (const column of [undefined, ...columns]) {
        const fast = findFunctionAt(source, line, column, module);
        assert.notStrictEqual(fast, null, `line ${line} column ${column}: found alone`);
        const full = column === undefined ? functionOfLine(all, line) : functionAt(all, line, column);
        assert.strictEqual(name(fast), name(full), `line ${line} column ${column}: ${lines[line - 1].slice(0, 80)}`);
        if (fast) assert.deepStrictEqual(fast.head, full.head, `line ${line} column ${column}: the header of ${full.name}`);
        compared++;
      }
    }
  } finally {
    forgetScan();
    forgetBrackets();
  }
  return compared;
}

test('by line and column = the full parse: commander (a class of 2,000 lines), acorn as a script and as a module', () => {
  const commander = path.join(require.resolve('commander'), '..', 'lib', 'command.js');
  assert.ok(compare(fs.readFileSync(commander, 'utf8'), false, 37, 29) > 150, 'positions compared in command.js');
  const acornDir = path.dirname(require.resolve('acorn'));
  assert.ok(compare(fs.readFileSync(path.join(acornDir, 'acorn.js'), 'utf8'), false, 211, 0) > 25, 'lines compared in acorn.js (its lines outside any function but its wrapper select the wrapper, parsed whole)');
  assert.ok(compare(fs.readFileSync(path.join(acornDir, 'acorn.mjs'), 'utf8'), true, 53, 0) > 100, 'lines compared in acorn.mjs');
});

test('by line and column = the full parse on forms that could mislead: else, do-while, switch, labels, with, classes, objects, brackets in strings, comments, templates and regular expressions', () => {
  const source = [
    "'use strict';",
    'const re = /[{(]/g, s = "{ ( [", t = `a ${ (() => "}")() } b`; // { (',
    'function a(x) { if (x) b(x); else c = function named(y) {',
    '  return y; }; do x--; while (x > 0)',
    '  switch (x) { case 1: { const f = () => 1; break; } default: return [1].map((v) =>',
    '    v * 2) }',
    '}',
    'outer: for (const k of [1]) { inner: { const g = function () { return k }; break inner } }',
    'class K extends Object { static s = () => 1; #p = 2; constructor() { super(); this.h = { m() { return 1 }, n: (z) => z } }',
    '  get v() { return this.#p } static { this.w = function () {} } }',
    'const obj = { async *gen() { yield 1 }, "q s"(a = () => 2) { return a } };',
    'exports.x = exports.y = async (p) => { await p; /* } */ return p };',
    'let last = (u) =>',
    '  u + 1;',
  ].join('\n');
  assert.ok(compare(source, false, 1, 1) > 500, 'every position compared');
  const sloppy = ['var o = { a: 1 };', 'with (o) { var f = function () { return a } }', 'function h() { return f() }'].join('\n');
  assert.ok(compare(sloppy, false, 1, 1) > 80, 'every position compared in sloppy code with `with`');
  const esm = ['import fs from "node:fs";', 'export function read(p) { return fs.readFileSync(p) }', 'export default class { run() { return () => read(1) } }', 'export const w = (a) => a;'].join('\n');
  assert.ok(compare(esm, true, 1, 1) > 100, 'every position compared in a module');
});
