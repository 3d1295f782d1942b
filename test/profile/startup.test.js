'use strict';
// Start-up: `memprof app.js` reads its command line without commander when it can (the
// reading must be commander's own), and a program that profiles nothing pays for nothing it
// does not use: no commander (child_process), no worker thread for signals, no inspector.
// (Times are measured in bench/startup.bench.js, not here.)
const test = require('node:test');
const assert = require('node:assert');
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const { buildProgram } = require('../../dist/cli/index.js');
const { PROFILE_OPTIONS } = require('../../dist/cli/profile.js');
const { readPlainCall } = require('../../dist/cli/root-call.js');
const { BIN, FIXTURES } = require('./helpers');

const isSubcommand = (word) => ['run', 'attach', 'plot', 'peak', 'list', 'rm', 'clean', 'check', 'repl', 'top', 'leaks', 'help'].includes(word);

/** What commander hands the root action for this command line, or its error. */
function commanderReads(argv) {
  const program = buildProgram(argv);
  program.configureOutput({ writeOut: () => {}, writeErr: () => {}, outputError: () => {} });
  let read = null;
  program.action((script, args, options) => {
    read = { script, args, options: { ...options } };
  });
  try {
    program.parse(argv, { from: 'user' });
  } catch (err) {
    return { error: err.code };
  }
  return read;
}

const PLAIN = [
  ['app.js'],
  ['app.js', '--port', '80', '-o', 'x'],
  ['app.js', '--', '-f', 'x'],
  ['-o', 'out.txt', 'app.js'],
  ['--output=out.txt', 'app.js'],
  ['-o', '-', '--format', 'json', 'app.js'],
  ['--format=markdown', '--precision', '3', 'app.js', 'a', 'b'],
  ['--precision', '0', '--precision', '4', 'app.js'],
  ['-f', 'build', '-f', 'lib/parse.js:42', '--function', 'lib/**/*.js:*', 'app.js'],
  ['--function=build', 'app.js'],
  ['--backend', 'process', '--fast', '--no-split', 'app.js'],
  ['--backend', 'native', '--split', '--columns', 'mem,increment,peak', 'app.js'],
  ['--include-children', '--timestamp', 'app.js'],
  ['--split', '--no-split', 'app.js'],
  ['--no-split', '--split', 'app.js'],
  ['--break-at', '500MiB', '--snapshot-at', '1GiB', 'app.js'],
  ['--import', 'tsx', '--import', 'other', '-r', 'ts-node/register', '--require=x', 'app.ts'],
  ['-', 'args'],
  ['app.js', 'help'],
  ['app.js', '--help'],
  ['app.js', '-v'],
];

const COMMANDER = [
  [],
  ['--help'],
  ['-h', 'app.js'],
  ['-v'],
  ['help', 'run'],
  ['run', 'app.js'],
  ['plot'],
  ['--', 'app.js'],
  ['--unknown', 'app.js'],
  ['-x', 'app.js'],
  ['-ofile', 'app.js'],
  ['--precision', 'x', 'app.js'],
  ['--precision', '21', 'app.js'],
  ['--format', 'html', 'app.js'],
  ['--backend', 'nativ', 'app.js'],
  ['--columns', 'mem,inc', 'app.js'],
  ['--break-at', 'lots', 'app.js'],
  ['-f', 'a.js:0', 'app.js'],
  ['--fast=yes', 'app.js'],
  ['-o'],
  ['-o', '--fast', 'app.js'],
  ['--precision', '-1', 'app.js'],
  ['-1', 'app.js'],
];

test('a plain call is read as commander reads it', () => {
  for (const argv of PLAIN) {
    const plain = readPlainCall(argv, PROFILE_OPTIONS, isSubcommand);
    assert.ok(plain, `${JSON.stringify(argv)} is a plain call (read without commander)`);
    assert.deepStrictEqual(plain, commanderReads(argv), `${JSON.stringify(argv)}: the same script, arguments and options as commander`);
  }
});

test('anything else is left to commander (help, version, subcommands, errors, unusual forms)', () => {
  for (const argv of COMMANDER) {
    assert.strictEqual(readPlainCall(argv, PROFILE_OPTIONS, isSubcommand), null, `${JSON.stringify(argv)} goes to commander`);
  }
});

/** The loaded.js fixture's first report line under `node` or `memprof`. */
function loaded(argv) {
  const r = spawnSync(process.execPath, argv, { cwd: FIXTURES, encoding: 'utf8', timeout: 60000 });
  assert.strictEqual(r.status, 0, `${argv.join(' ')} exits 0: ${r.stderr}`);
  return r.stdout.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line));
}

