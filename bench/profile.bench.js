'use strict';
// The line profiler's costs, measured side by side in this one run:
//  1. ns per line event: (profiled time - plain time) / line events of the same loop, for
//     exact mode (reads RSS natively at each event), exact mode with the heap/external split
//     (the default: rss, heap and external at each event; target <= 1.5x exact) and fast
//     mode (reads the sampler's shared latest value), each in its own process (the mode is
//     per process).
//  2. memory_profiler 0.61's cost on the same loop in Python (Debian's python3-memory-profiler,
//     run by /usr/bin/python3), and the ratios. Targets: exact >= 20x cheaper, fast >= 300x.
//  3. LiveEdit set-up time of profile(fn) for a function in a generated 2,000-line file
//     (target <= 50 ms).
//  4. A whole workload with every function of a library profiled by -f (ratios to plain).
//  5. The deepest recursion profiled by -f, as a share of plain node's.
// `node bench/profile.bench.js whole` or `depth` runs 4 or 5 alone. For 4,
// BENCH_BASELINE=<another memprof checkout, built> also runs that one's --fast, interleaved
// (before and after a change side by side), and BENCH_WHOLE_FAST_ONLY=1 leaves exact mode out.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { performance } = require('node:perf_hooks');

const N = Number(process.env.BENCH_LOOP) || 200000;
const ROUNDS = Number(process.env.BENCH_ROUNDS) || 5;
// Line events of loop(n): `let x`, n + 1 header tests, n bodies, `return`.
const events = (n) => 2 * n + 3;
const median = (v) => [...v].sort((a, b) => a - b)[v.length >> 1];

const LOOP_SOURCE = `'use strict';
function loop(n) {
  let x = 0;
  for (let i = 0; i < n; i++) {
    x += i;
  }
  return x;
}
module.exports = loop;
`;

const PYTHON_LOOP = `
import json, sys, time
from memory_profiler import LineProfiler

def loop(n):
    x = 0
    for i in range(n):
        x += i
    return x

n, rounds = int(sys.argv[1]), int(sys.argv[2])
plain, prof = [], []
profiler = LineProfiler(backend='psutil')
profiled = profiler(loop)
for _ in range(rounds):
    t = time.perf_counter(); loop(n); plain.append(time.perf_counter() - t)
    t = time.perf_counter(); profiled(n); prof.append(time.perf_counter() - t)
plain.sort(); prof.sort()
print(json.dumps({'plain': plain[len(plain) // 2], 'profiled': prof[len(prof) // 2]}))
`;

