'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const { Sampler, SHARED_LATEST, SHARED_PEAK, SHARED_COUNT } = require('../../dist/sampler.js');
const { rss } = require('../../dist/rss.js');
const { requireAddon } = require('../../dist/native.js');
const { MiB, spawnHog, gcFunction, waitFor, blockFor, samplerThreads, deadPid } = require('./helpers.js');

const onLinux = process.platform === 'linux';

test('the sampler catches a 200 MiB spike that is freed again between two reads', () => {
  const gc = gcFunction();
  gc();
  const sampler = new Sampler({ intervalMs: 1 }).start();
  try {
    const before = rss();
    sampler.resetPeak();
    let spike = Buffer.alloc(200 * MiB, 1);
    blockFor(30); // hold it for a few sampling intervals
    spike[0] = 2;
    spike = null;
    gc();
    const after = rss();
    assert.ok(after - before < 100 * MiB, `the spike was not freed: ${(after - before) / MiB} MiB left`);
    assert.ok(sampler.peak - before >= 190 * MiB, `peak over the start: ${(sampler.peak - before) / MiB} MiB`);
    const highest = Math.max(...sampler.samples().map((sample) => sample.rss));
    assert.ok(highest - before >= 190 * MiB, `highest sample over the start: ${(highest - before) / MiB} MiB`);
  } finally {
    sampler.stop();
  }
});

test('shared is one live Float64Array of [latest, peak, count] read without a call', async () => {
  const sampler = new Sampler({ intervalMs: 1, keepSamples: false });
  const shared = sampler.shared;
  assert.ok(shared instanceof Float64Array, `shared is ${Object.prototype.toString.call(shared)}`);
  assert.equal(shared.length, 3);
  assert.equal(sampler.shared, shared, 'the same array every time');
  sampler.start();
  try {
    assert.ok(shared[SHARED_LATEST] > 10 * MiB, 'start() takes a first reading');
    assert.equal(shared[SHARED_PEAK], shared[SHARED_LATEST]);
    const count = shared[SHARED_COUNT];
    await waitFor(() => shared[SHARED_COUNT] >= count + 5);
    assert.ok(shared[SHARED_COUNT] >= count + 5, 'the count advances on its own');
    const block = Buffer.alloc(80 * MiB, 1);
    const grown = await waitFor(() => shared[SHARED_LATEST] > rss() - 20 * MiB && shared[SHARED_LATEST] > 80 * MiB);
    assert.ok(grown, `latest ${shared[SHARED_LATEST] / MiB} MiB did not follow the allocation`);
    assert.ok(shared[SHARED_PEAK] >= shared[SHARED_LATEST], `peak ${shared[SHARED_PEAK]} vs latest ${shared[SHARED_LATEST]}`);
    assert.equal(sampler.peak, shared[SHARED_PEAK]);
    block[0] = 2;
  } finally {
    sampler.stop();
  }
});

test('samples() drains: each sample is returned once, in time order, with epoch times', async () => {
  const sampler = new Sampler({ intervalMs: 2 }).start();
  try {
    const startedAt = Date.now();
    await waitFor(() => sampler.count >= 10);
    const first = sampler.samples();
    assert.ok(first.length >= 5, `${first.length} samples`);
    for (const sample of first) {
      assert.deepEqual(Object.keys(sample), ['time', 'rss']);
      assert.ok(sample.rss > 10 * MiB, `sample rss ${sample.rss} B`);
      assert.ok(Math.abs(sample.time - startedAt) < 5000, `time ${sample.time} is not epoch ms`);
    }
    for (let i = 1; i < first.length; i++) assert.ok(first[i].time >= first[i - 1].time, `sample ${i} at ${first[i].time} after ${first[i - 1].time}`);
    await waitFor(() => sampler.count >= first.length + 5);
    const second = sampler.samples();
    assert.ok(second.length >= 1, `${second.length} samples in the second drain`);
    assert.ok(second[0].time > first[first.length - 1].time, 'no sample is returned twice');
  } finally {
    sampler.stop();
  }
});

