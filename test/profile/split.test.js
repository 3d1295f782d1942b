'use strict';
// The heap/external/other split of every row: accuracy on lines that each allocate about
// 100 MiB of one kind, and the columns the reports show.
const test = require('node:test');
const assert = require('node:assert');
const { memprof, parseTable, MiB } = require('./helpers');
const { tryAddon } = require('../../dist/native');

const native = tryAddon() !== null;
let resvg = null;
try {
  require.resolve('@resvg/resvg-js');
  require('@resvg/resvg-js');
  resvg = true;
} catch (err) {
  resvg = `@resvg/resvg-js does not load here (${err.message.split('\n')[0]})`;
}

const rowOf = (fn, text) => {
  const row = fn.lines.find((l) => l.source.includes(text));
  assert.ok(row, `a row quoting ${text}`);
  return row;
};
const mib = (bytes) => bytes / MiB;
// grows.js prints a line of its own before the report.
const jsonReport = (stdout) => JSON.parse(stdout.slice(stdout.indexOf('{')));

test('each kind of allocation lands in its own figure, within 10% of 100 MiB', { skip: !native ? 'needs the native addon' : resvg !== true && resvg }, () => {
  const r = memprof(['--format', 'json', '-o', '-', 'kinds.js']);
  assert.strictEqual(r.code, 0, r.stderr);
  const fn = JSON.parse(r.stdout).functions[0];
  const kinds = (row) => {
    const heap = mib(row.heapIncrement);
    const external = mib(row.externalIncrement);
    return { rss: mib(row.increment), heap, external, other: mib(row.increment) - heap - external };
  };
  const expect = [
    ['Buffer.alloc', 'external'],
    ['new Array(8192)', 'heap'],
    ['resvg.render()', 'other'],
  ];
  for (const [text, kind] of expect) {
    const k = kinds(rowOf(fn, text));
    const shown = JSON.stringify(Object.fromEntries(Object.entries(k).map(([n, v]) => [n, +v.toFixed(1)])));
    assert.ok(Math.abs(k[kind] - 100) <= 10, `${text}: ${kind} should be 100 MiB ± 10%, measured ${shown}`);
    for (const otherKind of ['heap', 'external', 'other']) {
      if (otherKind === kind) continue;
      // The heap row's RSS also holds young-generation pages V8 committed for the copying
      // collector (about 10-25 MiB): "other", by definition. Only that one is let through.
      if (kind === 'heap' && otherKind === 'other') continue;
      assert.ok(Math.abs(k[otherKind]) <= 10, `${text}: ${otherKind} should be near 0 (under 10 MiB), measured ${shown}`);
    }
    assert.ok(k[kind] > k.rss * 0.75, `${text}: ${kind} should be most of the RSS increment, measured ${shown}`);
  }
  // The header row (whole calls) carries the split too.
  const header = fn.lines[0];
  assert.ok(mib(header.heapIncrement) > 90 && mib(header.externalIncrement) > 90, `header row heap and external, measured ${JSON.stringify(header)}`);
});

test('text: Heap and External after Increment, readable at 100 columns; --columns and --no-split', { skip: !native && 'needs the native addon' }, () => {
  const r = memprof(['grows.js']);
  assert.strictEqual(r.code, 0, r.stderr);
  const header = r.stdout.split('\n').find((l) => l.startsWith('Line #'));
  assert.match(header, /Mem usage\s+Increment\s+Heap\s+External\s+Peak\s+Occurrences\s+Line Contents/);
  assert.ok(header.indexOf('Line Contents') <= 76, `figures take at most 76 columns, leaving source room at 100: ${header}`);
  const rows = parseTable(r.stdout);
  const executed = Object.values(rows).filter((row) => row.occ > 0);
  assert.ok(executed.length > 0 && executed.every((row) => typeof row.heap === 'number' && typeof row.ext === 'number'), `every executed row has heap and external: ${JSON.stringify(rows)}`);

  const picked = memprof(['--columns', 'other,increment', 'grows.js']);
  assert.strictEqual(picked.code, 0, picked.stderr);
  assert.match(picked.stdout, /^Line #\s+Increment\s+Other\s+Line Contents$/m, 'columns print in table order');

  const plain = memprof(['--no-split', 'grows.js']);
  assert.match(plain.stdout, /^Line #    Mem usage    Increment         Peak  Occurrences   Line Contents$/m, "memory_profiler's layout");
  const json = jsonReport(memprof(['--no-split', '--format', 'json', '-o', '-', 'grows.js']).stdout);
  assert.ok(json.functions[0].lines.every((l) => !('heapIncrement' in l)), 'no split fields without the split');

  const bad = memprof(['--columns', 'mem,heep', 'grows.js']);
  assert.strictEqual(bad.code, 2, bad.stderr);
  assert.match(bad.stderr, /unknown column "heep": choose from mem, increment, heap, external, other, peak, occurrences/);
  assert.strictEqual(bad.stderr.trim().split('\n').length, 1, `one line: ${bad.stderr}`);
});

test('markdown and JSON carry the split', { skip: !native && 'needs the native addon' }, () => {
  const md = memprof(['--format', 'markdown', 'grows.js']);
  assert.match(md.stdout, /^\| Line # \| Mem usage \| Increment \| Heap \| External \| Peak \| Occurrences \| Line Contents \|$/m);
  assert.match(md.stdout, /^\|---:\|---:\|---:\|---:\|---:\|---:\|---:\|:---\|$/m);
  const json = jsonReport(memprof(['--format', 'json', '-o', '-', 'grows.js']).stdout);
  for (const l of json.functions[0].lines) {
    if (l.occurrences === 0) assert.ok(l.heapIncrement === null && l.externalIncrement === null, `unexecuted row: ${JSON.stringify(l)}`);
    else assert.ok(Number.isFinite(l.heapIncrement) && Number.isFinite(l.externalIncrement), `executed row: ${JSON.stringify(l)}`);
  }
});
