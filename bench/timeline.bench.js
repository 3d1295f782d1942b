'use strict';
// Memory over time: what sampling costs a CPU-bound program, and memprof run against
// python3-mprof run on the same program at the same interval. Every figure is a ratio or a
// rate measured in this run, runs interleaved and medians kept (the machine is shared).
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.join(__dirname, '..');
const CLI = path.join(ROOT, 'bin', 'memprof.js');
const { Sampler } = require(path.join(ROOT, 'dist', 'sampler.js'));
const { readDat } = require(path.join(ROOT, 'dist', 'timeline', 'dat.js'));

const ROUNDS = Number(process.env.BENCH_ROUNDS || 4);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
// Times of CPU-bound work: other load on the machine only ever adds, so the best run is the
// truest figure of each configuration.
const best = (xs) => Math.min(...xs);

// The CPU-bound work: integer hashing, no allocation, about half a second.
function work(n) {
  let h = 0;
  for (let i = 0; i < n; i++) h = (Math.imul(h ^ i, 0x9e3779b1) + (h >>> 13)) | 0;
  return h;
}
const N = Number(process.env.BENCH_WORK || 400e6);

function timeWork() {
  const t = process.hrtime.bigint();
  work(N);
  return Number(process.hrtime.bigint() - t) / 1e6;
}

// 1. A sampler thread in the same process (what `profile()` and `memit` run beside the code).
function inProcess() {
  timeWork(); // warm up the JIT
  const results = { none: [], 1: [], 0.1: [] };
  const rates = { 1: [], 0.1: [] };
  const order = ['none', 1, 0.1];
  for (let r = 0; r < ROUNDS; r++) {
    // Rotate the order each round so no configuration always runs first or last.
    for (const key of order.slice(r % 3).concat(order.slice(0, r % 3))) {
      if (key === 'none') {
        results.none.push(timeWork());
        continue;
      }
      const intervalMs = key;
      const s = new Sampler({ intervalMs }).start();
      const t0 = Date.now();
      results[intervalMs].push(timeWork());
      const elapsed = (Date.now() - t0) / 1000;
      s.stop();
      rates[intervalMs].push(s.count / elapsed);
    }
  }
  const base = best(results.none);
  console.log('sampler thread in the CPU-bound process itself (best of %d rounds, interleaved; samples/s: median):', ROUNDS);
  console.log(`  no sampler       ${base.toFixed(0)} ms`);
  for (const [label, key] of [['1 kHz (1 ms)   ', 1], ['10 kHz (0.1 ms)', 0.1]]) {
    console.log(`  ${label}  ${best(results[key]).toFixed(0)} ms  slowdown ${(best(results[key]) / base).toFixed(3)}x  samples/s ${median(rates[key]).toFixed(0)}`);
  }
}

// 2. A recorder sampling a CPU-bound child: memprof run vs python3-mprof run.
const PROGRAM = `
function work(n) { let h = 0; for (let i = 0; i < n; i++) h = (Math.imul(h ^ i, 0x9e3779b1) + (h >>> 13)) | 0; return h; }
work(1e6);
const t = process.hrtime.bigint(); work(${N}); console.log(Number(process.hrtime.bigint() - t) / 1e6);
setTimeout(() => {}, 2000); // then idle: the recorder's steady cost is measured over a longer span
`;

function hasMprof() {
  return spawnSync('sh', ['-c', 'command -v python3-mprof']).status === 0;
}

function runOnce(dir, tool, interval, program = 'cpu.js') {
  const dat = path.join(dir, `${tool}-${interval}.dat`);
  fs.rmSync(dat, { force: true });
  const prog = path.join(dir, program);
  let argv;
  if (tool === 'plain') argv = [process.execPath, prog];
  else if (tool === 'memprof') argv = [process.execPath, CLI, 'run', '-T', String(interval), '-o', dat, process.execPath, prog];
  else argv = ['python3-mprof', 'run', '-T', String(interval), '-o', dat, process.execPath, prog];
  // bash's `times` gives the CPU time of everything it ran: program plus recorder.
  const quoted = argv.map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
  const r = spawnSync('bash', ['-c', `${quoted}; times`], { encoding: 'utf8', cwd: dir });
  if (r.status !== 0) throw new Error(`${tool}: ${r.stderr}`);
  const out = r.stdout.trim().split('\n');
  const [user, sys] = out[out.length - 1].split(' ').map((t) => {
    const m = /^(\d+)m([\d.]+)s$/.exec(t);
    return Number(m[1]) * 60 + Number(m[2]);
  });
  const workMs = Number(out[out.length - 3]);
  if (tool === 'plain' || program !== 'cpu.js') return { workMs, cpu: user + sys };
  const times = readDat(dat).mem.times;
  const span = times[times.length - 1] - times[0];
  return { workMs, cpu: user + sys, span, rate: (times.length - 1) / span };
}

function versusMprof() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memprof-bench-'));
  fs.writeFileSync(path.join(dir, 'cpu.js'), PROGRAM);
  // Prints a work time of 0 and exits: what starting and stopping each tool costs.
  fs.writeFileSync(path.join(dir, 'empty.js'), 'console.log(0);');
  const tools = hasMprof() ? ['memprof', 'mprof'] : ['memprof'];
  if (tools.length === 1) console.log('\n(python3-mprof is not installed: memprof run alone)');
  for (const interval of [0.01, 0.001, 0.0001]) {
    const work = { plain: [], memprof: [], mprof: [] };
    const rate = { memprof: [], mprof: [] };
    const cpu = { plain: [], memprof: [], mprof: [] };
    const span = { memprof: [], mprof: [] };
    const startup = { plain: [], memprof: [], mprof: [] };
    for (let r = 0; r < ROUNDS; r++) {
      for (const tool of ['plain', ...tools]) startup[tool].push(runOnce(dir, tool, interval, 'empty.js').cpu);
      const order = ['plain', ...tools];
      for (const tool of order.slice(r % order.length).concat(order.slice(0, r % order.length))) {
        const res = runOnce(dir, tool, interval);
        work[tool].push(res.workMs);
        cpu[tool].push(res.cpu);
        if (res.rate !== undefined) {
          rate[tool].push(res.rate);
          span[tool].push(res.span);
        }
      }
    }
    const base = best(work.plain);
    console.log(`\nrecording a CPU-bound node program at --interval ${interval} s (asked ${(1 / interval).toFixed(0)} samples/s); ${work.plain.length} rounds, slowdown from the best work time, the rest medians:`);
    console.log(`  ${'tool'.padEnd(20)} ${'samples/s taken'.padStart(16)} ${'slowdown of the program'.padStart(24)} ${'recorder CPU (% of a core)'.padStart(27)}`);
    for (const tool of tools) {
      const label = tool === 'memprof' ? 'memprof run' : 'python3-mprof run';
      // The recorder's own CPU while it samples: everything bash ran, less what the program
      // alone takes, less the tool's start and stop (measured on an empty program).
      const steady = median(cpu[tool]) - median(cpu.plain) - (median(startup[tool]) - median(startup.plain));
      const recorderCpu = (100 * steady) / median(span[tool]);
      console.log(
        `  ${label.padEnd(20)} ${median(rate[tool]).toFixed(0).padStart(16)} ${`${(best(work[tool]) / base).toFixed(3)}x`.padStart(24)} ${`${recorderCpu.toFixed(1)}%`.padStart(27)}`,
      );
    }
  }
  fs.rmSync(dir, { recursive: true, force: true });
}

inProcess();
versusMprof();