test('stop() joins the thread: nothing changes afterwards, and it can start again', { skip: !onLinux && 'counts threads in /proc' }, async () => {
  const threads = samplerThreads();
  // 100 ms apart: the restart's count is read before a second sample even on a loaded machine.
  const sampler = new Sampler({ intervalMs: 100 }).start();
  assert.equal(sampler.running, true);
  assert.equal(samplerThreads(), threads + 1);
  await waitFor(() => sampler.count >= 3);
  sampler.stop();
  assert.equal(sampler.running, false);
  assert.equal(samplerThreads(), threads, 'the sampler thread is gone once stop() returns');
  const count = sampler.count;
  blockFor(20);
  assert.equal(sampler.count, count);
  sampler.stop(); // idempotent
  sampler.start();
  assert.equal(sampler.running, true);
  assert.ok(sampler.count <= 1 && sampler.count < count, `a restart counts from zero, got ${sampler.count}`);
  await waitFor(() => sampler.count >= 3);
  assert.ok(sampler.count >= 3, `${sampler.count} samples`);
  sampler.stop();
});

test('keepSamples: false keeps none but still tracks latest and peak', async () => {
  const sampler = new Sampler({ intervalMs: 1, keepSamples: false }).start();
  await waitFor(() => sampler.count >= 5);
  sampler.stop();
  assert.deepEqual(sampler.samples(), []);
  assert.ok(sampler.count >= 5 && sampler.peak > 0 && sampler.latest > 0, `count ${sampler.count}, peak ${sampler.peak}, latest ${sampler.latest}`);
});

test('past maxSamples the oldest samples are dropped and counted, across chunk boundaries', async () => {
  const sampler = new Sampler({ intervalMs: 0.1, keepSamples: true, maxSamples: 10 }).start();
  // More than one 8192-sample chunk, so full chunks are recycled.
  await waitFor(() => sampler.count >= 9000, 20000);
  sampler.stop();
  const count = sampler.count;
  assert.ok(count >= 9000, `${count} samples taken`);
  const samples = sampler.samples();
  assert.equal(samples.length, 10);
  assert.equal(sampler.dropped, count - 10);
  for (let i = 1; i < samples.length; i++) assert.ok(samples[i].time >= samples[i - 1].time, `sample ${i} at ${samples[i].time} after ${samples[i - 1].time}`);
  assert.ok(Date.now() - samples[9].time < 1000, 'the newest samples are the ones kept');
  sampler.start();
  assert.equal(sampler.dropped, 0, 'start() resets the count');
  sampler.stop();
});

test('resetPeak() brings the peak down to the current value', () => {
  const sampler = new Sampler({ intervalMs: 1, keepSamples: false }).start();
  try {
    let block = Buffer.alloc(100 * MiB, 1);
    blockFor(10);
    const high = sampler.peak;
    block = null;
    gcFunction()();
    sampler.resetPeak();
    assert.ok(sampler.peak < high - 50 * MiB, `peak ${sampler.peak / MiB} MiB after reset, ${high / MiB} before`);
    assert.equal(sampler.peak, sampler.latest);
  } finally {
    sampler.stop();
  }
});

test('a sampler on another pid samples it, and stops by itself when that pid exits', async () => {
  const hog = await spawnHog(100);
  const sampler = new Sampler({ pid: hog.pid, intervalMs: 1 }).start();
  try {
    assert.ok(sampler.latest > 100 * MiB, `latest ${sampler.latest / MiB} MiB`);
    await waitFor(() => sampler.count >= 3);
    await hog.stop();
    assert.ok(await waitFor(() => !sampler.running), 'running turns false once the pid is gone');
    const samples = sampler.samples();
    assert.ok(samples.length >= 3 && samples.every((sample) => sample.rss > 100 * MiB), `${samples.length} samples: ${samples.map((s) => s.rss).join(", ")}`);
  } finally {
    sampler.stop();
  }
});

