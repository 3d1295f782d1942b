'use strict';
// memoryUsage: every target and option, values in bytes, the sampler's interval maxima.
const test = require('node:test');
const assert = require('node:assert');
const { spawn } = require('node:child_process');
const { memoryUsage } = require('../../dist/measure/memory-usage.js');
const { collectGarbageAndSettle } = require('../../dist/measure/measure-call.js');
const { parseDat } = require('../../dist/timeline/dat.js');
const { rss } = require('../../dist/rss.js');
const { spawnHog } = require('../native/helpers.js');
const { inWorker } = require('./helpers.js');

const MiB = 1024 * 1024;
const max = (values) => Math.max(...values);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// A node program that holds `mib` touched MiB for `ms` milliseconds, then exits with `code`.
const holdFor = (mib, ms, code = 0) => [
  process.execPath,
  '-e',
  `const b = Buffer.alloc(${mib} * 1024 * 1024, 1); setTimeout(() => process.exit(${code}), ${ms});`,
];

class Collect {
  constructor() {
    this.text = '';
  }
  write(text) {
    this.text += text;
    return true;
  }
}

test('-1 without timeout is one value in an array: this process now', async () => {
  const values = await memoryUsage(-1);
  assert.strictEqual(values.length, 1);
  assert.ok(Math.abs(values[0] - rss()) < 16 * MiB, `${values[0]} vs ${rss()}`);
});

test('a pid without timeout is one value; includeChildren adds its descendants', async () => {
  const hog = await spawnHog(64, 48);
  try {
    const [own] = await memoryUsage(hog.pid);
    assert.ok(own > 64 * MiB && own < 64 * MiB + 80 * MiB, `own ${own / MiB} MiB`);
    const [withChildren] = await memoryUsage(hog.pid, { includeChildren: true });
    assert.ok(withChildren - own > 44 * MiB, `children added ${(withChildren - own) / MiB} MiB`);
  } finally {
    await hog.stop();
  }
});

test('a pid with timeout is sampled every interval until the timeout, with epoch-second timestamps', async () => {
  const hog = await spawnHog(32);
  try {
    const start = Date.now() / 1000;
    const pairs = await memoryUsage(hog.pid, { timeout: 0.5, interval: 0.1, timestamps: true });
    const end = Date.now() / 1000;
    // The first reading, then one value an interval: about 6 (the event loop may skip one).
    assert.ok(pairs.length >= 4 && pairs.length <= 7, `${pairs.length} values`);
    for (const [bytes, time] of pairs) {
      assert.ok(bytes > 32 * MiB, `${bytes}`);
      assert.ok(time >= start - 0.01 && time <= end + 0.01, `${time} outside ${start}..${end}`);
    }
    for (let i = 1; i < pairs.length; i++) assert.ok(pairs[i][1] > pairs[i - 1][1], 'times increase');
    assert.ok(end - start >= 0.45, `returned after ${end - start} s`);
  } finally {
    await hog.stop();
  }
});

test('a pid that exits ends the sampling before the timeout', async () => {
  const child = spawn(holdFor(16, 200)[0], holdFor(16, 200).slice(1), { stdio: 'ignore' });
  await new Promise((resolve) => child.once('spawn', resolve));
  const start = Date.now();
  const values = await memoryUsage(child.pid, { timeout: 10, interval: 0.05 });
  assert.ok(Date.now() - start < 5000, 'returned when the process exited');
  assert.ok(values.length >= 2, `${values.length} values`);
});

test('a pid that does not exist rejects, saying so', async () => {
  await assert.rejects(memoryUsage(0x7ffffff0), /0x7ffffff0|2147483632|no process/);
});

test('a function runs exactly once with its args, and retval gives what it returned', async () => {
  let calls = 0;
  const [values, returned] = await memoryUsage([(a, b) => (calls++, a + b), [2, 3]], { retval: true });
  assert.strictEqual(calls, 1);
  assert.strictEqual(returned, 5);
  // The memory before, and after: at least two values even for a quick function.
  assert.ok(values.length >= 2, `${values.length} values for a quick function`);
  let quick = 0;
  await memoryUsage(() => quick++);
  assert.strictEqual(quick, 1, 'a quick function is not run again (memory_profiler does)');
});

