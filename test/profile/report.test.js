'use strict';
const test = require('node:test');
const assert = require('node:assert');
const { formatFunctionMarkdown } = require('../../dist/report');

/** The code span of each row's Line Contents cell, as a CommonMark reader delimits it. */
function contents(md) {
  return md
    .split('\n')
    .filter((l) => /^\| \d+ \|/.test(l))
    .map((l) => l.slice(l.lastIndexOf(' | ') + 3, -2));
}

function codeSpan(cell) {
  const m = /^(`+)( ?)([\s\S]*?)\2\1$/.exec(cell);
  assert.ok(m, `a code span: ${cell}`);
  // The fence is longer than every backtick run inside, so nothing closes it early.
  for (const run of m[3].match(/`+/g) ?? []) assert.notStrictEqual(run.length, m[1].length, cell);
  return m[3].replace(/\u00a0/g, ' ').replace(/\\\|/g, '|');
}

test('markdown: lines with backticks (template literals) keep one code span each', () => {
  const sources = ['  const s = `a${b}`', '  return ``', '`x`', '  a || b', '  const c = ```'];
  const fn = {
    name: 'tmpl',
    file: '/x.js',
    line: 1,
    calls: 1,
    lines: sources.map((source, i) => ({ line: i + 1, source, occurrences: 1, mem: 0, increment: 0, peak: 0 })),
  };
  assert.deepStrictEqual(contents(formatFunctionMarkdown(fn)).map(codeSpan), sources);
});