test('a sampler on a pid that does not exist throws when started', async () => {
  const pid = await deadPid();
  const sampler = new Sampler({ pid });
  assert.throws(() => sampler.start(), { message: `no process with pid ${pid}` });
  assert.equal(sampler.running, false);
});

test('includeChildren adds the descendants\' RSS and lists them in samples', async () => {
  const hog = await spawnHog(120);
  const sampler = new Sampler({ intervalMs: 2, includeChildren: true });
  try {
    sampler.start();
    await waitFor(() => sampler.count >= 3);
    const own = rss();
    const child = rss(hog.pid);
    assert.ok(sampler.latest >= own + child - 30 * MiB, `total ${sampler.latest / MiB} MiB, own ${own / MiB}, child ${child / MiB}`);
    const samples = sampler.samples();
    const last = samples[samples.length - 1];
    const listed = last.children.find((entry) => entry.pid === hog.pid);
    assert.ok(listed && listed.rss > 120 * MiB, JSON.stringify(last));
    assert.ok(sampler.peak >= last.rss + listed.rss, `peak ${sampler.peak} vs own ${last.rss} + child ${listed.rss}`);
  } finally {
    sampler.stop();
    await hog.stop();
  }
});

test('with includeChildren, dropping the oldest samples keeps each child list with its sample', async () => {
  const hog = await spawnHog(30);
  const sampler = new Sampler({ intervalMs: 1, includeChildren: true, maxSamples: 3 });
  try {
    sampler.start();
    await waitFor(() => sampler.count >= 20);
    sampler.stop();
    const samples = sampler.samples();
    assert.equal(samples.length, 3);
    assert.equal(sampler.dropped, sampler.count - 3);
    for (const sample of samples) {
      assert.ok(sample.children.some((child) => child.pid === hog.pid && child.rss > 30 * MiB), JSON.stringify(sample));
    }
  } finally {
    sampler.stop();
    await hog.stop();
  }
});

test('bad options throw TypeError/RangeError from the typed class and the addon alike', () => {
  const { Sampler: NativeSampler } = requireAddon();
  const cases = [
    [{ intervalMs: 'fast' }, TypeError, /intervalMs/],
    [{ intervalMs: NaN }, TypeError, /intervalMs/],
    [{ intervalMs: 0.05 }, RangeError, /intervalMs must be at least 0.1/],
    [{ intervalMs: -1 }, RangeError, /intervalMs/],
    [{ intervalMs: 1e12 }, RangeError, /intervalMs must be at most 86400000/],
    [{ pid: 'self' }, TypeError, /pid must be a positive integer/],
    [{ pid: 1.5 }, TypeError, /pid/],
    [{ includeChildren: 1 }, TypeError, /includeChildren must be a boolean/],
    [{ keepSamples: 'no' }, TypeError, /keepSamples must be a boolean/],
    [{ maxSamples: 1.5 }, TypeError, /maxSamples must be an integer/],
    [{ maxSamples: 0 }, RangeError, /maxSamples/],
    [42, TypeError, /options must be an object/],
    [null, TypeError, /options must be an object/],
  ];
  for (const [options, type, message] of cases) {
    assert.throws(() => new Sampler(options), (err) => err instanceof type && message.test(err.message), JSON.stringify(options));
    assert.throws(() => new NativeSampler(options), (err) => err instanceof type && message.test(err.message), `native ${JSON.stringify(options)}`);
  }
  assert.throws(() => new Sampler({ interval: 1 }), { message: /unknown Sampler option "interval"/ });
  assert.doesNotThrow(() => new Sampler({ intervalMs: 0.1 }));
});

// These run in a child process so that a crash or a hang shows up as a failed exit status.
function runScript(source) {
  return spawnSync(process.execPath, ['--expose-gc', '-e', source], {
    cwd: path.join(__dirname, '..', '..'),
    encoding: 'utf8',
    timeout: 30000,
  });
}