test('a 100 MiB allocation shows in the values and maxUsage within 5%', async () => {
  await collectGarbageAndSettle();
  const allocate = () => Buffer.alloc(100 * MiB, 1);
  const [values, buffer] = await memoryUsage(allocate, { interval: 0.01, retval: true });
  assert.strictEqual(buffer.length, 100 * MiB);
  const growth = max(values) - values[0];
  assert.ok(Math.abs(growth - 100 * MiB) < 5 * MiB, `grew ${growth / MiB} MiB`);
  const top = await memoryUsage(allocate, { maxUsage: true });
  assert.strictEqual(typeof top, 'number');
  assert.ok(top - values[0] > 95 * MiB, `maxUsage ${top / MiB} MiB`);
});

test('a spike that starts and ends between two values still shows (interval maxima)', async () => {
  await collectGarbageAndSettle(); // earlier tests' buffers are freed by a background thread
  const values = await memoryUsage(
    async () => {
      let spike = Buffer.alloc(150 * MiB, 1);
      spike[0] = 2;
      spike = null;
      await collectGarbageAndSettle(); // freed again before the function returns
    },
    { interval: 2 },
  );
  const shown = values.map((v) => (v / MiB).toFixed(1)).join(', ');
  // One interval covers the whole call: before, the interval's maximum, after.
  assert.strictEqual(values.length, 3, shown);
  // Garbage from earlier tests may still be returned to the OS during the call: compare
  // with the lower of the two ends.
  assert.ok(values[1] - Math.min(values[0], values[2]) > 140 * MiB, `the interval's maximum is the spike: ${shown}`);
  assert.ok(values[2] - values[0] < 50 * MiB, `freed by the end: ${shown}`);
});

test('an async function is awaited and sampled while it waits', async () => {
  const values = await memoryUsage(
    async () => {
      const held = Buffer.alloc(64 * MiB, 1);
      await sleep(300);
      return held.length;
    },
    { interval: 0.05 },
  );
  assert.ok(values.length >= 5, `${values.length} values over 300 ms`);
  assert.ok(max(values) - values[0] > 60 * MiB, `growth ${(max(values) - values[0]) / MiB} MiB`);
});

test("a function's errors propagate, sync and async, and sampling stops", async () => {
  await assert.rejects(memoryUsage(() => { throw new RangeError('boom'); }), { name: 'RangeError', message: 'boom' });
  await assert.rejects(memoryUsage(async () => { await sleep(10); throw new Error('later'); }), /later/);
  // Still usable afterwards.
  assert.strictEqual((await memoryUsage(-1)).length, 1);
});

test('a function with timeout runs to the end, but values stop at the timeout', async () => {
  let done = false;
  const pairs = await memoryUsage(async () => { await sleep(500); done = true; }, { timeout: 0.2, interval: 0.05, timestamps: true });
  assert.ok(done, 'the function ran to its end');
  assert.ok(pairs[pairs.length - 1][1] - pairs[0][1] <= 0.21, 'no value after the timeout');
});

test('a ChildProcess is sampled until it exits; retval gives its exit status', async () => {
  const [cmd, ...args] = holdFor(80, 400, 7);
  const child = spawn(cmd, args, { stdio: 'ignore' });
  await new Promise((resolve) => child.once('spawn', resolve));
  const [values, status] = await memoryUsage(child, { interval: 0.05, retval: true });
  assert.deepStrictEqual(status, { code: 7, signal: null, timedOut: false });
  assert.ok(max(values) > 80 * MiB, `max ${max(values) / MiB} MiB`);
  assert.ok(values.length >= 5, `${values.length} values at 50 ms over 400 ms`);
});

