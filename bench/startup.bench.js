'use strict';
// Start-up and footprint: what memprof adds to a program that does nothing, as ratios to
// plain node measured side by side (interleaved runs, medians). Goals (issue 14):
//  1. `memprof empty.js` against `node empty.js`: ≤ 1.3× the wall time, ≤ 8 MiB more peak RSS.
//  2. `memprof one-profile.js` (one profile() call) against `node one-profile.js`: ≤ 2×.
//  3. `require('memprof')` in a fresh process: ≤ 10 ms.
// Peak RSS is the child's own getrusage maximum, printed at exit by a preload given to both.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { performance } = require('node:perf_hooks');

const ROOT = path.join(__dirname, '..');
const BIN = path.join(ROOT, 'bin', 'memprof.js');
const ROUNDS = Number(process.env.BENCH_ROUNDS) || 15;
const MiB = 1048576;
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memprof-startup-'));
const empty = path.join(dir, 'empty.js');
const oneProfile = path.join(dir, 'one-profile.js');
const maxRss = path.join(dir, 'max-rss.js');
fs.writeFileSync(empty, '');
// Under memprof the global profile is the profiler; under node a stand-in that returns fn.
fs.writeFileSync(oneProfile, "const p = globalThis.profile ?? ((fn) => fn);\nconst f = p(function work() {\n  const a = new Array(1000).fill(1);\n  return a.length;\n});\nf();\n");
fs.writeFileSync(maxRss, "process.on('exit', () => process.stderr.write(`MAXRSS ${process.resourceUsage().maxRSS * 1024}\\n`));\n");

/** Wall time (ms) of one child, measured from here, and its peak RSS (bytes). */
function run(args) {
  const start = performance.now();
  const r = spawnSync(process.execPath, ['--require', maxRss, ...args], { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = performance.now() - start;
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  const bytes = Number(/MAXRSS (\d+)/.exec(r.stderr)?.[1]);
  return { ms, bytes };
}

function compare(label, plain, withMemprof, goalRatio, goalMiB) {
  const a = [];
  const b = [];
  for (let i = 0; i < ROUNDS; i++) {
    a.push(run(plain));
    b.push(run(withMemprof));
  }
  const ratio = median(b.map((x) => x.ms)) / median(a.map((x) => x.ms));
  const extra = (median(b.map((x) => x.bytes)) - median(a.map((x) => x.bytes))) / MiB;
  console.log(`${label}`);
  console.log(`   wall time ${median(b.map((x) => x.ms)).toFixed(0)} ms vs ${median(a.map((x) => x.ms)).toFixed(0)} ms: ${ratio.toFixed(2)}× (goal ≤ ${goalRatio}×)`);
  console.log(`   peak RSS ${(median(b.map((x) => x.bytes)) / MiB).toFixed(1)} MiB vs ${(median(a.map((x) => x.bytes)) / MiB).toFixed(1)} MiB: +${extra.toFixed(1)} MiB${goalMiB ? ` (goal ≤ ${goalMiB} MiB)` : ''}`);
}

function requireTime() {
  const script = `const t = performance.now(); require(${JSON.stringify(ROOT)}); console.log(performance.now() - t);`;
  const times = [];
  for (let i = 0; i < ROUNDS; i++) times.push(Number(spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' }).stdout));
  console.log(`3. require('memprof'): ${median(times).toFixed(1)} ms (median of ${ROUNDS}; goal ≤ 10 ms)`);
}

try {
  console.log(`medians of ${ROUNDS} interleaved runs`);
  compare('1. memprof empty.js vs node empty.js', [empty], [BIN, empty], 1.3, 8);
  compare('2. memprof one-profile.js vs node one-profile.js (one profile() call)', [oneProfile], [BIN, oneProfile], 2);
  requireTime();
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
