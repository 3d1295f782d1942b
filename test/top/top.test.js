'use strict';
const assert = require('node:assert');
const path = require('node:path');
const { test } = require('node:test');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');

async function waitFor(predicate, what, timeoutMs = 30000) {
  const started = Date.now();
  while (!predicate()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
const { top, startTop, summaryRows, FIXTURES, BIN } = require('./helpers');

// fixtures/allocators.js: hot() starts at line 4, allocates on line 7 (rows.push({ id: i, ... })).
const HOT_START = 4;
const HOT_LINE = 7;

test('a hot spot allocating ~90% of the bytes comes first; --second-pass gives it a line table naming its line', () => {
  const r = top(['--second-pass', 'hot-spot-sync.js']);
  assert.strictEqual(r.code, 3, `the program's own exit code comes through (got ${r.code}; stderr ${r.stderr})`);
  assert.strictEqual((r.stdout.match(/^done 520000$/gm) ?? []).length, 1, `the program ran twice; its output shows once (the second run's): ${r.stdout}`);
  assert.match(r.stderr, /first run \(discovery\) as pid \d+: its output is held back, the second run shows it/, r.stderr);
  const rows = summaryRows(r.stdout);
  assert.ok(rows.length >= 2, `summary rows parsed: ${r.stdout}`);
  assert.strictEqual(rows[0].name, 'hot', `hot first: ${JSON.stringify(rows)}`);
  assert.match(rows[0].where, new RegExp(`allocators\\.js:${HOT_START}$`), 'with its file and line');
  assert.ok(rows[0].share >= 80 && rows[0].share <= 97, `hot's share of the sampled bytes is about 90%: ${rows[0].share}%`);
  const table = r.stdout.split(/^Filename: /m)[1] ?? '';
  assert.ok(table.startsWith('allocators.js'), `the first table is hot's file: ${table}`);
  const hotRow = table.split('\n').find((l) => new RegExp(`^\\s+${HOT_LINE}\\s`).test(l));
  assert.ok(hotRow && /rows\.push\(\{ id: i/.test(hotRow), `the table names the allocating line ${HOT_LINE}: ${table}`);
  assert.match(hotRow, /\s400000\s+rows\.push/, `line ${HOT_LINE} ran 20 x 20000 times: ${hotRow}`);
  assert.match(r.stdout, /^Line tables of the top functions \(in the second run, every call\):$/m, 'the tables say they cover the second run');
});

test('in one run, LiveEdit zooms into the hot function while it runs; Ctrl+C writes the report and ends as SIGINT would', async () => {
  const run = startTop(['--discovery', '0.1', 'hot-spot.js', '0']);
  await run.until('stderr', /line table for hot \(allocators\.js:4\) from now on/);
  // The probed code has run once the program reports its next ten rounds.
  const seen = run.out.stdout.length;
  await run.until('stdout', { test: (text) => /round \d+/.test(text.slice(seen)) });
  run.child.kill('SIGINT');
  const r = await run.done;
  assert.strictEqual(r.signal, 'SIGINT', `memprof top ends by the signal, as the program would (code ${r.code}, signal ${r.signal})`);
  assert.match(r.stdout, /ended by signal SIGINT/, `the report says how the run ended: ${r.stdout}`);
  const rows = summaryRows(r.stdout);
  assert.strictEqual(rows[0]?.name, 'hot', `hot first: ${r.stdout}`);
  const table = r.stdout.split(/^Filename: /m).slice(1).find((t) => /function hot\(n\)/.test(t));
  assert.ok(table, `hot has a line table: ${r.stdout}`);
  assert.match(table, new RegExp(`^\\s+${HOT_LINE}\\s.*rows\\.push`, 'm'), `the table names line ${HOT_LINE}: ${table}`);
});

test('--format json: tool, version, mode top, functions sorted by allocated, in bytes, with lines for the zoomed', () => {
  const r = top(['--second-pass', '--format', 'json', '-o', '-', 'hot-spot-sync.js']);
  assert.strictEqual(r.code, 3, `exit code of the program: ${r.stderr}`);
  const json = JSON.parse(r.stdout.slice(r.stdout.indexOf('{')));
  assert.strictEqual(json.tool, 'memprof');
  assert.strictEqual(json.mode, 'top');
  assert.match(json.version, /^\d+\.\d+\.\d+/, 'a version');
  assert.ok(Array.isArray(json.functions) && json.functions.length >= 2, `functions listed: ${r.stdout.slice(0, 500)}`);
  for (let i = 1; i < json.functions.length; i++) {
    assert.ok(json.functions[i - 1].allocated >= json.functions[i].allocated, `sorted by allocated at ${i}`);
  }
  for (const fn of json.functions) {
    assert.ok(Number.isInteger(fn.allocated) && fn.allocated > 0, `allocated in bytes: ${JSON.stringify(fn)}`);
    assert.ok(fn.retained === null || Number.isInteger(fn.retained), `retained in bytes or null: ${fn.retained}`);
    assert.strictEqual(typeof fn.name, 'string');
    assert.strictEqual(typeof fn.line, 'number');
    assert.strictEqual(typeof fn.file, 'string');
  }
  const hot = json.functions[0];
  assert.strictEqual(hot.name, 'hot', 'hot first');
  assert.strictEqual(hot.file, path.join(FIXTURES, 'allocators.js'));
  assert.strictEqual(hot.line, HOT_START);
  assert.ok(hot.allocated > 0.8 * json.allocated, `hot allocated ${hot.allocated} of ${json.allocated}`);
  assert.ok(Number.isInteger(hot.retained), '--second-pass measures retained bytes');
  assert.ok(Array.isArray(hot.lines), `hot has its line rows: ${JSON.stringify(hot).slice(0, 300)}`);
  const row = hot.lines.find((l) => l.line === HOT_LINE);
  assert.ok(row && row.occurrences === 400000 && /rows\.push/.test(row.source), `row of line ${HOT_LINE}: ${JSON.stringify(row)}`);
  assert.ok(json.stacks && json.stacks.total >= hot.allocated, 'the allocation tree holds at least hot bytes');
});

test('node_modules code is charged to its package with the calling function; --include-deps names its functions', () => {
  const r = top(['--second-pass', '--format', 'json', '-o', '-', 'uses-dep.js']);
  assert.strictEqual(r.code, 0, r.stderr);
  const json = JSON.parse(r.stdout.slice(r.stdout.indexOf('{')));
  const dep = json.functions.find((f) => f.package === 'fake-dep');
  assert.ok(dep, `an entry for package fake-dep: ${JSON.stringify(json.functions.map((f) => f.name))}`);
  assert.strictEqual(dep.caller, 'build', 'called by build()');
  assert.strictEqual(dep.file, path.join(FIXTURES, 'uses-dep.js'));
  assert.strictEqual(json.functions[0], dep, 'the package allocates the most');
  assert.ok(dep.lines?.some((l) => /makeRows\(/.test(l.source) && l.occurrences === 20), `the package's entry has its caller's table, naming the calling line: ${JSON.stringify(dep)}`);

  const deps = top(['--format', 'json', '-o', '-', '--include-deps', 'uses-dep.js']);
  const djson = JSON.parse(deps.stdout.slice(deps.stdout.indexOf('{')));
  assert.strictEqual(djson.functions[0].name, 'makeRows', `with --include-deps the package's function itself: ${JSON.stringify(djson.functions[0])}`);
  assert.match(djson.functions[0].file, /node_modules[\\/]fake-dep[\\/]index\.js$/);
});

test('--duration ends a server after that time and writes the report; usage errors exit 2', async () => {
  const r = top(['--duration', '0.5', 'server.js']);
  assert.strictEqual(r.code, 0, `a run ended by --duration exits 0: ${r.stderr}`);
  assert.match(r.stdout, /^listening \d+$/m, 'the program ran');
  assert.match(r.stdout, /ended by duration/, `report written: ${r.stdout}`);
  const bad = top(['--top', '0', 'server.js']);
  assert.strictEqual(bad.code, 2, `--top 0 is a usage error: ${bad.stderr}`);
  assert.strictEqual(bad.stderr.trim().split('\n').length, 1, `one line: ${bad.stderr}`);
  const missing = top(['no-such-script.js']);
  assert.strictEqual(missing.code, 1, 'a missing script exits 1');
  assert.match(missing.stderr, /cannot find script no-such-script\.js/);
  const json = top(['--format', 'json', 'server.js']);
  assert.strictEqual(json.code, 2, 'JSON without -o is a usage error: the program\'s stdout would corrupt it');
  assert.match(json.stderr, /^memprof: --format json needs -o <file>/);
  assert.strictEqual(json.stdout, '', 'the program did not run');
});

test('SIGTERM ends a server and writes the report; a program with its own SIGINT handler keeps it', async () => {
  const run = startTop(['server.js']);
  await run.until('stdout', /listening \d+/);
  run.child.kill('SIGTERM');
  const r = await run.done;
  assert.strictEqual(r.signal, 'SIGTERM', `ends by SIGTERM as the program would: ${r.code} ${r.signal}`);
  assert.match(r.stdout, /ended by signal SIGTERM/, r.stdout);

  const own = startTop(['server-own-sigint.js']);
  await own.until('stdout', /listening \d+/);
  own.child.kill('SIGINT');
  const o = await own.done;
  assert.strictEqual(o.code, 7, `the program's handler decides the exit code: ${o.code} ${o.signal} ${o.stderr}`);
  assert.match(o.stdout, /goodbye/, 'its handler ran');
  assert.match(o.stdout, /memprof top: server-own-sigint\.js/, `the report is written at its exit: ${o.stdout}`);
});

test("an error the program's top level throws goes to the program's own 'uncaughtException' handler, as under node", () => {
  const plain = spawnSync(process.execPath, ['handles-own-error.js'], { cwd: FIXTURES, encoding: 'utf8' });
  assert.strictEqual(plain.status, 5, `plain node: the handler sets exit code 5 (${plain.stderr})`);
  const expected = '1000\nhandled: top-level failure\nthe program went on\n';
  assert.strictEqual(plain.stdout, expected, 'plain node output');
  for (const args of [['top', 'handles-own-error.js'], ['-f', 'build', 'handles-own-error.js']]) {
    const r = spawnSync(process.execPath, [BIN, ...args], { cwd: FIXTURES, encoding: 'utf8', timeout: 120000 });
    assert.strictEqual(r.status, 5, `memprof ${args.join(' ')}: the program's exit code (got ${r.status}; stderr ${r.stderr})`);
    assert.ok(r.stdout.startsWith(expected), `memprof ${args.join(' ')}: the program printed what it prints under node: ${r.stdout}`);
    assert.ok(!/top-level failure/.test(r.stderr), `no stack trace of the handled error on stderr: ${r.stderr}`);
  }
});

test('--second-pass: a SIGINT or SIGTERM sent to memprof alone (kill, a supervisor) ends the first run too; the report is written', { timeout: 30000 }, async () => {
  for (const signal of ['SIGINT', 'SIGTERM']) {
    // stdin is a pipe here, not a terminal: nothing else would send the first run the signal.
    // The first run's output is held back: the server says it listens through a file.
    const portFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'memprof-top-')), 'port');
    const run = startTop(['--second-pass', 'server.js', portFile]);
    await waitFor(() => fs.existsSync(portFile) && fs.readFileSync(portFile, 'utf8') !== '', 'the first run to listen');
    assert.doesNotMatch(run.out.stdout, /listening/, 'the first run\'s output is held back while it runs');
    run.child.kill(signal);
    const r = await run.done;
    assert.strictEqual(r.signal, signal, `memprof ends by ${signal} as the program would (got ${r.code} ${r.signal}; ${r.stderr})`);
    assert.match(r.stdout, new RegExp(`ended by signal ${signal}`), `the first run's report: ${r.stdout}`);
    assert.match(r.stdout, /^listening \d+$/m, `with no second run, the first run's output is shown: ${r.stdout}`);
  }
});
