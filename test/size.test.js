'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { parseSize, formatSize, formatMiB, formatSizeChange, toMiB } = require('../dist/units/size.js');
const { UsageError } = require('../dist/errors.js');

test('parseSize accepts binary, decimal and bare (MiB) forms', () => {
  assert.equal(parseSize('200MiB'), 200 * 1024 ** 2);
  assert.equal(parseSize('1.5 GiB'), 1.5 * 1024 ** 3);
  assert.equal(parseSize('512KiB'), 512 * 1024);
  assert.equal(parseSize('24 MB'), 24e6);
  assert.equal(parseSize('2GB'), 2e9);
  assert.equal(parseSize('10kB'), 10000);
  assert.equal(parseSize('4096B'), 4096);
  assert.equal(parseSize('100'), 100 * 1024 ** 2);
  assert.equal(parseSize('0.5'), 512 * 1024);
  assert.equal(parseSize(3), 3 * 1024 ** 2);
});

test('parseSize rejects anything else with a message that lists the accepted forms', () => {
  for (const bad of ['12XB', '-1', '', ' ', 'MiB', '1e3', '10 mib', '5 KIB', 'NaN', '1,5MiB', '--', -1]) {
    assert.throws(
      () => parseSize(bad),
      (err) => err instanceof UsageError && err.exitCode === 2 && /KiB, MiB, GiB/.test(err.message) && err.message.includes(JSON.stringify(String(bad))),
      `expected ${JSON.stringify(bad)} to be rejected`,
    );
  }
});

test('formatters print MiB like memory_profiler and sizes in the largest fitting unit', () => {
  assert.equal(formatMiB(100 * 1024 ** 2), '100.0 MiB');
  assert.equal(formatMiB(1536 * 1024, 3), '1.500 MiB');
  assert.equal(formatSize(640 * 1024), '640.0 KiB');
  assert.equal(formatSize(-2 * 1024 ** 3), '-2.0 GiB');
  assert.equal(formatSize(12), '12 B');
  // Rounding up to 1024 moves to the next unit.
  assert.equal(formatSize(1024 ** 2 - 1), '1.0 MiB');
  assert.equal(formatSize(1024 ** 3 - 1), '1.0 GiB');
  assert.equal(formatSize(1023.6), '1.0 KiB');
  assert.equal(formatSize(1024 ** 2 - 1, 3), '1023.999 KiB');
});

test('formatSizeChange always shows the sign', () => {
  assert.equal(formatSizeChange(64 * 1024 * 1024), '+64.0 MiB');
  assert.equal(formatSizeChange(-1536), '-1.5 KiB');
  assert.equal(formatSizeChange(0), '+0 B');
});

test('a negative figure that rounds to zero prints without a sign ("0.0 MiB", never "-0.0 MiB")', () => {
  // A line that freed a few KiB: the Heap/External/Other columns showed "-0.0 MiB".
  assert.equal(formatMiB(-4096), '0.0 MiB');
  assert.equal(toMiB(-4096), '0.0');
  assert.equal(toMiB(-1, 3), '0.000');
  assert.equal(toMiB(-0), '0.0');
  assert.equal(formatSize(-0.4), '0 B');
  // Figures that do not round to zero keep their sign.
  assert.equal(toMiB(-0.06 * 1024 * 1024), '-0.1');
  assert.equal(formatMiB(-1536 * 1024, 2), '-1.50 MiB');
  assert.equal(formatSize(-2048), '-2.0 KiB');
});
