'use strict';
// Big files: -f name finds its functions without parsing the whole file. Checked against the
// full parse on real files: the same functions, none more.
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const { parseSource, listFunctions } = require('../../dist/trace/instrument');
const { findFunctionsByName } = require('../../dist/trace/find-by-name');

test('found by name = selected by the full parse, for every named function of acorn.js and commander', () => {
  for (const file of [require.resolve('acorn').replace(/acorn\.mjs$/, 'acorn.js'), require('node:path').join(require.resolve('commander'), '..', 'lib', 'command.js')]) {
    const source = fs.readFileSync(file, 'utf8');
    const all = listFunctions(parseSource(source, false));
    const names = [...new Set(all.map((f) => f.name).filter((n) => /^[A-Za-z_$][\w$]*$/.test(n)))];
    let compared = 0;
    for (const name of names) {
      const fast = findFunctionsByName(source, name);
      if (fast === null) continue;
      compared++;
      const starts = (fns) => fns.map((f) => f.node.start).sort((a, b) => a - b);
      assert.deepStrictEqual(starts(fast), starts(all.filter((f) => f.name === name)), `${file}: ${name}`);
    }
    assert.ok(compared > 100, `${compared} names compared in ${file}`);
  }
});

test('names in strings, comments, templates and regular expressions are not functions', () => {
  const source = [
    'const s = "function fake() {}";',
    '// function fake() {}',
    'const t = `${1} function fake() {} ${2}`;',
    'const r = /function fake() {}/;',
    'const c = x ? fake : (y) => y;',
    'function real() { return 1 }',
    'const o = { fake2: () => 2, real2(a) { return a } };',
  ].join('\n');
  assert.deepStrictEqual(findFunctionsByName(source, 'fake'), []);
  assert.deepStrictEqual(findFunctionsByName(source, 'real').map((f) => f.line), [6]);
  assert.deepStrictEqual(findFunctionsByName(source, 'fake2').map((f) => f.node.type), ['ArrowFunctionExpression']);
  assert.deepStrictEqual(findFunctionsByName(source, 'real2').map((f) => f.line), [7]);
});
