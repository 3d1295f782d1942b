'use strict';
// memit: peak and increment over exactly `repeat` runs, sync and async.
const test = require('node:test');
const assert = require('node:assert');
const { spawnSync } = require('node:child_process');
const { memit } = require('../../dist/measure/memit.js');
const { inWorker } = require('./helpers.js');

const MiB = 1024 * 1024;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const within5Percent = (bytes, expected) => Math.abs(bytes - expected) <= 0.05 * expected;

test('a synchronous 100 MiB allocation: run once, increment within 5%', async () => {
  let runs = 0;
  const r = await memit(() => {
    runs++;
    return Buffer.alloc(100 * MiB, 1).length;
  });
  assert.strictEqual(runs, 1);
  assert.ok(within5Percent(r.increment, 100 * MiB), `increment ${r.increment / MiB} MiB`);
  assert.strictEqual(r.peak - r.before, r.increment);
  assert.deepStrictEqual(r.peaks, [r.peak]);
});

test('the split: a Buffer raises external memory, an array the heap', async () => {
  const buffer = await memit(() => Buffer.alloc(64 * MiB, 1).length);
  assert.ok(within5Percent(buffer.externalIncrement, 64 * MiB), `Buffer: external ${buffer.externalIncrement / MiB} MiB`);
  assert.ok(Math.abs(buffer.heapIncrement) < 2 * MiB, `Buffer: heap ${buffer.heapIncrement / MiB} MiB`);
  const array = await memit(() => new Array(8 * MiB).fill(0.5).length);
  assert.ok(array.heapIncrement >= 60 * MiB, `array: heap ${array.heapIncrement / MiB} MiB`);
  assert.ok(Math.abs(array.externalIncrement) < 2 * MiB, `array: external ${array.externalIncrement / MiB} MiB`);
});

test('an asynchronous 100 MiB allocation is awaited: run once, increment within 5%', async () => {
  let runs = 0;
  let settled = false;
  const r = await memit(async () => {
    runs++;
    await sleep(20);
    const held = Buffer.alloc(100 * MiB, 1);
    await sleep(20);
    settled = true;
    return held.length;
  });
  assert.strictEqual(runs, 1);
  assert.ok(settled, 'awaited');
  assert.ok(within5Percent(r.increment, 100 * MiB), `increment ${r.increment / MiB} MiB`);
});

test('repeat runs exactly N times, one after the other; the peak is the highest run', async () => {
  let running = 0;
  let runs = 0;
  const r = await memit(
    async () => {
      assert.strictEqual(running++, 0, 'runs do not overlap');
      runs++;
      const held = Buffer.alloc(40 * MiB, 1);
      await sleep(5);
      running--;
      return held.length;
    },
    { repeat: 4 },
  );
  assert.strictEqual(runs, 4);
  assert.strictEqual(r.peaks.length, 4);
  assert.strictEqual(r.peak, Math.max(...r.peaks));
  // Each run starts after a collection: garbage of earlier runs does not pile up.
  assert.ok(Math.abs(r.increment - 40 * MiB) < 4 * MiB, `increment ${r.increment / MiB} MiB`);
});

test("what a run returns is not held into the next run (repeat of a function returning its buffer)", async () => {
  const r = await memit(() => Buffer.alloc(50 * MiB, 1), { repeat: 3 });
  // Were the first run's buffer still resident, later runs would peak near 100 MiB.
  assert.ok(within5Percent(r.increment, 50 * MiB), `increment ${r.increment / MiB} MiB, peaks ${r.peaks.map((p) => ((p - r.before) / MiB).toFixed(1))}`);
});

test('a spike freed before the function returns is still the peak', async () => {
  const r = await memit(() => {
    let spike = Buffer.alloc(120 * MiB, 1);
    spike[1] = 3;
    spike = null;
    return 0;
  });
  assert.ok(r.increment > 0.95 * 120 * MiB, `increment ${r.increment / MiB} MiB`);
});

test('includeChildren counts a child process that came and went during the run', async () => {
  const child = () =>
    spawnSync(process.execPath, ['-e', 'Buffer.alloc(80 * 1024 * 1024, 1); setTimeout(() => {}, 200)']).status;
  const alone = await memit(child);
  const withChildren = await memit(child, { includeChildren: true });
  assert.ok(alone.increment < 20 * MiB, `without children ${alone.increment / MiB} MiB`);
  assert.ok(withChildren.increment > 80 * MiB, `with children ${withChildren.increment / MiB} MiB`);
});

test("errors propagate, sync and async, and a run that failed is not repeated", async () => {
  let runs = 0;
  await assert.rejects(memit(() => { runs++; throw new TypeError('bad'); }, { repeat: 3 }), { name: 'TypeError', message: 'bad' });
  assert.strictEqual(runs, 1);
  await assert.rejects(memit(async () => { await sleep(5); throw new Error('late'); }), /late/);
});

test('bad arguments are TypeErrors or RangeErrors', async () => {
  await assert.rejects(memit('x'), /memit needs a function/);
  await assert.rejects(memit(() => 1, { repeat: 0 }), RangeError);
  await assert.rejects(memit(() => 1, { repeat: 1.5 }), RangeError);
  await assert.rejects(memit(() => 1, { interval: 0 }), RangeError);
  await assert.rejects(memit(() => 1, { includeChildren: 'yes' }), TypeError);
  await assert.rejects(memit(() => 1, { repeats: 2 }), /unknown memit option "repeats"/);
});

test('memit works inside a worker thread', async () => {
  const r = await inWorker(`
    const { memit } = require(dist + '/measure/memit.js');
    return memit(() => Buffer.alloc(100 * 1024 * 1024, 1).length, { repeat: 2 });
  `);
  assert.strictEqual(r.peaks.length, 2);
  assert.ok(within5Percent(r.increment, 100 * MiB), `increment ${r.increment / MiB} MiB`);
});
