'use strict';
// memprof leaks <script> and the REPL's .sizeof, run as a user would.
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn, spawnSync } = require('node:child_process');

const BIN = path.join(__dirname, '..', '..', 'bin', 'memprof.js');
const FIXTURES = path.join(__dirname, 'fixtures');
const memprof = (args, input) => spawnSync(process.execPath, [BIN, ...args], { cwd: FIXTURES, encoding: 'utf8', input });
/** The 1-based line of a fixture that holds `text`. */
const lineOf = (fixture, text) => fs.readFileSync(path.join(FIXTURES, fixture), 'utf8').split('\n').findIndex((line) => line.includes(text)) + 1;
const LEAK_LINE = lineOf('server-like.js', 'const session = {');

test('memprof leaks names the growing site, its line and what holds it; the program runs as usual', () => {
  const r = memprof(['leaks', 'server-like.js']);
  assert.strictEqual(r.status, 0, r.stderr);
  assert.match(r.stdout, /^served 200$/m, 'the program\'s own output');
  assert.match(r.stdout, /memprof leaks: 4 snapshots of server-like\.js/);
  assert.ok(r.stdout.includes(`server-like.js:${LEAK_LINE} openSession(): +`), r.stdout);
  assert.ok(r.stdout.includes('held by Array "sessions" in module server-like.js → Object'), r.stdout);
});

