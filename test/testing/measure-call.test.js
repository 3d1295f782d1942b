'use strict';
// The shared measurement primitive: one run of a function, before/after/peak figures.
const test = require('node:test');
const assert = require('node:assert');
const { measureCall, measureCallSync, collectGarbage } = require('../../dist/measure/measure-call.js');

const MiB = 1024 * 1024;

// First in the file on purpose: the later tests leave ~160 MiB of freed V8 pages that V8's
// unmapper thread returns at a time of its own; returned during the inner call, they hid the
// 32 MiB buffer's growth from RSS (seen once in CI under load). Its buffer stays reachable to
// the end, so that freeing it cannot hide a later test's growth either.
const keptToTheEnd = [];
test('overlapping measurements each get a sound peak', async () => {
  const slow = measureCall(async () => {
    await new Promise((resolve) => setTimeout(resolve, 30));
    return 1;
  });
  const inner = await measureCall(() => keptToTheEnd.push(Buffer.alloc(32 * MiB, 1)));
  const outer = await slow;
  assert.ok(inner.peakRss - inner.rssBefore > 24 * MiB, JSON.stringify(inner));
  assert.ok(outer.peakRss >= outer.rssBefore, JSON.stringify(outer));
});

test('a 64 MiB array kept by the result shows in heap and RSS', async () => {
  const m = await measureCall(() => new Array(8 * MiB).fill(1.5)); // 8 Mi doubles = 64 MiB
  assert.strictEqual(m.result.length, 8 * MiB);
  assert.ok(m.heapAfter - m.heapBefore > 60 * MiB, `heap grew ${m.heapAfter - m.heapBefore}`);
  assert.ok(m.peakHeap >= m.heapAfter, JSON.stringify(m));
  assert.ok(m.rssAfter - m.rssBefore > 50 * MiB, `rss grew ${m.rssAfter - m.rssBefore}`);
  assert.ok(m.peakRss >= m.rssAfter && m.peakRss >= m.rssBefore, JSON.stringify(m));
  assert.ok(m.durationMs >= 0, `${m.durationMs} ms`);
});

test('the heap peak of garbage collected during the call is seen (GC profiler)', async () => {
  const lengthOfGarbage = () => new Array(8 * MiB).fill(2.5).length;
  const m = await measureCall(() => {
    const n = lengthOfGarbage();
    collectGarbage(); // frees it inside the call: only the before-GC statistics saw it
    return n;
  });
  assert.ok(m.gcCount >= 1, `${m.gcCount} GCs`);
  assert.ok(m.heapAfter - m.heapBefore < 8 * MiB, `heap after ${m.heapAfter - m.heapBefore}`);
  assert.ok(m.peakHeap - m.heapBefore > 60 * MiB, `heap peak ${m.peakHeap - m.heapBefore}`);
});

test('an async function is awaited and measured until it settles', async () => {
  const m = await measureCall(async () => {
    await new Promise((resolve) => setTimeout(resolve, 20));
    return new Array(4 * MiB).fill(0.5);
  });
  assert.strictEqual(m.result.length, 4 * MiB);
  assert.ok(m.heapAfter - m.heapBefore > 28 * MiB, `heap grew ${(m.heapAfter - m.heapBefore) / MiB} MiB`);
  assert.ok(m.durationMs >= 15, `${m.durationMs} ms for a 20 ms sleep`);
});

test('a throw propagates unchanged and the next measurement still works', async () => {
  const boom = new Error('boom');
  await assert.rejects(measureCall(() => { throw boom; }), (err) => err === boom);
  await assert.rejects(measureCall(async () => { throw boom; }), (err) => err === boom);
  assert.throws(() => measureCallSync(() => { throw boom; }), (err) => err === boom);
  const m = measureCallSync(() => 42);
  assert.strictEqual(m.result, 42);
});

test('includeChildren adds child processes (sampler); without it they do not count', async () => {
  const { execFile } = require('node:child_process');
  const child = () =>
    new Promise((resolve, reject) =>
      execFile(process.execPath, ['-e', 'Buffer.alloc(120 * 1048576, 1); setTimeout(() => {}, 100)'], (err) => (err ? reject(err) : resolve())),
    );
  const withChildren = await measureCall(child, { includeChildren: true, intervalMs: 2 });
  assert.strictEqual(withChildren.peakSource, 'sampler');
  assert.ok(withChildren.peakRss - withChildren.rssBefore > 100 * MiB, `with children ${withChildren.peakRss - withChildren.rssBefore}`);
  const alone = await measureCall(child);
  assert.ok(alone.peakRss - alone.rssBefore < 60 * MiB, `alone ${alone.peakRss - alone.rssBefore}`);
});

test('without the addon: the kernel mark still serves on Linux; includeChildren is a clear error', () => {
  const { spawnSync } = require('node:child_process');
  const script = `
    const { measureCall } = require(${JSON.stringify(require.resolve('../../dist/measure/measure-call.js'))});
    (async () => {
      const err = await measureCall(() => 1, { includeChildren: true }).catch((e) => e);
      const m = await measureCall(() => Buffer.alloc(64 * 1048576, 1).length);
      console.log(JSON.stringify({ name: err.name, message: err.message, source: m.peakSource, growth: m.peakRss - m.rssBefore }));
    })();`;
  const r = spawnSync(process.execPath, ['-e', script], { env: { ...process.env, MEMPROF_DISABLE_NATIVE: '1' }, encoding: 'utf8' });
  const out = JSON.parse(r.stdout);
  assert.strictEqual(out.name, 'UsageError');
  assert.match(out.message, /native addon is disabled \(MEMPROF_DISABLE_NATIVE=1/);
  if (process.platform === 'linux') {
    assert.strictEqual(out.source, 'kernel');
    assert.ok(out.growth > 56 * MiB, `growth ${out.growth}`);
  }
});