test('a ChildProcess still running at the timeout is left running', async () => {
  const hog = await spawnHog(16);
  try {
    const [values, status] = await memoryUsage(hog.child, { timeout: 0.2, interval: 0.05, retval: true });
    assert.deepStrictEqual(status, { code: null, signal: null, timedOut: true });
    assert.ok(values.length >= 2, `${values.length} values before the timeout`);
    assert.strictEqual(hog.child.exitCode, null, 'not killed');
    assert.ok(rss(hog.pid) > 16 * MiB, `the child still holds ${rss(hog.pid) / MiB} MiB`);
  } finally {
    await hog.stop();
  }
});

test('an exited ChildProcess is an error', async () => {
  const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
  await new Promise((resolve) => child.once('exit', resolve));
  await assert.rejects(memoryUsage(child), /already exited/);
});

test('a command array is started, sampled until it exits, and its exit code returned', async () => {
  const [values, status] = await memoryUsage(holdFor(60, 300, 3), { interval: 0.05, retval: true });
  assert.strictEqual(status.code, 3);
  assert.ok(max(values) > 60 * MiB, `max ${max(values) / MiB} MiB`);
});

test('a command that exits before its first reading is no error', async () => {
  // `true` often exits before the sampler opens it.
  for (let i = 0; i < 10; i++) {
    const [values, status] = await memoryUsage(['true'], { retval: true });
    assert.strictEqual(status.code, 0);
    assert.ok(values.length <= 3 && values.every((v) => v > 0), JSON.stringify(values));
  }
  const top = await memoryUsage(['true'], { maxUsage: true });
  assert.ok(top >= 0 && top < 64 * MiB, `${top}`);
});

test('a command still running at the timeout is stopped with SIGTERM', async () => {
  const start = Date.now();
  const [, status] = await memoryUsage(holdFor(1, 60000), { timeout: 0.3, retval: true });
  assert.ok(Date.now() - start < 5000, `stopped after ${Date.now() - start} ms`);
  assert.deepStrictEqual(status, { code: null, signal: 'SIGTERM', timedOut: true });
});

test('a command that ignores SIGTERM at the timeout is killed 5 s later', async () => {
  const stubborn = [process.execPath, '-e', "process.on('SIGTERM', () => {}); setInterval(() => {}, 1000)"];
  const [, status] = await memoryUsage(stubborn, { timeout: 0.3, retval: true });
  assert.deepStrictEqual(status, { code: null, signal: 'SIGKILL', timedOut: true });
});

test('a command that cannot start rejects with the reason', async () => {
  await assert.rejects(memoryUsage(['memprof-no-such-command-xyz']), /cannot run "memprof-no-such-command-xyz": command not found/);
});

// sh runs node: the node process is a child of the sampled one.
const viaShell = (mib, ms) => ['sh', '-c', `"${process.execPath}" -e 'Buffer.alloc(${mib} * 1024 * 1024, 1); setTimeout(() => {}, ${ms})'`];

test('includeChildren adds descendants to each value', async () => {
  const alone = await memoryUsage(viaShell(60, 400), { interval: 0.05, maxUsage: true });
  const together = await memoryUsage(viaShell(60, 400), { interval: 0.05, maxUsage: true, includeChildren: true });
  assert.ok(alone < 30 * MiB, `sh alone ${alone / MiB} MiB`);
  assert.ok(together > 60 * MiB, `with children ${together / MiB} MiB`);
});

test('includeChildren on a function target counts the children it runs', async () => {
  const { spawnSync } = require('node:child_process');
  const runChild = () => spawnSync(process.execPath, ['-e', 'Buffer.alloc(80 * 1024 * 1024, 1); setTimeout(() => {}, 300)']).status;
  const [values, status] = await memoryUsage(runChild, { includeChildren: true, interval: 0.05, retval: true });
  assert.strictEqual(status, 0);
  assert.ok(max(values) - values[0] > 80 * MiB, `with children ${(max(values) - values[0]) / MiB} MiB`);
  const alone = await memoryUsage(runChild, { interval: 0.05 });
  assert.ok(max(alone) - alone[0] < 20 * MiB, `alone ${(max(alone) - alone[0]) / MiB} MiB`);
});