test('a program that profiles nothing runs with what node has: no commander, worker or inspector', { skip: process.platform !== 'linux' && 'reads /proc/self/status (Linux)' }, () => {
  const fixture = path.join(FIXTURES, 'startup', 'loaded.js');
  const [node] = loaded([fixture]);
  const [memprof] = loaded([BIN, fixture]);
  // worker_threads is the one extra: memprof's Worker must be in place before the program's
  // first line, so that the workers it starts are profiled too (no thread is started).
  const extra = memprof.builtins.filter((m) => !node.builtins.includes(m));
  assert.deepStrictEqual(extra, ['worker_threads'], `memprof loaded no extra built-in module of these before the program but worker_threads: ${JSON.stringify(memprof.builtins)}`);
  assert.strictEqual(memprof.threads, node.threads, `the same threads as under node (no signal watcher, no sampler): ${memprof.threads} vs ${node.threads}`);
  // The first profile() call starts them (the sampler and the signal watcher's thread).
  const [before, after] = loaded([BIN, fixture, 'then-profile']);
  assert.ok(after.threads > node.threads, `profile() started the profiler's threads: ${after.threads} vs node's ${node.threads}`);
  // The profiler's modules (the tracer, the runtime, the meters, the addon's loader) load
  // with the program's first read of profile, not before its first line.
  const profiler = ['trace/profile.js', 'trace/runtime.js', 'meter/index.js', 'native.js', 'trace/shared-stats.js'];
  assert.deepStrictEqual(profiler.filter((f) => before.ours.includes(f)), [], `none of the profiler's files loaded before the program: ${before.ours.join(' ')}`);
  assert.deepStrictEqual(profiler.filter((f) => !after.ours.includes(f)), [], `profile() loaded them all: ${after.ours.join(' ')}`);
});

test('-f loads the instrumenter (and acorn) only once a loaded file may hold what a selector picks', { skip: process.platform !== 'linux' && 'the fixture reads /proc/self/status (Linux)' }, () => {
  const fixture = path.join(FIXTURES, 'startup', 'loaded.js');
  const instrumenter = ['trace/instrument-selected.js', 'trace/instrument.js'];
  // The fixture's text holds "work"; no file it loads holds "nowhere".
  const [unmatched] = loaded([BIN, '-f', 'elsewhere.js:work', '-f', 'nowhere', fixture]);
  assert.deepStrictEqual(instrumenter.filter((f) => unmatched.ours.includes(f)), [], `no selector could pick a function of loaded.js: ${unmatched.ours.join(' ')}`);
  const [named] = loaded([BIN, '-f', 'work', fixture]);
  assert.deepStrictEqual(instrumenter.filter((f) => !named.ours.includes(f)), [], `"work" is in loaded.js, which is parsed: ${named.ours.join(' ')}`);
});

test('the global profile is memprof\'s, loaded on first read; the program can replace or delete it like any global', () => {
  const r = spawnSync(process.execPath, [BIN, path.join(FIXTURES, 'startup', 'global-profile.js')], { cwd: FIXTURES, encoding: 'utf8', timeout: 60000 });
  assert.strictEqual(r.status, 0, `exits 0: ${r.stderr}`);
  const [seen] = r.stdout.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line));
  assert.deepStrictEqual(
    seen,
    { type: 'function', enumerable: true, same: true, replaced: 'by the program', deleted: 'undefined', redefined: 'again' },
    `the global as the program saw it: ${r.stdout}`,
  );
});

test("require('memprof').profile under memprof gets the CLI's settings though the global was never read: one report, at exit", () => {
  const r = spawnSync(process.execPath, [BIN, path.join(FIXTURES, 'startup', 'library-first.js')], { cwd: FIXTURES, encoding: 'utf8', timeout: 60000 });
  assert.strictEqual(r.status, 0, `exits 0: ${r.stderr}`);
  assert.match(r.stdout, /^calls done\n/, `the program's output comes first (no table printed after each call): ${r.stdout}`);
  assert.strictEqual(r.stdout.match(/Filename: /g)?.length, 1, `one table, the CLI's, for the two calls:\n${r.stdout}`);
  assert.match(r.stdout, /^ +\d+ .* 2  function twice/m, `the table counts both calls:\n${r.stdout}`);
});

test("profile() loads memprof's parser once the program runs: memprof's own acorn, never the program's", () => {
  const fixture = path.join(FIXTURES, 'startup', 'own-acorn.js');
  assert.strictEqual(require.resolve('acorn', { paths: [path.dirname(fixture)] }), require.resolve('acorn'), 'the fixture and memprof share one acorn file');
  const r = spawnSync(process.execPath, [BIN, fixture], { cwd: FIXTURES, encoding: 'utf8', timeout: 60000 });
  assert.strictEqual(r.status, 0, `exits 0: ${r.stderr}`);
  assert.match(r.stdout, /^3 true\n/, "the program's function ran, and require('acorn') still gives the program its own instance");
  assert.match(r.stdout, /Filename: .*own-acorn\.js[^]*a\.length/, `work() was profiled with memprof's parser:\n${r.stdout}`);
});

test('a program that ends with no file descriptor left still gets its report: what writes it loaded before the exit', () => {
  const fixture = path.join(FIXTURES, 'startup', 'no-descriptors.js');
  for (const args of [[], ['--format', 'json', '-o', '-']]) {
    const r = spawnSync(process.execPath, [BIN, ...args, fixture], { cwd: FIXTURES, encoding: 'utf8', timeout: 60000 });
    assert.strictEqual(r.status, 0, `memprof ${args.join(' ')} exits 0: ${r.stderr}`);
    assert.match(r.stdout, /^EMFILE after \d+ descriptors\n/, 'the program used up its descriptors');
    assert.match(r.stdout, args.length ? /"name": "work"/ : /Filename: .*no-descriptors\.js[^]*a\.length/, `the report of work() follows (${args.join(' ') || 'text'}):\n${r.stdout.slice(0, 400)}`);
  }
});