test('a program that exits or throws while sampling ends with its own exit code', () => {
  for (const [ending, code] of [['process.exit(3)', 3], ["throw new Error('boom')", 1], ['process.kill(process.pid, "SIGTERM")', null]]) {
    const result = runScript(`
      const { Sampler } = require('./dist/sampler.js');
      new Sampler({ intervalMs: 0.1, includeChildren: true }).start();
      new Sampler({ intervalMs: 0.1 }).start();
      setTimeout(() => { ${ending}; }, 20);
    `);
    assert.equal(result.status, code, `${ending}: ${result.stderr}`);
    if (code === null) assert.equal(result.signal, 'SIGTERM');
  }
});

test('a garbage-collected sampler stops its thread', { skip: !onLinux && 'counts threads in /proc' }, () => {
  const result = runScript(`
    const fs = require('node:fs');
    const { Sampler } = require('./dist/sampler.js');
    const threads = () => fs.readdirSync('/proc/self/task')
      .filter((tid) => { try { return fs.readFileSync('/proc/self/task/' + tid + '/comm', 'latin1').trim() === 'memprof-sampler'; } catch { return false; } })
      .length;
    const before = threads();
    // One array is kept past its sampler: it must stay readable (the memory is shared).
    const kept = (() => { let shared; for (let i = 0; i < 5; i++) shared = new Sampler({ intervalMs: 1 }).start().shared; return shared; })();
    const running = threads();
    const poll = async () => {
      for (let i = 0; i < 200 && threads() > before; i++) {
        global.gc();
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      const frozen = kept[0];
      await new Promise((resolve) => setTimeout(resolve, 20));
      console.log(JSON.stringify({ before, running, after: threads(), kept: kept[0], frozen }));
    };
    poll();
  `);
  assert.equal(result.status, 0, result.stderr);
  const { before, running, after, kept, frozen } = JSON.parse(result.stdout);
  assert.equal(running, before + 5);
  assert.equal(after, before);
  assert.ok(kept > 10 * MiB && kept === frozen, `the kept array reads ${kept}, then ${frozen}`);
});

test('a worker thread that exits or is terminated while sampling stops its sampler cleanly', { skip: !onLinux && 'counts threads in /proc' }, () => {
  const result = runScript(`
    const fs = require('node:fs');
    const { Worker } = require('node:worker_threads');
    const threads = () => fs.readdirSync('/proc/self/task')
      .filter((tid) => { try { return fs.readFileSync('/proc/self/task/' + tid + '/comm', 'latin1').trim() === 'memprof-sampler'; } catch { return false; } })
      .length;
    const body = \`
      const { parentPort, workerData } = require('node:worker_threads');
      const { Sampler } = require('./dist/sampler.js');
      const sampler = new Sampler({ intervalMs: 0.1 }).start();
      globalThis.keep = sampler;
      parentPort.postMessage(sampler.latest);
      if (workerData.hang) setInterval(() => {}, 1000);
    \`;
    const run = (hang) => new Promise((resolve, reject) => {
      const worker = new Worker(body, { eval: true, workerData: { hang } });
      worker.once('message', (latest) => { if (hang) worker.terminate(); });
      worker.once('error', reject);
      worker.once('exit', resolve);
    });
    (async () => {
      await run(false);
      await run(true);
      const before = threads();
      await run(false);
      await run(true);
      // A sampler thread may end just after its worker: waited for (5 s), not assumed gone.
      for (let i = 0; i < 500 && threads() > before; i++) await new Promise((resolve) => setTimeout(resolve, 10));
      console.log(JSON.stringify({ before, after: threads() }));
    })();
  `);
  assert.equal(result.status, 0, `exit ${result.status} signal ${result.signal}: ${result.stderr}`);
  const { before, after } = JSON.parse(result.stdout);
  assert.ok(after <= before, `threads before ${before}, after ${after}: a sampler thread outlived its worker`);
});