test('multiprocess gives the main series and one series per child', async () => {
  const usage = await memoryUsage(viaShell(60, 400), { interval: 0.05, multiprocess: true, timestamps: true });
  assert.ok(Array.isArray(usage.main) && usage.main.length >= 3, `main series: ${JSON.stringify(usage.main)}`);
  assert.ok(max(usage.main.map(([b]) => b)) < 30 * MiB, 'main is the shell alone');
  assert.strictEqual(usage.children.length, 1, JSON.stringify(usage.children.map((c) => c.pid)));
  const [child] = usage.children;
  assert.ok(Number.isInteger(child.pid) && child.pid > 0, `child pid ${child.pid}`);
  assert.ok(max(child.values.map(([b]) => b)) > 60 * MiB, `child peak ${max(child.values.map(([b]) => b)) / MiB} MiB`);
  for (const [, time] of child.values) assert.ok(time > 1e9 && time < 1e10, 'epoch seconds');
});

test('stream gets MEM (and with multiprocess CHLD) lines in mprof format, one per value', async () => {
  const stream = new Collect();
  const usage = await memoryUsage(viaShell(40, 300), { interval: 0.05, multiprocess: true, stream });
  const recording = parseDat(stream.text, 'stream');
  assert.strictEqual(recording.mem.mib.length, usage.main.length);
  recording.mem.mib.forEach((mib, i) => assert.ok(Math.abs(mib * MiB - usage.main[i]) < 1024, `MEM line ${i}: ${mib} MiB vs value ${usage.main[i]} B`));
  assert.strictEqual(recording.children.size, 1);
  const [series] = recording.children.values();
  assert.ok(max(series.mib) > 40, `child peak ${max(series.mib)} MiB`);
  const stream2 = new Collect();
  const values = await memoryUsage(-1, { stream: stream2 });
  assert.match(stream2.text, /^MEM \d+\.\d{6} \d+\.\d{4}\n$/);
  assert.strictEqual(values.length, 1, 'values are returned as well');
});

test('the heap backend measures the V8 heap of this process', async () => {
  await collectGarbageAndSettle();
  const values = await memoryUsage(() => new Array(8 * MiB).fill(1.5), { backend: 'heap' });
  assert.ok(max(values) - values[0] > 60 * MiB, `heap grew ${(max(values) - values[0]) / MiB} MiB`);
  assert.ok(values[0] < rss(), 'heap, not RSS');
  await assert.rejects(memoryUsage(process.ppid, { backend: 'heap' }), /needs the native backend/);
  await assert.rejects(memoryUsage(-1, { backend: 'heap', includeChildren: true }), /needs the native backend/);
  await assert.rejects(memoryUsage(-1, { backend: 'psutil' }), /unknown backend "psutil": choose one of native, process, heap, uss, pss/);
});

test('the process backend samples this process from a timer', async () => {
  const values = await memoryUsage(async () => sleep(200), { backend: 'process', interval: 0.05 });
  // A first reading, one every 50 ms from a timer (later under load), and a last one.
  assert.ok(values.length >= 3, `${values.length}`);
  for (const v of values) assert.ok(Math.abs(v - rss()) < 64 * MiB, `value ${v / MiB} MiB vs RSS now ${rss() / MiB} MiB`);
});

test('the uss and pss backends read this process from /proc/self/smaps_rollup', async () => {
  for (const backend of ['uss', 'pss']) {
    const [value] = await memoryUsage(-1, { backend });
    assert.ok(value > 4 * MiB && value <= rss() + 4 * MiB, `${backend} ${value / MiB} MiB, rss ${rss() / MiB} MiB`);
  }
});

