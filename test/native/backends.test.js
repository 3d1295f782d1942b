'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { createMeter, BACKENDS, checkBackendName } = require('../../dist/meter/index.js');
const { UsageError } = require('../../dist/errors.js');
const { MiB, gcFunction } = require('./helpers.js');

const onLinux = process.platform === 'linux';

test('every backend reads a plausible figure', { skip: !onLinux && 'uss/pss need Linux' }, () => {
  const values = Object.fromEntries(BACKENDS.map((name) => [name, createMeter(name).read()]));
  const rss = process.memoryUsage.rss();
  assert.ok(Math.abs(values.native - rss) < 0.1 * rss, JSON.stringify(values));
  assert.ok(Math.abs(values.process - rss) < 0.1 * rss, JSON.stringify(values));
  assert.ok(values.heap > 1 * MiB && values.heap < rss, JSON.stringify(values));
  assert.ok(values.uss > 5 * MiB && values.uss <= values.pss + MiB, JSON.stringify(values));
  assert.ok(values.pss <= values.native + MiB, JSON.stringify(values));
  for (const name of BACKENDS) assert.equal(createMeter(name).name, name);
});

test('rss, uss and pss follow a 100 MiB native allocation; heap follows a JS allocation', { skip: !onLinux && 'uss/pss need Linux' }, () => {
  const meters = ['native', 'process', 'uss', 'pss'].map((name) => createMeter(name));
  const before = meters.map((meter) => meter.read());
  const block = Buffer.alloc(100 * MiB, 1);
  const after = meters.map((meter) => meter.read());
  meters.forEach((meter, i) => {
    const grown = (after[i] - before[i]) / MiB;
    assert.ok(grown > 90 && grown < 130, `${meter.name} grew by ${grown} MiB`);
  });
  block[0] = 2;

  const gc = gcFunction();
  gc();
  const heap = createMeter('heap');
  const heapBefore = heap.read();
  const objects = Array.from({ length: 200000 }, (_, i) => ({ i, text: `item ${i}` }));
  const heapGrown = (heap.read() - heapBefore) / MiB;
  assert.ok(heapGrown > 5, `heap grew by ${heapGrown} MiB for 200k objects`);
  assert.equal(objects.length, 200000);
});

test('an unknown backend is a usage error that lists the valid ones', () => {
  for (const make of [() => createMeter('rsss'), () => checkBackendName('')]) {
    assert.throws(make, (err) => {
      assert.ok(err instanceof UsageError, `${err}`);
      assert.equal(err.exitCode, 2);
      assert.match(err.message, /unknown backend/);
      assert.match(err.message, /native, process, heap, uss, pss/);
      return true;
    });
  }
});

test('uss and pss are the smaps_rollup fields they name (not SwapPss, not Pss_Anon)', { skip: !onLinux && 'uss/pss need Linux' }, () => {
  const fs = require('node:fs');
  const field = (text, name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)[1]) * 1024;
  const uss = createMeter('uss');
  const pss = createMeter('pss');
  const hold = Buffer.alloc(50 * MiB, 1); // a large private figure, so a wrong field shows
  // The meter read just before and just after the file bracket the file's figures.
  const within = (meter, expected) => {
    const before = meter.read();
    const value = expected();
    const after = meter.read();
    const slack = 4 * MiB;
    assert.ok(value >= Math.min(before, after) - slack && value <= Math.max(before, after) + slack, `${meter.name}: ${before}..${after} vs ${value}`);
  };
  const rollup = () => fs.readFileSync('/proc/self/smaps_rollup', 'latin1');
  within(uss, () => {
    const text = rollup();
    return field(text, 'Private_Clean') + field(text, 'Private_Dirty') + field(text, 'Private_Hugetlb');
  });
  within(pss, () => field(rollup(), 'Pss'));
  hold[0] = 2;
});
