'use strict';
// Big files (issue 9), on typescript.js (9 MB, the devDependency), whole runs side by side
// (interleaved, medians): a program loads typescript, reports its memory at the next line,
// then parses a 4,000-line file with ts.createSourceFile.
//  1. profile(ts.createSourceFile): its set-up time (goal ≤ 2 s; V8's LiveEdit of the file
//     took 24 s or more), and the whole run against plain node.
//  2. memprof -f 'typescript.js:createSourceFile': the load of typescript.js against the same
//     memprof run with nothing to instrument (goal ≤ 1 s more), and the whole run.
//     And by line (typescript.js:<createSourceFile's line>): found without the whole file's
//     parse, as by name.
//  3. Memory at the line after require('typescript'): -f against memprof with nothing
//     instrumented (goal ≤ 5 MiB: the instrumenter leaves nothing) and against plain node.
// BENCH_LIVEEDIT=1 also times one V8 LiveEdit of typescript.js (what profile() did before).
// BENCH_BASELINE=<another memprof checkout, built> also runs 2 and 3 with that one's
// bin/memprof.js, interleaved with this one's: before and after a change side by side.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { performance } = require('node:perf_hooks');

const ROOT = path.join(__dirname, '..');
const BIN = path.join(ROOT, 'bin', 'memprof.js');
const ROUNDS = Number(process.env.BENCH_ROUNDS) || 3;
const MiB = 1048576;
const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];

