'use strict';
// Start-up and footprint: what memprof adds to a program that does nothing, as ratios to
// plain node measured side by side (interleaved runs, medians). Goals (issue 14):
//  1. `memprof empty.js` against `node empty.js`: ≤ 1.3× the wall time, ≤ 8 MiB more peak RSS.
//  2. `memprof one-profile.js` (one profile() call) against `node one-profile.js`: ≤ 2×.
//  3. `require('memprof')` in a fresh process: ≤ 10 ms.
// The machine may be shared: each round runs every variant once, in turn, so load that comes
// and goes hits them alike; each figure is the median with the min–max beside it. CPU time
// (user + system, all threads, from the child's own getrusage at exit) is the second figure:
// it counts the work done, not the time spent waiting for a core, so load moves it less.
// Peak RSS is the child's own getrusage maximum, printed at exit by a preload given to all.
// BENCH_BASELINE=<another checkout of memprof, built> runs that checkout's memprof in the
// same rounds too, and prints its figures beside (before and after a change, side by side).
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { performance } = require('node:perf_hooks');

const ROOT = path.join(__dirname, '..');
const BIN = path.join(ROOT, 'bin', 'memprof.js');
const BASELINE = process.env.BENCH_BASELINE ? path.resolve(process.env.BENCH_BASELINE) : null;
const BASELINE_BIN = BASELINE && path.join(BASELINE, 'bin', 'memprof.js');
if (BASELINE_BIN && !fs.existsSync(BASELINE_BIN)) throw new Error(`BENCH_BASELINE: no bin/memprof.js in ${BASELINE}`);
const ROUNDS = Number(process.env.BENCH_ROUNDS) || 15;
const MiB = 1048576;
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const range = (values, digits = 0) => `${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)}`;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memprof-startup-'));
const empty = path.join(dir, 'empty.js');
const oneProfile = path.join(dir, 'one-profile.js');
const usage = path.join(dir, 'usage.js');
fs.writeFileSync(empty, '');
// Under memprof the global profile is the profiler; under node a stand-in that returns fn.
fs.writeFileSync(oneProfile, "const p = globalThis.profile ?? ((fn) => fn);\nconst f = p(function work() {\n  const a = new Array(1000).fill(1);\n  return a.length;\n});\nf();\n");
// Registered first (a preload), so it runs after memprof's own exit handlers: the figures
// include writing the report.
fs.writeFileSync(
  usage,
  "process.on('exit', () => { const u = process.resourceUsage(); process.stderr.write(`USAGE ${u.maxRSS * 1024} ${(u.userCPUTime + u.systemCPUTime) / 1000}\\n`); });\n",
);

