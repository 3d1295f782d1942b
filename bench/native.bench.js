'use strict';
// The native core's costs, each measured side by side in this one run:
//  1. ns per RSS read: native rss(), process.memoryUsage.rss(), the heap backend (and the
//     others for reference), with ratios against native.
//  2. the highest sampling rate the sampler sustains (achieved samples/s at 0.1 ms).
//  3. the slowdown a CPU-bound loop suffers with the sampler at 1 kHz and 10 kHz, against
//     the same loop without it, interleaved, median of several rounds.
// Targets (from the issue): native read >= 5x faster than process.memoryUsage.rss();
// sampling at 1 kHz costs the program < 0.5%.
const { performance } = require('node:perf_hooks');
const { createMeter } = require('../dist/meter/index.js');
const { Sampler } = require('../dist/sampler.js');
const { requireAddon } = require('../dist/native.js');

const addon = requireAddon();
const ROUNDS = Number(process.env.BENCH_ROUNDS) || 7;

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const fmt = (value, digits = 1) => value.toFixed(digits).padStart(10);
let sink = 0;

function nsPerCall(fn, calls) {
  const start = performance.now();
  for (let i = 0; i < calls; i++) sink += fn();
  return ((performance.now() - start) * 1e6) / calls;
}

// 1. Reads, interleaved round by round so drift hits every reader alike.
function reads() {
  const shared = new Sampler({ keepSamples: false }).shared;
  const readers = [
    ['native rss()', () => addon.rss(), 200000],
    ['native meter.read()', createMeter('native').read, 200000],
    ['process.memoryUsage.rss()', () => process.memoryUsage.rss(), 200000],
    ['heap (v8.getHeapStatistics)', createMeter('heap').read, 100000],
    ['sampler.shared[1] (no call)', () => shared[1], 2000000],
  ];
  if (process.platform === 'linux') {
    readers.push(['uss (smaps_rollup)', createMeter('uss').read, 300]);
    readers.push(['pss (smaps_rollup)', createMeter('pss').read, 300]);
  }
  for (const [, fn, calls] of readers) nsPerCall(fn, calls / 10); // warm up
  const times = readers.map(() => []);
  for (let round = 0; round < ROUNDS; round++) {
    readers.forEach(([, fn, calls], i) => times[i].push(nsPerCall(fn, calls)));
  }
  const ns = times.map(median);
  const native = ns[0];
  console.log(`ns per read (median of ${ROUNDS} interleaved rounds):\n`);
  console.log(`${'reader'.padEnd(30)}${'ns/read'.padStart(10)}${'x native'.padStart(10)}`);
  readers.forEach(([name], i) => console.log(`${name.padEnd(30)}${fmt(ns[i])}${fmt(ns[i] / native, 2)}`));
  const speedup = ns[2] / native;
  console.log(`\nnative vs process.memoryUsage.rss(): ${speedup.toFixed(1)}x faster (target >= 5x: ${speedup >= 5 ? 'met' : 'MISSED'})`);
}

// CPU time (utime + stime, in clock ticks) of each thread of this process (Linux).
function threadTicks() {
  const fs = require('node:fs');
  const ticks = new Map();
  for (const tid of fs.readdirSync('/proc/self/task')) {
    try {
      const stat = fs.readFileSync(`/proc/self/task/${tid}/stat`, 'latin1');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks.set(tid, Number(fields[11]) + Number(fields[12]));
    } catch {
      // the thread ended meanwhile
    }
  }
  return ticks;
}

// 2. Achieved rate at a requested interval over `ms` of wall time, and the sampler thread's
// own CPU time per sample (Linux; 10 ms clock ticks, so coarse at low rates).
async function achievedRate(intervalMs, ms) {
  const linux = process.platform === 'linux';
  const before = linux ? threadTicks() : new Map();
  const sampler = new Sampler({ intervalMs, keepSamples: false }).start();
  const start = performance.now();
  const count = sampler.count;
  await new Promise((resolve) => setTimeout(resolve, ms));
  const samples = sampler.count - count;
  const rate = (samples * 1000) / (performance.now() - start);
  let cpuUs = NaN;
  if (linux) {
    const fresh = [...threadTicks()].filter(([tid]) => !before.has(tid));
    if (fresh.length === 1) cpuUs = (fresh[0][1] * 10000) / samples;
  }
  sampler.stop();
  return { rate, cpuUs };
}