test('bad targets and options are TypeErrors or RangeErrors naming what is accepted', async () => {
  for (const bad of ['x', 0, -2, 1.5, {}, [], [() => 1, 5], [() => 1, [], 'extra'], ['node', 3], null]) {
    await assert.rejects(memoryUsage(bad), TypeError, `target ${String(bad)}`);
  }
  await assert.rejects(memoryUsage(-1, { timeStamps: true }), /unknown memoryUsage option "timeStamps"/);
  await assert.rejects(memoryUsage(-1, { interval: 0 }), RangeError);
  await assert.rejects(memoryUsage(-1, { interval: '1' }), TypeError);
  await assert.rejects(memoryUsage(-1, { timeout: -1 }), RangeError);
  await assert.rejects(memoryUsage(-1, { retval: 1 }), TypeError);
  await assert.rejects(memoryUsage(-1, { stream: {} }), /writable stream/);
});

test('memoryUsage works inside a worker thread', async () => {
  const message = await inWorker(`
    const { memoryUsage } = require(dist + '/measure/memory-usage.js');
    const self = await memoryUsage(-1);
    const [values, length] = await memoryUsage(() => Buffer.alloc(80 * 1024 * 1024, 1).length, { retval: true, interval: 0.01 });
    return { self, values, length };
  `);
  assert.strictEqual(message.self.length, 1);
  assert.strictEqual(message.length, 80 * MiB);
  assert.ok(max(message.values) - message.values[0] > 75 * MiB, `${(max(message.values) - message.values[0]) / MiB}`);
});

test('without the native addon: this process through the process backend, other pids a clear error', async () => {
  const script = `
    const { memoryUsage, memit } = require(${JSON.stringify(require.resolve('../../dist/index.js'))});
    (async () => {
      const self = await memoryUsage(-1);
      const top = await memoryUsage(() => Buffer.alloc(50 * 1024 * 1024, 1).length, { maxUsage: true });
      const { increment } = await memit(() => Buffer.alloc(50 * 1024 * 1024, 1).length);
      const errors = [];
      for (const args of [[process.ppid], [-1, { backend: 'native' }], [-1, { includeChildren: true }]]) {
        await memoryUsage(...args).then(() => errors.push('no error'), (err) => errors.push(err.name + ': ' + err.message));
      }
      console.log(JSON.stringify({ self, top, increment, errors }));
    })();
  `;
  const child = spawn(process.execPath, ['-e', script], { env: { ...process.env, MEMPROF_DISABLE_NATIVE: '1' } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  assert.strictEqual(await new Promise((resolve) => child.once('exit', resolve)), 0, stderr);
  const r = JSON.parse(stdout);
  assert.strictEqual(r.self.length, 1);
  assert.ok(r.top - r.self[0] > 45 * MiB, `maxUsage grew ${(r.top - r.self[0]) / MiB} MiB`);
  assert.ok(Math.abs(r.increment - 50 * MiB) < 2.5 * MiB, `memit ${r.increment / MiB} MiB (kernel peak from /proc)`);
  assert.strictEqual(r.errors.length, 3);
  for (const e of r.errors) assert.match(e, /^UsageError: .*the native addon is disabled \(MEMPROF_DISABLE_NATIVE=1 is set/);
  // The fallback is announced once.
  assert.strictEqual(stderr.match(/using the "process" backend/g).length, 1, stderr);
});

test("python3-mprof reads what stream wrote (mprof peak)", async (t) => {
  const { spawnSync } = require('node:child_process');
  if (spawnSync('python3-mprof', ['--version']).error) return t.skip('python3-mprof is not installed');
  const fs = require('node:fs');
  const os = require('node:os');
  const path = require('node:path');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memprof-stream-'));
  const file = path.join(dir, 'usage.dat');
  try {
    const stream = new Collect();
    const top = await memoryUsage(() => Buffer.alloc(60 * MiB, 1).length, { stream, interval: 0.01, maxUsage: true });
    fs.writeFileSync(file, stream.text);
    const peak = spawnSync('python3-mprof', ['peak', file], { encoding: 'utf8' });
    assert.strictEqual(peak.status, 0, peak.stderr);
    const mib = Number(/\t([\d.]+) MiB/.exec(peak.stdout)[1]);
    assert.ok(Math.abs(mib - top / MiB) < 0.01, `mprof peak ${mib} MiB, maxUsage ${top / MiB} MiB`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
