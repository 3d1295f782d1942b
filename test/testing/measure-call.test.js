'use strict';
// The shared measurement primitive: one run of a function, before/after/peak figures.
const test = require('node:test');
const assert = require('node:assert');
const { measureCall, measureCallSync, collectGarbage } = require('../../dist/measure/measure-call.js');

const MiB = 1024 * 1024;

test('a 64 MiB array kept by the result shows in heap and RSS', async () => {
  const m = await measureCall(() => new Array(8 * MiB).fill(1.5)); // 8 Mi doubles = 64 MiB
  assert.strictEqual(m.result.length, 8 * MiB);
  assert.ok(m.heapAfter - m.heapBefore > 60 * MiB, `heap grew ${m.heapAfter - m.heapBefore}`);
  assert.ok(m.peakHeap >= m.heapAfter);
  assert.ok(m.rssAfter - m.rssBefore > 50 * MiB, `rss grew ${m.rssAfter - m.rssBefore}`);
  assert.ok(m.peakRss >= m.rssAfter && m.peakRss >= m.rssBefore);
  assert.ok(m.durationMs >= 0);
});

test('the heap peak of garbage collected during the call is seen (GC profiler)', async () => {
  const lengthOfGarbage = () => new Array(8 * MiB).fill(2.5).length;
  const m = await measureCall(() => {
    const n = lengthOfGarbage();
    collectGarbage(); // frees it inside the call: only the before-GC statistics saw it
    return n;
  });
  assert.ok(m.gcCount >= 1);
  assert.ok(m.heapAfter - m.heapBefore < 8 * MiB, `heap after ${m.heapAfter - m.heapBefore}`);
  assert.ok(m.peakHeap - m.heapBefore > 60 * MiB, `heap peak ${m.peakHeap - m.heapBefore}`);
});

test('an async function is awaited and measured until it settles', async () => {
  const m = await measureCall(async () => {
    await new Promise((resolve) => setTimeout(resolve, 20));
    return new Array(4 * MiB).fill(0.5);
  });
  assert.strictEqual(m.result.length, 4 * MiB);
  assert.ok(m.heapAfter - m.heapBefore > 28 * MiB);
  assert.ok(m.durationMs >= 15);
});

test('a throw propagates unchanged and the next measurement still works', async () => {
  const boom = new Error('boom');
  await assert.rejects(measureCall(() => { throw boom; }), (err) => err === boom);
  await assert.rejects(measureCall(async () => { throw boom; }), (err) => err === boom);
  assert.throws(() => measureCallSync(() => { throw boom; }), (err) => err === boom);
  const m = measureCallSync(() => 42);
  assert.strictEqual(m.result, 42);
});

test('overlapping measurements each get a sound peak', async () => {
  const slow = measureCall(async () => {
    await new Promise((resolve) => setTimeout(resolve, 30));
    return 1;
  });
  const inner = await measureCall(() => Buffer.alloc(32 * MiB, 1).length);
  const outer = await slow;
  assert.ok(inner.peakRss - inner.rssBefore > 24 * MiB);
  assert.ok(outer.peakRss >= outer.rssBefore);
});
