'use strict';
// memory_profiler's best-known flaws (REFERENCE.md), each pinned by a test so it stays fixed.
// Nested and repeated calls (flaw 2), the spike inside one line (flaw 3) and children in the
// line table (flaw 7) are covered in api.test.js and cli.test.js.
const test = require('node:test');
const assert = require('node:assert');
const { memprof, MiB } = require('./helpers');

test('flaw 1: a loop that allocates on one pass and frees on the next gives no phantom increments', () => {
  // The heap backend: a full GC frees the arrays at once, so each effect lands on its line.
  const r = memprof(['--backend', 'heap', '--format', 'json', '-o', '-', 'churn.js']);
  assert.strictEqual(r.code, 0, r.stderr);
  const [fn] = JSON.parse(r.stdout).functions;
  const row = (text) => fn.lines.find((l) => l.source.includes(text));

  assert.strictEqual(row('for (let i').occurrences, 7);
  const alloc = row('new Array');
  const free = row('held = null; gc()');
  const idle = row('const label');
  assert.deepStrictEqual([alloc.occurrences, free.occurrences, idle.occurrences], [6, 3, 6]);
  // Three 32 MiB arrays allocated, three freed, on the lines that did it.
  assert.ok(alloc.increment / MiB > 90 && alloc.increment / MiB < 102, `alloc ${alloc.increment / MiB} MiB`);
  assert.ok(free.increment / MiB < -60, `free ${free.increment / MiB} MiB`);
  // memory_profiler charges this line against the previous line's maximum: -32 MiB a pass.
  assert.ok(Math.abs(idle.increment) < MiB, `idle line ${idle.increment / MiB} MiB`);
});