test('memprof leaks --format json -o writes the sites as data', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memprof-leaks-test-'));
  try {
    const out = path.join(dir, 'leaks.json');
    const r = memprof(['leaks', '--format', 'json', '-o', out, 'server-like.js']);
    assert.strictEqual(r.status, 0, r.stderr);
    const report = JSON.parse(fs.readFileSync(out, 'utf8'));
    assert.strictEqual(report.snapshots, 4);
    const [site] = report.sites;
    assert.deepStrictEqual([site.file, site.line, site.functionName], ['server-like.js', LEAK_LINE, 'openSession']);
    for (let i = 1; i < site.objects.length; i++) assert.ok(site.objects[i] - site.objects[i - 1] >= 50, `live objects grow by 50 a batch: ${site.objects}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('memprof leaks names a leaking function that V8 inlines into its hot caller, with one object per call', () => {
  const line = lineOf('hot-leak.js', 'kept.set(id');
  const r = memprof(['leaks', 'hot-leak.js']);
  assert.strictEqual(r.status, 0, r.stderr);
  assert.match(r.stdout, /^kept 100000$/m, 'the program\'s own output');
  assert.ok(r.stdout.includes(`hot-leak.js:${line} remember(): +`), `the site is remember() at line ${line}, not its caller: ${r.stdout}`);
  const counts = r.stdout.match(/remember\(\).*live objects ([\d → ]+)/)[1].split(' → ').map(Number);
  assert.strictEqual(counts.length, 5, `one count a snapshot: ${counts}`);
  counts.forEach((n, i) => assert.ok(Math.abs(n - 20000 * (i + 1)) <= 10, `one object a call, 20000 a batch: ${counts}`));
});

test('memprof leaks gives a listener leak the line that makes the closure, with the path through the EventEmitter', () => {
  const line = lineOf('listener-leak.js', "bus.on('shutdown'");
  const r = memprof(['leaks', 'listener-leak.js']);
  assert.strictEqual(r.status, 0, r.stderr);
  assert.match(r.stdout, /^listeners 2000$/m, 'the program\'s own output');
  assert.ok(r.stdout.includes(`listener-leak.js:${line} handleRequest(): +`), `the site is the bus.on line ${line}, not the function's first line: ${r.stdout}`);
  assert.ok(r.stdout.includes('held by EventEmitter "bus" in module listener-leak.js'), `held by the emitter: ${r.stdout}`);
});

test('memprof leaks passes SIGTERM to the program, which shuts down its own way; the report follows and the snapshots are removed', async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'memprof-leaks-sigterm-'));
  try {
    const child = spawn(process.execPath, [BIN, 'leaks', 'until-stopped.js'], { cwd: FIXTURES, env: { ...process.env, TMPDIR: tmp }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    while (!/^ready$/m.test(stdout) && child.exitCode === null) await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGTERM');
    const { code, signal } = await exited;
    assert.deepStrictEqual({ code, signal }, { code: 0, signal: null }, `memprof exits with the program's own code: ${stderr}`);
    assert.match(stdout, /^stopping after at least 3 batches$/m, `the program's SIGTERM handler ran: ${stdout}`);
    assert.match(stdout, /memprof leaks: \d+ snapshots of until-stopped\.js/, `the report follows: ${stdout}`);
    assert.match(stdout, /until-stopped\.js:7 \(anonymous\)\(\): \+/, `and names the leak: ${stdout}`);
    assert.deepStrictEqual(fs.readdirSync(tmp), [], 'no snapshot directory left behind');
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

test('memprof leaks charges what a package builds and the program keeps to the program\'s line that calls it, as one site', () => {
  const line = lineOf('package-leak.js', 'acorn.parse(');
  const r = memprof(['leaks', 'package-leak.js']);
  assert.strictEqual(r.status, 0, r.stderr);
  assert.match(r.stdout, /^parsed 800$/m, 'the program\'s own output');
  const sites = r.stdout.split('\n').filter((l) => /^\S+:\d+ /.test(l));
  assert.deepStrictEqual(sites.map((l) => l.split(':')[0] + ':' + l.split(':')[1].split(' ')[0]), [`package-leak.js:${line}`], `one site, the program's call into acorn, none inside acorn: ${r.stdout}`);
  assert.ok(sites[0].includes('parseRequest() (made in acorn): +'), `it names the function and the package: ${sites[0]}`);
  assert.ok(r.stdout.includes('held by Array "trees" in module package-leak.js → Node'), `held by the program's array, not by a cache acorn warmed once: ${r.stdout}`);
});

test('memprof leaks finds the calling line into a minified package (marked\'s bundle calls its function x) by what the file imported', () => {
  const line = lineOf('marked-leak.mjs', 'marked.parse(');
  const r = memprof(['leaks', 'marked-leak.mjs']);
  assert.strictEqual(r.status, 0, r.stderr);
  assert.ok(r.stdout.includes(`marked-leak.mjs:${line} render() (made in marked): +`), `the marked.parse line ${line}: ${r.stdout}`);
  assert.ok(r.stdout.includes('held by Array "pages" in module marked-leak.mjs → string'), r.stdout);
});

test('memprof leaks still names a leak when the last snapshots find the program idle (its load stopped)', () => {
  const r = memprof(['leaks', 'then-idle.js']);
  assert.strictEqual(r.status, 0, r.stderr);
  assert.match(r.stdout, /memprof leaks: 5 snapshots of then-idle\.js/, r.stdout);
  assert.match(r.stdout, /^then-idle\.js:8 openSession\(\): \+.* live objects (\d+) → (\d+) → (\d+) → \3 → \3$/m, `grew while serving, flat while idle: ${r.stdout}`);
});

test('memprof leaks keeps its node options to itself: the program and the children it forks see their own', () => {
  const r = memprof(['leaks', 'forks.js']);
  assert.strictEqual(r.status, 0, r.stderr);
  assert.match(r.stdout, /^parent execArgv \[\]$/m, `the program's process.execArgv, as under node: ${r.stdout}`);
  assert.match(r.stdout, /^child execArgv \[\]$/m, `a forked child starts without allocation tracking or memprof's preload: ${r.stdout}`);
});

test('memprof leaks with a missing script says so in one line, exit 1', () => {
  const r = memprof(['leaks', 'no-such-script.js']);
  assert.strictEqual(r.status, 1);
  assert.strictEqual(r.stderr, 'memprof: cannot find script no-such-script.js\n');
});

test('memprof leaks -o into a missing directory refuses before the program runs, exit 2', () => {
  const r = memprof(['leaks', '-o', path.join(os.tmpdir(), 'memprof-no-such-dir', 'leaks.txt'), 'server-like.js']);
  assert.strictEqual(r.status, 2, r.stderr);
  assert.match(r.stderr, /^memprof: cannot write .*leaks\.txt: no such directory\n$/);
  assert.doesNotMatch(r.stdout, /served/, 'the program did not run');
});

test('.sizeof in the REPL prints shallow and retained sizes', () => {
  const r = memprof(['repl'], 'const b = Buffer.alloc(4 * 1024 * 1024)\n.sizeof b\n.sizeof 42\n');
  assert.match(r.stdout, /shallow \d+ B, retained 4\.0 MiB/);
  assert.match(r.stdout, /sizeof needs an object or a function, got number/);
});

test('.sizeof of an object literal measures the object, as the REPL reads { ... } typed alone', () => {
  const r = memprof(['repl'], '.sizeof { list: new Array(100000).fill(1) }\n.sizeof {}\n');
  assert.doesNotMatch(r.stdout, /got undefined/, `the literal was not read as a block: ${r.stdout}`);
  const sizes = [...r.stdout.matchAll(/shallow ([\d.]+ \w+), retained ([\d.]+) (\w+)/g)];
  assert.strictEqual(sizes.length, 2, `two sizes printed: ${r.stdout}`);
  assert.ok(sizes[0][3] === 'KiB' && Number(sizes[0][2]) > 700, `100,000 array slots retain about 780 KiB: ${sizes[0][0]}`);
});