let TS;
try {
  TS = require.resolve('typescript', { paths: [ROOT] });
} catch {
  console.log('skipped: the typescript devDependency is not installed (npm ci)');
  process.exit(0);
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memprof-bigfile-'));
const program = path.join(dir, 'program.js');
fs.writeFileSync(
  program,
  `const { performance } = require('node:perf_hooks');
let t = performance.now();
const ts = require(${JSON.stringify(TS)});
const load = performance.now() - t;
const m = process.memoryUsage();
let setup = null;
if (process.env.BIGFILE_PROFILE) {
  t = performance.now();
  require(${JSON.stringify(ROOT)}).profile(ts.createSourceFile, { report: 'none' });
  setup = performance.now() - t;
}
const text = 'let x: number = 1;\\nfunction f(a: string) { return a.length; }\\n'.repeat(2000);
const n = ts.createSourceFile('a.ts', text, ts.ScriptTarget.Latest).statements.length;
process.stderr.write('BIGFILE ' + JSON.stringify({ load, setup, rss: m.rss, heap: m.heapUsed, n }) + '\\n');
`,
);

function run(args, env = {}) {
  const start = performance.now();
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', cwd: dir, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = performance.now() - start;
  const line = /^BIGFILE (.*)$/m.exec(r.stderr);
  if (r.status !== 0 || !line) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return { ms, ...JSON.parse(line[1]) };
}

const BASELINE = process.env.BENCH_BASELINE ? path.join(path.resolve(process.env.BENCH_BASELINE), 'bin', 'memprof.js') : null;
// createSourceFile's line in this typescript.js: the selector a stack trace or an editor gives.
const CREATE_LINE = fs.readFileSync(TS, 'utf8').split('\n').findIndex((l) => l.startsWith('function createSourceFile(')) + 1;

const RUNS = {
  plain: () => run([program]),
  profile: () => run([program], { BIGFILE_PROFILE: '1' }),
  memprof: () => run([BIN, '-f', 'elsewhere.js:nothing', program]),
  select: () => run([BIN, '-f', 'typescript.js:createSourceFile', program]),
  byLine: () => run([BIN, '-f', `typescript.js:${CREATE_LINE}`, program]),
  ...(BASELINE && {
    baseMemprof: () => run([BASELINE, '-f', 'elsewhere.js:nothing', program]),
    baseSelect: () => run([BASELINE, '-f', 'typescript.js:createSourceFile', program]),
  }),
};

function liveEditOnce() {
  const script = `const inspector = require('node:inspector');
const ts = require(${JSON.stringify(TS)});
const s = new inspector.Session(); s.connect();
const post = (m, p) => { let r; s.post(m, p, (e, x) => { if (e) throw e; r = x; }); return r; };
let id;
s.on('Debugger.scriptParsed', (m) => { if (m.params.url.endsWith('typescript.js')) id = m.params.scriptId; });
post('Debugger.enable');
const { scriptSource } = post('Debugger.getScriptSource', { scriptId: id });
const at = scriptSource.indexOf('function createSourceFile(');
const edited = scriptSource.slice(0, at) + scriptSource.slice(at).replace('{', '{ void 0;');
const t = performance.now();
post('Debugger.setScriptSource', { scriptId: id, scriptSource: edited });
console.log(performance.now() - t);`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  return Number(r.stdout) / 1000;
}

try {
  const results = Object.fromEntries(Object.keys(RUNS).map((name) => [name, []]));
  for (let i = 0; i < ROUNDS; i++) for (const [name, fn] of Object.entries(RUNS)) results[name].push(fn());
  const m = (name, key) => median(results[name].map((r) => r[key]));
  const s = (ms) => `${(ms / 1000).toFixed(2)} s`;
  const mib = (bytes) => `${(bytes / MiB).toFixed(1)} MiB`;
  const diff = (bytes) => `${bytes < 0 ? '-' : '+'}${(Math.abs(bytes) / MiB).toFixed(1)} MiB`;
  console.log(`typescript.js ${(fs.statSync(TS).size / MiB).toFixed(1)} MiB; medians of ${ROUNDS} interleaved rounds`);
  console.log('1. profile(ts.createSourceFile)');
  console.log(`   set-up ${s(m('profile', 'setup'))} (goal ≤ 2 s)`);
  console.log(`   whole run ${s(m('profile', 'ms'))} vs plain node ${s(m('plain', 'ms'))}: +${s(m('profile', 'ms') - m('plain', 'ms'))}`);
  if (process.env.BENCH_LIVEEDIT === '1') console.log(`   (V8's LiveEdit of typescript.js, what profile() did before: ${liveEditOnce().toFixed(1)} s)`);
  console.log("2. memprof -f 'typescript.js:createSourceFile'");
  console.log(`   load of typescript.js ${s(m('select', 'load'))} vs ${s(m('memprof', 'load'))} with nothing to instrument vs ${s(m('plain', 'load'))} plain: set-up +${s(m('select', 'load') - m('memprof', 'load'))} (goal ≤ 1 s)`);
  console.log(`   whole run ${s(m('select', 'ms'))} vs ${s(m('memprof', 'ms'))} with nothing to instrument vs ${s(m('plain', 'ms'))} plain`);
  console.log(`   by line (typescript.js:${CREATE_LINE}): load ${s(m('byLine', 'load'))}, set-up +${s(m('byLine', 'load') - m('memprof', 'load'))}; whole run ${s(m('byLine', 'ms'))}; RSS at the next line ${mib(m('byLine', 'rss'))}`);
  console.log("3. memory at the line after require('typescript')");
  console.log(`   RSS ${mib(m('select', 'rss'))} with -f vs ${mib(m('memprof', 'rss'))} memprof with nothing instrumented: ${diff(m('select', 'rss') - m('memprof', 'rss'))} (goal ≤ 5 MiB); vs ${mib(m('plain', 'rss'))} plain node: ${diff(m('select', 'rss') - m('plain', 'rss'))}`);
  if (BASELINE) {
    console.log(`   baseline (${process.env.BENCH_BASELINE}): RSS ${mib(m('baseSelect', 'rss'))} with -f vs ${mib(m('baseMemprof', 'rss'))} with nothing instrumented: ${diff(m('baseSelect', 'rss') - m('baseMemprof', 'rss'))}; vs plain node: ${diff(m('baseSelect', 'rss') - m('plain', 'rss'))}`);
    console.log(`   baseline whole run ${s(m('baseSelect', 'ms'))} with -f vs ${s(m('select', 'ms'))} now; load of typescript.js ${s(m('baseSelect', 'load'))} vs ${s(m('select', 'load'))} now`);
  }
  console.log(`   V8 heap ${mib(m('select', 'heap'))} with -f vs ${mib(m('memprof', 'heap'))} memprof with nothing instrumented: ${diff(m('select', 'heap') - m('memprof', 'heap'))}; vs ${mib(m('plain', 'heap'))} plain node: ${diff(m('select', 'heap') - m('plain', 'heap'))}`);
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
