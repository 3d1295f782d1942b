'use strict';
// CI checks: how stable the verdicts' figures are, and what measuring costs, each
// measured side by side in this one run.
//  1. memprof check: spread of the peak RSS and heap peak over repeated runs of one
//     Node.js command (its own kernel peak and the sampler), as a share of the median.
//  2. the heap-reporter preload: a child's duration and peak RSS with it, against without.
//  3. assertNoLeak: fitted slopes for a clean function and one keeping 64 KiB per call
//     over repeated runs, against the 1 KiB threshold (the margin of each verdict).
//  4. measureCall's own cost against a bare call (garbage collection and RSS settling).
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const { performance } = require('node:perf_hooks');
const { runCommand } = require('../dist/check/run-command.js');
const { assertNoLeak } = require('../dist/testing/index.js');
const { measureCall, collectGarbage } = require('../dist/measure/measure-call.js');

const ROUNDS = Number(process.env.BENCH_ROUNDS) || 9;
const MiB = 1048576;
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const spread = (values) => (Math.max(...values) - Math.min(...values)) / median(values);
const pct = (x) => `${(x * 100).toFixed(2)}%`;

// A command with a realistic mix: heap objects, garbage, Buffers.
const WORKLOAD = [
  '-e',
  'const keep = []; for (let i = 0; i < 200; i++) { keep.push(new Array(5000).fill(i)); Buffer.alloc(256 * 1024, 1); JSON.stringify(keep.slice(-10)); }',
];

async function checkSpread() {
  const rss = [];
  const heap = [];
  for (let i = 0; i < ROUNDS; i++) {
    const m = await runCommand([process.execPath, ...WORKLOAD], { intervalMs: 5, outputFd: 2 });
    rss.push(m.peakRss);
    heap.push(m.peakHeap);
  }
  console.log('1. memprof check figures over', ROUNDS, 'runs of one command');
  console.log(`   peak RSS  median ${(median(rss) / MiB).toFixed(1)} MiB, spread (max-min)/median ${pct(spread(rss))}`);
  console.log(`   heap peak median ${(median(heap) / MiB).toFixed(1)} MiB, spread (max-min)/median ${pct(spread(heap))}`);
}

function preloadCost() {
  const reporter = path.join(__dirname, '..', 'dist', 'check', 'heap-reporter.js');
  const run = (withPreload) => {
    const args = withPreload ? ['--require', reporter, ...WORKLOAD] : WORKLOAD;
    const script = `const {spawnSync}=require('child_process');const t=performance.now();spawnSync(${JSON.stringify(process.execPath)},${JSON.stringify(args)},{env:{...process.env,MEMPROF_CHECK_REPORT:'/dev/null'}});console.log(performance.now()-t)`;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    return Number(r.stdout);
  };
  const bare = [];
  const preloaded = [];
  for (let i = 0; i < ROUNDS; i++) {
    bare.push(run(false));
    preloaded.push(run(true));
  }
  console.log('2. heap-reporter preload: child wall time with / without (median of', ROUNDS, 'interleaved runs)');
  console.log(`   ${median(preloaded).toFixed(1)} ms / ${median(bare).toFixed(1)} ms = ${(median(preloaded) / median(bare)).toFixed(3)}x`);
}

async function leakMargins() {
  const clean = [];
  const leak = [];
  for (let i = 0; i < 5; i++) {
    clean.push((await assertNoLeak(() => new Array(8192).fill(1.5).length)).medianSlope);
    const kept = [];
    const err = await assertNoLeak(() => { kept.push(new Array(8192).fill(1.5)); }).catch((e) => e);
    leak.push(err.report.medianSlope);
  }
  console.log('3. assertNoLeak median (Theil-Sen) slopes, 400 iterations, 5 runs each (threshold 1024 B/iteration)');
  console.log(`   clean: ${clean.map((s) => s.toFixed(1)).join(', ')} B/iteration (largest |slope| / threshold ${(Math.max(...clean.map(Math.abs)) / 1024).toFixed(4)})`);
  console.log(`   leak:  ${leak.map((s) => (s / 1024).toFixed(1)).join(', ')} KiB/iteration (smallest / threshold ${(Math.min(...leak) / 1024).toFixed(1)}x)`);
}

async function measureCallCost() {
  const fn = () => new Array(1000).fill(0).length;
  const bare = [];
  const measured = [];
  const sync = [];
  for (let i = 0; i < ROUNDS; i++) {
    let t = performance.now();
    collectGarbage();
    fn();
    bare.push(performance.now() - t);
    t = performance.now();
    await measureCall(fn);
    measured.push(performance.now() - t);
    t = performance.now();
    await measureCall(fn, { collectBefore: false });
    sync.push(performance.now() - t);
  }
  console.log('4. measureCall of a tiny function, median ms: gc + call', median(bare).toFixed(2),
    '| measureCall', median(measured).toFixed(2), '(gc, RSS settling) | without collectBefore', median(sync).toFixed(2));
}

(async () => {
  await checkSpread();
  preloadCost();
  await leakMargins();
  await measureCallCost();
})();