async function rates() {
  console.log('\nsampler rate (keepSamples: false, 2 s each):\n');
  console.log(`${'requested'.padEnd(14)}${'achieved/s'.padStart(12)}${'of target'.padStart(11)}${'thread CPU/sample'.padStart(20)}`);
  let cpuAt1kHz = NaN;
  for (const intervalMs of [1, 0.1]) {
    const { rate, cpuUs } = await achievedRate(intervalMs, 2000);
    const cpu = Number.isNaN(cpuUs) ? 'n/a' : `${cpuUs.toFixed(1)} us`;
    console.log(`${`${intervalMs} ms`.padEnd(14)}${rate.toFixed(0).padStart(12)}${`${((rate * intervalMs) / 10).toFixed(0)}%`.padStart(11)}${cpu.padStart(20)}`);
    if (intervalMs === 1) cpuAt1kHz = (cpuUs * rate) / 1e4;
  }
  // What 1 kHz costs whoever shares the core with the sampler thread, whatever the load.
  if (!Number.isNaN(cpuAt1kHz)) console.log(`\nthe sampler thread at 1 kHz uses ${cpuAt1kHz.toFixed(1)}% of one core`);
}

// 3. A CPU-bound loop that allocates nothing: xorshift over a fixed number of steps.
function cpuLoop(steps) {
  let x = 2463534242;
  for (let i = 0; i < steps; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
  }
  return x;
}

// On-CPU time of this (the main) thread in ms, from the scheduler (Linux); NaN elsewhere.
// Unlike wall time it leaves out the time other processes held the core, so it shows what
// the sampler does to the program itself even on a busy machine.
function mainThreadCpuMs() {
  try {
    return Number(require('node:fs').readFileSync('/proc/thread-self/schedstat', 'latin1').split(' ')[0]) / 1e6;
  } catch {
    return NaN;
  }
}

function timeLoop(steps, intervalMs) {
  const sampler = intervalMs ? new Sampler({ intervalMs, keepSamples: true }).start() : null;
  const cpuStart = mainThreadCpuMs();
  const start = performance.now();
  sink += cpuLoop(steps);
  const wall = performance.now() - start;
  const cpu = mainThreadCpuMs() - cpuStart;
  if (sampler) {
    sampler.stop();
    sink += sampler.samples().length;
  }
  return { wall, cpu };
}

const percent = (ratio) => `${((ratio - 1) * 100).toFixed(2)}%`;

function slowdown() {
  // About 150 ms per run on this machine; calibrated so every run does identical work.
  let steps = 1e6;
  while (timeLoop(steps).wall < 150) steps *= 2;
  const variants = [
    ['no sampler', 0],
    ['1 kHz (1 ms)', 1],
    ['10 kHz (0.1 ms)', 0.1],
  ];
  const runs = variants.map(() => []);
  const rounds = ROUNDS * 2 + 1;
  for (let round = 0; round < rounds; round++) {
    // Rotate the order so no variant always runs first.
    for (let k = 0; k < variants.length; k++) {
      const i = (round + k) % variants.length;
      runs[i].push(timeLoop(steps, variants[i][1]));
    }
  }
  // Per-round paired ratios against the run without a sampler: less exposed to drift
  // than a ratio of medians.
  const paired = (i, key) => median(runs[i].map((run, r) => run[key] / runs[0][r][key]));
  console.log(`\nCPU-bound loop (${steps} xorshift steps), median of ${rounds} interleaved runs:\n`);
  console.log(`${'variant'.padEnd(18)}${'wall ms'.padStart(10)}${'slowdown'.padStart(10)}${'main CPU ms'.padStart(13)}${'slowdown'.padStart(10)}`);
  variants.forEach(([name], i) => {
    const wall = median(runs[i].map((run) => run.wall));
    const cpu = median(runs[i].map((run) => run.cpu));
    console.log(`${name.padEnd(18)}${fmt(wall)}${percent(paired(i, 'wall')).padStart(10)}${fmt(cpu).padStart(13)}${percent(paired(i, 'cpu')).padStart(10)}`);
  });
  const cost = (paired(1, 'wall') - 1) * 100;
  console.log(`\n1 kHz sampling costs ${cost.toFixed(2)}% of wall time (target < 0.5%: ${cost < 0.5 ? 'met' : 'MISSED'})`);
  const cpuCost = (paired(1, 'cpu') - 1) * 100;
  if (!Number.isNaN(cpuCost)) console.log(`1 kHz sampling costs ${cpuCost.toFixed(2)}% of the main thread's own CPU time`);
}

(async () => {
  const os = require('node:os');
  const load = os.loadavg().map((value) => value.toFixed(2)).join(' ');
  console.log(`machine: ${os.cpus().length} CPUs, load average ${load} (slowdowns grow when no core is idle)\n`);
  reads();
  await rates();
  slowdown();
  if (sink === 0.5) console.log(sink); // keeps the measured work from being optimized away
})();
