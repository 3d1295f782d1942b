'use strict';
// The vector meter's native half: rss and the isolate's external memory in one call.
const test = require('node:test');
const assert = require('node:assert/strict');
const { Worker } = require('node:worker_threads');
const { requireAddon } = require('../../dist/native.js');
const { createVectorMeter, FIGURE_RSS, FIGURE_HEAP, FIGURE_EXTERNAL } = require('../../dist/meter/vector.js');
const { MiB, gcFunction } = require('./helpers.js');

// Dead Buffers of an earlier test, freed by a collection a new allocation starts, would
// lower the external figure under the one being measured: collect them first.
function collect() {
  const gc = gcFunction();
  gc();
  gc();
}
const addon = requireAddon();

test('read() fills [rss, external]: rss agrees with process.memoryUsage.rss(), external follows a Buffer', () => {
  const reader = addon.createVectorReader();
  collect();
  assert.equal(reader.values.length, 2);
  assert.equal(reader.read(), undefined);
  const [rss, external] = reader.values;
  const js = process.memoryUsage.rss();
  assert.ok(Math.abs(rss - js) < 0.1 * js, `rss ${rss} vs process.memoryUsage.rss() ${js}`);
  const block = Buffer.alloc(32 * MiB, 1);
  reader.read();
  assert.ok(reader.values[1] - external >= 32 * MiB, `external grew by ${(reader.values[1] - external) / MiB} MiB for a 32 MiB Buffer`);
  assert.ok(Math.abs(addon.externalMemory() - reader.values[1]) < MiB, 'externalMemory() reads the same counter');
  block[0] = 2;
});

test('the vector meter: heap follows JavaScript arrays, external follows Buffers; readKinds leaves rss alone', () => {
  const meter = createVectorMeter();
  collect();
  meter.read();
  const before = Array.from(meter.figures);
  const array = new Array(2 * MiB).fill(0.5);
  const block = Buffer.alloc(16 * MiB, 1);
  meter.read();
  assert.ok(meter.figures[FIGURE_HEAP] - before[FIGURE_HEAP] >= 15 * MiB, `heap grew by ${(meter.figures[FIGURE_HEAP] - before[FIGURE_HEAP]) / MiB} MiB for 2 Mi doubles`);
  assert.ok(meter.figures[FIGURE_EXTERNAL] - before[FIGURE_EXTERNAL] >= 16 * MiB, 'external grew by the Buffer');
  meter.figures[FIGURE_RSS] = -1;
  meter.readKinds();
  assert.equal(meter.figures[FIGURE_RSS], -1, 'readKinds does not read rss');
  assert.ok(array.length > 0 && block.length > 0, 'the measured allocations stay alive to this point');
});

test("a worker thread's reader sees its own isolate's external memory", async () => {
  const code = `
    const { parentPort } = require('node:worker_threads');
    const addon = require(${JSON.stringify(require.resolve('../../dist/native.js'))}).requireAddon();
    const before = addon.externalMemory();
    const block = Buffer.alloc(24 * 1048576, 1);
    parentPort.postMessage(addon.externalMemory() - before + block[0] - 1);`;
  collect();
  const mainBefore = addon.externalMemory();
  const grew = await new Promise((resolve, reject) => {
    const worker = new Worker(code, { eval: true });
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  assert.ok(grew >= 24 * MiB, `the worker's external grew by ${grew / MiB} MiB`);
  assert.ok(Math.abs(addon.externalMemory() - mainBefore) < 8 * MiB, "the main thread's counter did not take the worker's Buffer");
});
