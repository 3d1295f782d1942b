'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { rss, descendants, kernelPeak } = require('../../dist/rss.js');
const { requireAddon } = require('../../dist/native.js');
const { MiB, spawnHog, gcFunction, deadPid } = require('./helpers.js');

const addon = requireAddon();

test('rss() of this process agrees with process.memoryUsage.rss()', () => {
  const native = rss();
  const js = process.memoryUsage.rss();
  assert.ok(native > 10 * MiB, `rss ${native} is implausibly small`);
  assert.ok(Math.abs(native - js) < 0.1 * js, `native ${native} vs process ${js}`);
  assert.equal(addon.rss(process.pid) > 0, true);
  assert.ok(Math.abs(addon.rss(process.pid) - js) < 0.1 * js, `addon ${addon.rss(process.pid)} B vs process.memoryUsage.rss ${js} B`);
});

test('rss() follows a 100 MiB allocation', () => {
  const before = rss();
  const block = Buffer.alloc(100 * MiB, 1);
  const during = rss();
  assert.ok(during - before > 90 * MiB, `grew by ${(during - before) / MiB} MiB`);
  block[0] = 2;
});

test('rss(pid) of a child process sees the memory it holds', async () => {
  const hog = await spawnHog(120);
  try {
    const bytes = rss(hog.pid);
    assert.ok(bytes > 120 * MiB, `child rss ${bytes / MiB} MiB`);
    assert.ok(bytes < 400 * MiB, `child rss ${bytes / MiB} MiB`);
  } finally {
    await hog.stop();
  }
});

test('rss(pid) of a pid that does not exist throws an Error that says so', async () => {
  const pid = await deadPid();
  assert.throws(() => rss(pid), { name: 'Error', message: `no process with pid ${pid}` });
  assert.throws(() => addon.rss(2147483647), { message: /no process with pid 2147483647/ });
  assert.throws(() => descendants(pid), { message: `no process with pid ${pid}` });
});

test('wrong argument types throw a TypeError, never crash', () => {
  for (const bad of ['1', 1.5, -1, 0, NaN, Infinity, 2 ** 31, null, {}, [], true, 10n]) {
    assert.throws(() => addon.rss(bad), TypeError, `rss(${String(bad)})`);
    assert.throws(() => addon.descendants(bad), TypeError, `descendants(${String(bad)})`);
  }
  assert.throws(() => addon.rss('x'), { message: /pid must be a positive integer/ });
});

test('descendants() lists children and grandchildren with their RSS', async () => {
  const hog = await spawnHog(60, 40);
  try {
    const list = descendants();
    const child = list.find((entry) => entry.pid === hog.pid);
    const grandchild = list.find((entry) => entry.pid === hog.grandchildPid);
    assert.ok(child, `child ${hog.pid} missing from ${JSON.stringify(list)}`);
    assert.ok(grandchild, `grandchild ${hog.grandchildPid} missing from ${JSON.stringify(list)}`);
    assert.ok(child.rss > 60 * MiB && grandchild.rss > 40 * MiB, JSON.stringify(list));
    assert.ok(list.indexOf(child) < list.indexOf(grandchild), 'children come before grandchildren');
    assert.deepEqual(descendants(hog.pid).map((entry) => entry.pid), [hog.grandchildPid]);
    assert.deepEqual(descendants(hog.grandchildPid), []);
  } finally {
    await hog.stop();
  }
});

test('kernel peak: reset, a 200 MiB spike freed again, read gives the spike', { skip: process.platform !== 'linux' && 'the kernel peak is Linux only' }, () => {
  const gc = gcFunction();
  const peak = kernelPeak();
  gc();
  assert.equal(peak.reset(), true);
  const base = rss();
  const afterReset = peak.read();
  assert.ok(afterReset < base + 20 * MiB, `after reset ${afterReset / MiB} MiB, rss ${base / MiB} MiB`);
  let spike = Buffer.alloc(200 * MiB, 1);
  spike[0] = 2;
  spike = null;
  gc();
  const after = rss();
  const high = peak.read();
  assert.ok(after < base + 100 * MiB, `the spike was not freed: ${(after - base) / MiB} MiB left`);
  assert.ok(high >= base + 190 * MiB, `peak ${high / MiB} MiB, base ${base / MiB} MiB`);
});

test('the kernel peak says where it is not available', { skip: process.platform === 'linux' && 'Linux keeps one' }, () => {
  assert.equal(kernelPeak().reset(), false);
  assert.equal(kernelPeak().read(), -1);
});
