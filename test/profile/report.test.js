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

test('text with the split: a column widens for a wide figure, so every row stays aligned', () => {
  const { formatFunctionText } = require('../../dist/report');
  const MiB = 1024 * 1024;
  const row = (line, source, increment, heap) => ({
    line, source, occurrences: 1, mem: 2048 * MiB, increment, peak: 2048 * MiB, heapIncrement: heap, externalIncrement: 0,
  });
  const fn = {
    name: 'wide',
    file: '/x.js',
    line: 1,
    calls: 1,
    lines: [row(1, 'function wide() {', 0, 0), row(2, '  free();', -1500 * MiB, -1400.25 * MiB), { line: 3, source: '}', occurrences: 0, mem: null, increment: null, peak: null, heapIncrement: null, externalIncrement: null }],
  };
  const lines = formatFunctionText(fn, 2).split('\n');
  const header = lines[2];
  const at = header.indexOf('Line Contents');
  assert.ok(lines[5].includes('-1500.00 MiB') && lines[5].includes('-1400.25 MiB'), lines.join('\n'));
  assert.strictEqual(lines[5].indexOf('  free();'), at, `the source starts under its title:\n${lines.join('\n')}`);
  assert.strictEqual(lines[3], '='.repeat(header.length));
  const heapEnd = header.indexOf('Heap') + 'Heap'.length;
  assert.strictEqual(lines[5].indexOf('-1400.25 MiB') + '-1400.25 MiB'.length, heapEnd, 'figures right-aligned under their title');
});

test('html: a line is marked as grown (red) only when its shown increment is above 0.0 MiB', () => {
  const { formatFunctionHtml } = require('../../dist/report/html');
  const MiB = 1024 * 1024;
  const row = (line, increment) => ({ line, source: `x${line}();`, occurrences: 1, mem: 100 * MiB, increment, peak: 100 * MiB });
  const html = formatFunctionHtml({ name: 'f', file: 'a.js', line: 1, calls: 1, lines: [row(1, 3 * MiB), row(2, 4096), row(3, -4096), row(4, 0.06 * MiB)] });
  const grown = [...html.matchAll(/<tr class="grew">.*?<code>(x\d)\(\);/g)].map((m) => m[1]);
  assert.deepStrictEqual(grown, ['x1', 'x4'], `rows marked grown: ${grown} (4 KiB prints as 0.0 MiB, 0.06 MiB as 0.1 MiB)`);
});