/** One mode in this process: time plain and profiled copies of the loop, interleaved. */
function measureMode(variant) {
  const mode = variant === 'split' ? 'exact' : variant;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memprof-bench-'));
  try {
    fs.writeFileSync(path.join(dir, 'plain.js'), LOOP_SOURCE);
    fs.writeFileSync(path.join(dir, 'probed.js'), LOOP_SOURCE);
    const plain = require(path.join(dir, 'plain.js'));
    const probed = require(path.join(dir, 'probed.js'));
    const { profile, getResults } = require('../dist');
    profile(probed, { report: 'none', mode, split: variant === 'split' });
    plain(N);
    probed(N); // warm up both
    // What the meter read alone costs, in the same rounds, to tell the probes' own share.
    const { tryAddon } = require('../dist/native');
    const addon = tryAddon();
    const READS = 50000;
    const tp = [];
    const tq = [];
    const tr = [];
    for (let r = 0; r < ROUNDS; r++) {
      let t = performance.now();
      plain(N);
      tp.push(performance.now() - t);
      t = performance.now();
      probed(N);
      tq.push(performance.now() - t);
      t = performance.now();
      for (let i = 0; addon && i < READS; i++) addon.rss();
      tr.push(addon ? ((performance.now() - t) * 1e6) / READS : NaN);
    }
    const rows = getResults().functions[0].lines;
    const counted = rows.slice(1).reduce((sum, l) => sum + l.occurrences, 0) / (ROUNDS + 1);
    if (counted !== events(N)) throw new Error(`expected ${events(N)} line events a call, counted ${counted}`);
    const nsPerEvent = ((median(tq) - median(tp)) * 1e6) / events(N);
    const readNs = median(tr);
    process.stdout.write(JSON.stringify({ mode: variant, nsPerEvent, readNs, plainMs: median(tp), profiledMs: median(tq) }));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** profile() of one function in a generated 2,000-line script: Debugger.enable to setScriptSource. */
function liveEditSetup() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memprof-bench-'));
  try {
    const lines = ["'use strict';"];
    for (let f = 0; lines.length < 1990; f++) {
      lines.push(`function f${f}(a, b) {`, '  const list = [];', '  for (let i = 0; i < a; i++) {', '    list.push(i * b);', '  }',
        '  if (list.length > 3) {', '    return list.slice(1);', '  }', '  return list;', '}');
    }
    const count = (lines.length - 1) / 10;
    lines.push(`module.exports = [${Array.from({ length: count }, (_, i) => `f${i}`).join(', ')}];`);
    const file = path.join(dir, 'big.js');
    fs.writeFileSync(file, `${lines.join('\n')}\n`);
    const fns = require(file);
    const { profile } = require('../dist');
    const times = [];
    for (const i of [1, Math.floor(count / 4), Math.floor(count / 2), Math.floor((3 * count) / 4), count - 2]) {
      const t = performance.now();
      profile(fns[i], { report: 'none' });
      times.push(performance.now() - t);
      if (fns[i](5, 2).length !== 4) throw new Error('probed function changed its result');
    }
    process.stdout.write(JSON.stringify({ lines: lines.length + 1, ms: times }));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function child(arg) {
  const r = spawnSync(process.execPath, ['--expose-gc', __filename, arg], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${arg}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

function python() {
  const py = '/usr/bin/python3';
  const check = spawnSync(py, ['-c', 'import memory_profiler, psutil'], { encoding: 'utf8' });
  if (check.status !== 0) return null;
  // memory_profiler is slow: a smaller loop keeps the run short (cost per event does not depend on n).
  const n = Math.max(1000, Math.floor(N / 10));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memprof-bench-'));
  const script = path.join(dir, 'loop.py'); // memory_profiler reads the function's source file
  fs.writeFileSync(script, PYTHON_LOOP);
  const r = spawnSync(py, [script, String(n), String(ROUNDS)], { encoding: 'utf8' });
  fs.rmSync(dir, { recursive: true, force: true });
  if (r.status !== 0) throw new Error(`python: ${r.stderr}`);
  const { plain, profiled } = JSON.parse(r.stdout);
  return { nsPerEvent: ((profiled - plain) * 1e9) / events(n), n };
}

/**
 * 4. A whole workload with every function of a library profiled by -f: acorn (a dependency,
 * so on any machine after npm install) parsing commander's command.js, plain node against
 * memprof -f 'acorn.js:*' --fast and exact. Targets: fast <= 3x plain, exact <= 25x.
 */
function wholeWorkload() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memprof-bench-'));
  const script = path.join(dir, 'parse.js');
  const target = path.join(path.dirname(require.resolve('commander')), 'lib', 'command.js');
  const acornJs = require.resolve('acorn').replace(/acorn\.mjs$/, 'acorn.js');
  fs.writeFileSync(
    script,
    `const acorn = require(${JSON.stringify(acornJs)});\nconst text = require('node:fs').readFileSync(${JSON.stringify(target)}, 'utf8');\n` +
      `for (let i = 0; i < 4; i++) acorn.parse(text, { ecmaVersion: 'latest', locations: true });\n`,
  );
  const bin = path.join(__dirname, '..', 'bin', 'memprof.js');
  const runs = { plain: [script], fast: [bin, '-f', 'acorn.js:*', '--fast', '-o', path.join(dir, 'fast.txt'), script], exact: [bin, '-f', 'acorn.js:*', '-o', path.join(dir, 'exact.txt'), script] };
  // BENCH_BASELINE=<another memprof checkout, built>: its --fast run too, interleaved (before and after a change).
  const baseline = process.env.BENCH_BASELINE ? path.join(path.resolve(process.env.BENCH_BASELINE), 'bin', 'memprof.js') : null;
  if (baseline) runs.baseFast = [baseline, '-f', 'acorn.js:*', '--fast', '-o', path.join(dir, 'base-fast.txt'), script];
  if (process.env.BENCH_WHOLE_FAST_ONLY === '1') delete runs.exact;
  const ms = Object.fromEntries(Object.keys(runs).map((name) => [name, []]));
  const rounds = Math.max(3, Math.floor(ROUNDS / 3));
  try {
    for (let r = 0; r < rounds; r++) {
      for (const [name, args] of Object.entries(runs)) {
        const t0 = performance.now();
        const res = spawnSync(process.execPath, args, { encoding: 'utf8' });
        if (res.status !== 0) throw new Error(`${name}: ${res.stderr}`);
        ms[name].push(performance.now() - t0);
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const plain = median(ms.plain);
  const fast = median(ms.fast) / plain;
  console.log(`\nwhole workload, acorn parsing commander's command.js 4 times, every acorn function profiled by -f (median of ${rounds}, whole-process times):`);
  const exactText = runs.exact ? (() => {
    const exact = median(ms.exact) / plain;
    return `; exact ${exact.toFixed(1)}x plain (target <= 25x: ${exact <= 25 ? 'met' : 'MISSED'})`;
  })() : '';
  console.log(`  plain ${plain.toFixed(0)} ms; --fast ${fast.toFixed(1)}x plain (target <= 3x: ${fast <= 3 ? 'met' : 'MISSED'})${exactText}`);
  if (baseline) console.log(`  baseline (${process.env.BENCH_BASELINE}) --fast ${(median(ms.baseFast) / plain).toFixed(1)}x plain; medians ${median(ms.baseFast).toFixed(0)} ms before, ${median(ms.fast).toFixed(0)} ms now`);
}

/**
 * 5. Deepest recursion before RangeError, profiled by -f against plain node: the probes'
 * share of each frame (locals, temporaries, the try block) is what costs depth. `rec`
 * returns nothing (probed without a try block); `recReturns` returns what its call
 * computes (a return that runs code keeps the try/finally).
 */
function recursionDepth() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memprof-bench-'));
  const script = path.join(dir, 'rec.js');
  fs.writeFileSync(
    script,
    "'use strict';\nlet deepest = 0;\nfunction rec(d) {\n  deepest = d;\n  rec(d + 1);\n}\nfunction recReturns(d) {\n  deepest = d;\n  return recReturns(d + 1) + 1;\n}\n" +
      "try {\n  (process.argv[2] === 'returns' ? recReturns : rec)(1);\n} catch (err) {\n  if (!(err instanceof RangeError)) throw err;\n}\nconsole.log(deepest);\n",
  );
  const bin = path.join(__dirname, '..', 'bin', 'memprof.js');
  const depth = (args) => {
    const res = spawnSync(process.execPath, args, { encoding: 'utf8' });
    if (res.status !== 0) throw new Error(`${args.join(' ')}: ${res.stderr}`);
    return Number(res.stdout.trim().split('\n')[0]);
  };
  const share = (n, plain) => `${((100 * n) / plain).toFixed(0)}% of plain`;
  try {
    const plain = depth([script]);
    const exact = depth([bin, '-f', 'rec', '-o', path.join(dir, 'exact.txt'), script]);
    const fast = depth([bin, '-f', 'rec', '--fast', '-o', path.join(dir, 'fast.txt'), script]);
    console.log(`\nrecursion depth before RangeError, -f rec against plain node: plain ${plain}; exact ${exact} (${share(exact, plain)}); --fast ${fast} (${share(fast, plain)})`);
    const plainReturns = depth([script, 'returns']);
    const returns = depth([bin, '-f', 'recReturns', '-o', path.join(dir, 'returns.txt'), script, 'returns']);
    console.log(`with a return that runs code (a try block): plain ${plainReturns}; exact ${returns} (${share(returns, plainReturns)})`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function main() {
  const arg = process.argv[2];
  if (arg === 'depth') return recursionDepth();
  if (arg === 'exact' || arg === 'split' || arg === 'fast') return measureMode(arg);
  if (arg === 'liveedit') return liveEditSetup();
  if (arg === 'whole') return wholeWorkload();

  // exact and split alternate, PAIRS times, so that a shared machine's load drifting
  // during the run weighs on both alike; each figure is the median over its runs.
  const PAIRS = Number(process.env.BENCH_SPLIT_PAIRS) || 3;
  const exacts = [];
  const splits = [];
  for (let i = 0; i < PAIRS; i++) {
    exacts.push(child('exact'));
    splits.push(child('split'));
  }
  const byCost = (runs) => [...runs].sort((a, b) => a.nsPerEvent - b.nsPerEvent)[runs.length >> 1];
  const exact = byCost(exacts);
  const split = byCost(splits);
  const pairRatios = exacts.map((e, i) => splits[i].nsPerEvent / e.nsPerEvent);
  const fast = child('fast');
  const mp = python();
  console.log(`cost of one line event, loop of ${N} iterations (${events(N)} events), median of ${ROUNDS} rounds (exact and split: median run of ${PAIRS}):\n`);
  console.log(`${'profiler'.padEnd(34)}${'ns/event'.padStart(12)}${'plain ms'.padStart(12)}${'profiled ms'.padStart(13)}`);
  for (const m of [exact, split, fast]) {
    console.log(`${`memprof ${m.mode}`.padEnd(34)}${m.nsPerEvent.toFixed(0).padStart(12)}${m.plainMs.toFixed(2).padStart(12)}${m.profiledMs.toFixed(2).padStart(13)}`);
  }
  console.log(`\nnative rss() alone, in the exact run's rounds: ${exact.readNs.toFixed(0)} ns a read (exact mode's probe adds about ${(exact.nsPerEvent - exact.readNs).toFixed(0)} ns)`);
  const rs = median(pairRatios);
  console.log(
    `the split (rss, heap, external) costs ${rs.toFixed(2)}x exact mode's event, median of ${PAIRS} alternating pairs ` +
      `(${pairRatios.map((r) => r.toFixed(2)).join(', ')}) (target <= 1.5x: ${rs <= 1.5 ? 'met' : 'MISSED'})`,
  );
  if (mp) {
    console.log(`${`memory_profiler 0.61 (n=${mp.n})`.padEnd(34)}${mp.nsPerEvent.toFixed(0).padStart(12)}`);
    const re = mp.nsPerEvent / exact.nsPerEvent;
    const rf = mp.nsPerEvent / fast.nsPerEvent;
    console.log(`\nexact mode: ${re.toFixed(0)}x cheaper than memory_profiler (target >= 20x: ${re >= 20 ? 'met' : 'MISSED'})`);
    console.log(`fast mode:  ${rf.toFixed(0)}x cheaper than memory_profiler (target >= 300x: ${rf >= 300 ? 'met' : 'MISSED'})`);
  } else {
    console.log('\nmemory_profiler not installed (apt-get install python3-memory-profiler): no ratios');
  }
  const le = child('liveedit');
  const m = median(le.ms);
  console.log(`\nLiveEdit set-up, ${le.lines}-line file: median ${m.toFixed(1)} ms (${le.ms.map((t) => t.toFixed(1)).join(', ')}) (target <= 50 ms: ${m <= 50 ? 'met' : 'MISSED'})`);
  wholeWorkload();
  recursionDepth();
}

main();