/** Wall time (ms, measured from here), CPU time (ms, the child's) and peak RSS (bytes) of one child. */
function run(args) {
  const start = performance.now();
  const r = spawnSync(process.execPath, ['--require', usage, ...args], { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = performance.now() - start;
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  const [, bytes, cpu] = /USAGE (\d+) ([\d.]+)/.exec(r.stderr) ?? [];
  if (bytes === undefined) throw new Error(`${args.join(' ')} printed no usage line: ${r.stderr}`);
  return { ms, cpu: Number(cpu), bytes: Number(bytes) };
}

/** One line per figure: memprof's median (min–max) against node's, and the ratio of medians. */
function compare(label, runs, goalRatio, goalMiB) {
  const { plain, withMemprof, baseline } = runs;
  console.log(label);
  const lines = (runs, indent) => {
    const figure = (key, scale = 1) => ({ a: plain.map((x) => x[key] / scale), b: runs.map((x) => x[key] / scale) });
    const ms = figure('ms');
    const cpu = figure('cpu');
    const rss = figure('bytes', MiB);
    const ratio = (f) => median(f.b) / median(f.a);
    console.log(`${indent}wall time ${median(ms.b).toFixed(0)} ms (${range(ms.b)}) vs ${median(ms.a).toFixed(0)} ms (${range(ms.a)}): ${ratio(ms).toFixed(2)}× (goal ≤ ${goalRatio}×)`);
    console.log(`${indent}CPU time  ${median(cpu.b).toFixed(0)} ms (${range(cpu.b)}) vs ${median(cpu.a).toFixed(0)} ms (${range(cpu.a)}): ${ratio(cpu).toFixed(2)}×`);
    const extra = median(rss.b) - median(rss.a);
    console.log(`${indent}peak RSS  ${median(rss.b).toFixed(1)} MiB (${range(rss.b, 1)}) vs ${median(rss.a).toFixed(1)} MiB (${range(rss.a, 1)}): +${extra.toFixed(1)} MiB${goalMiB ? ` (goal ≤ ${goalMiB} MiB)` : ''}`);
  };
  lines(withMemprof, '   ');
  if (baseline.length) {
    console.log('   baseline (BENCH_BASELINE), same rounds:');
    lines(baseline, '     ');
  }
}

/** Wall and CPU time (ms) of require(what) in a fresh process, measured inside it. */
function requireTime(what, cwd = ROOT) {
  const script = `const c = process.cpuUsage(); const t = performance.now(); require(${JSON.stringify(what)}); const ms = performance.now() - t; const u = process.cpuUsage(c); console.log(ms, (u.user + u.system) / 1000);`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', cwd });
  if (r.status !== 0) throw new Error(`require(${what}) failed: ${r.stderr}`);
  const [ms, cpu] = r.stdout.trim().split(' ').map(Number);
  return { ms, cpu };
}

try {
  console.log(`medians of ${ROUNDS} interleaved rounds (min–max in brackets); load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  if (BASELINE) console.log(`baseline: ${BASELINE}`);
  // Read by node at every start (tens of ms): it makes every ratio here smaller.
  if (process.env.NODE_EXTRA_CA_CERTS) console.log('NODE_EXTRA_CA_CERTS is set: node reads that certificate bundle at every start, memprof\'s and plain node\'s alike');
  const empties = { plain: [], withMemprof: [], baseline: [] };
  const profiles = { plain: [], withMemprof: [], baseline: [] };
  const requires = { memprof: [], commander: [], baseline: [] };
  for (let i = 0; i < ROUNDS; i++) {
    empties.plain.push(run([empty]));
    empties.withMemprof.push(run([BIN, empty]));
    if (BASELINE_BIN) empties.baseline.push(run([BASELINE_BIN, empty]));
    profiles.plain.push(run([oneProfile]));
    profiles.withMemprof.push(run([BIN, oneProfile]));
    if (BASELINE_BIN) profiles.baseline.push(run([BASELINE_BIN, oneProfile]));
    requires.memprof.push(requireTime(ROOT));
    if (BASELINE) requires.baseline.push(requireTime(BASELINE, BASELINE));
    requires.commander.push(requireTime('commander'));
  }
  compare('1. memprof empty.js vs node empty.js', empties, 1.3, 8);
  compare('2. memprof one-profile.js vs node one-profile.js (one profile() call)', profiles, 2);
  const ms = requires.memprof.map((x) => x.ms);
  const cpu = requires.memprof.map((x) => x.cpu);
  console.log(`3. require('memprof'): ${median(ms).toFixed(1)} ms (${range(ms, 1)}), CPU ${median(cpu).toFixed(1)} ms (${range(cpu, 1)}) (goal ≤ 10 ms)`);
  if (BASELINE) {
    const bms = requires.baseline.map((x) => x.ms);
    console.log(`   baseline (BENCH_BASELINE): ${median(bms).toFixed(1)} ms (${range(bms, 1)})`);
  }
  const cms = requires.commander.map((x) => x.ms);
  console.log(`   for scale, require('commander') alone: ${median(cms).toFixed(1)} ms (${range(cms, 1)})`);
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
