'use strict';
// `memprof script.js` under SIGINT, SIGTERM and SIGHUP: the program stops as it would under
// node (same signal, same listeners run), and the report is still written.
const test = require('node:test');
const assert = require('node:assert');
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { BIN, FIXTURES, parseTable } = require('./helpers');

const DIR = path.join(FIXTURES, 'signals');

/** Runs the fixture under memprof (`args` before it) or plain node; `steps` drive it: each
 * waits for a pattern on stdout, then sends a signal. Resolves with how it ended. */
function drive({ node = false, args = [], fixture, steps, env = {} }) {
  const argv = node ? [path.join(DIR, fixture)] : [BIN, ...args, path.join(DIR, fixture)];
  const child = spawn(process.execPath, argv, { cwd: DIR, env: { ...process.env, ...env } });
  const out = { stdout: '', stderr: '' };
  child.stderr.on('data', (d) => (out.stderr += d));
  let step = 0;
  let seen = 0;
  const check = () => {
    while (step < steps.length) {
      const { after, send } = steps[step];
      const at = out.stdout.slice(seen).search(after);
      if (at < 0) return;
      seen += at + 1;
      step++;
      child.kill(send);
    }
  };
  child.stdout.on('data', (d) => {
    out.stdout += d;
    check();
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 30000);
  return new Promise((resolve) =>
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, ...out, steps: step });
    }),
  );
}

/** The `work` table's allocating line ran once: the report was written. */
function assertReport(text, what, line = 5) {
  const rows = parseTable(text, 'work');
  assert.strictEqual(rows[line].occ, 1, `${what}: the report has work()'s table with its line ${line} run once:\n${text}`);
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  test(`a busy loop stops on ${signal} as under node, and the report is written to stdout and to -o`, async (t) => {
    const steps = [{ after: /ready/, send: signal }];
    const plain = await drive({ node: true, fixture: 'busy.js', steps });
    assert.deepStrictEqual([plain.code, plain.signal], [null, signal], `plain node ends by ${signal}`);

    const r = await drive({ fixture: 'busy.js', steps });
    assert.deepStrictEqual([r.code, r.signal], [null, signal], `memprof ends by ${signal} too: ${r.stderr}`);
    assertReport(r.stdout, 'stdout');
    assert.strictEqual(r.stderr, '', 'nothing on stderr');

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memprof-signals-'));
    t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'report.txt');
    const o = await drive({ args: ['-o', file], fixture: 'busy.js', steps });
    assert.deepStrictEqual([o.code, o.signal], [null, signal], `with -o: ${o.stderr}`);
    assertReport(fs.readFileSync(file, 'utf8'), '-o file');
  });
}

test('the addon hands a signal to the busy main thread itself, where V8 lets it (Linux, macOS): no worker thread is needed', { skip: process.platform === 'win32' && 'Windows uses the worker watcher' }, () => {
  const { tryAddon } = require('../../dist/native');
  const signals = tryAddon()?.signals;
  assert.ok(signals, 'the addon loads');
  assert.strictEqual(signals.canInterrupt(), true, "the addon found V8's Isolate::RequestInterrupt in this node");
});

// Where the addon cannot interrupt JavaScript (Windows), a worker thread watches instead:
// the same behaviour, tested here by choosing it.
for (const signal of ['SIGINT', 'SIGTERM']) {
  test(`with the worker watcher (MEMPROF_STOP_WATCHER=worker), a busy loop stops on ${signal} with the report too`, async (t) => {
    const env = { MEMPROF_STOP_WATCHER: 'worker' };
    const steps = [{ after: /ready/, send: signal }];
    const r = await drive({ fixture: 'busy.js', steps, env });
    assert.deepStrictEqual([r.code, r.signal], [null, signal], `memprof ends by ${signal}: ${r.stderr}`);
    assertReport(r.stdout, 'stdout (worker watcher)');
    assert.strictEqual(r.stderr, '', 'nothing on stderr');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memprof-signals-'));
    t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'report.txt');
    const o = await drive({ args: ['-o', file], fixture: 'busy.js', steps, env });
    assert.deepStrictEqual([o.code, o.signal], [null, signal], `with -o: ${o.stderr}`);
    assertReport(fs.readFileSync(file, 'utf8'), '-o file (worker watcher)');
  });
}

test('an ES module busy at its top level stops on SIGINT with the report', async () => {
  const r = await drive({ fixture: 'busy.mjs', steps: [{ after: /ready/, send: 'SIGINT' }] });
  assert.deepStrictEqual([r.code, r.signal], [null, 'SIGINT'], r.stderr);
  assertReport(r.stdout, 'stdout', 4);
});

test('-f spin: SIGTERM inside the selected function\'s busy loop; its open call is counted', async () => {
  const r = await drive({ args: ['-f', 'spin'], fixture: 'spins.js', steps: [{ after: /ready/, send: 'SIGTERM' }] });
  assert.deepStrictEqual([r.code, r.signal], [null, 'SIGTERM'], r.stderr);
  const rows = parseTable(r.stdout, 'spin');
  assert.strictEqual(rows[3].occ, 1, 'the function was entered once');
  assert.strictEqual(rows[4].occ, 1, 'its first statement ran once');
  // 'ready' is printed at the 100,000th pass: the signal came after it.
  assert.ok(rows[5].occ >= 100000, `the loop line ran before the signal: ${rows[5].occ} times`);
});

test("a script's own SIGTERM listener runs its graceful shutdown; the report follows at exit", async () => {
  const steps = [{ after: /ready/, send: 'SIGTERM' }];
  const plain = await drive({ node: true, fixture: 'graceful.js', steps });
  assert.deepStrictEqual([plain.code, plain.signal, plain.stdout], [0, null, 'ready\nshutting down\nclosed\n'], 'plain node');
  const r = await drive({ fixture: 'graceful.js', steps });
  assert.deepStrictEqual([r.code, r.signal], [0, null], `memprof exits 0 as node does: ${r.stderr}`);
  assert.match(r.stdout, /^ready\nshutting down\nclosed\nFilename: /, 'the shutdown ran to its end, then the report');
  assertReport(r.stdout, 'stdout');
});

test('a script that ignores SIGINT keeps running after it; SIGTERM then stops it with the report', async () => {
  const steps = [
    { after: /ready/, send: 'SIGINT' },
    { after: /spin \d+\n[^]*spin \d+\n/, send: 'SIGTERM' },
  ];
  const plain = await drive({ node: true, fixture: 'ignores-sigint.js', steps });
  assert.deepStrictEqual([plain.code, plain.signal, plain.steps], [null, 'SIGTERM', 2], 'plain node');
  const r = await drive({ fixture: 'ignores-sigint.js', steps });
  assert.deepStrictEqual([r.code, r.signal, r.steps], [null, 'SIGTERM', 2], `memprof spun on after SIGINT, then ended by SIGTERM: ${r.stderr}`);
  assertReport(r.stdout.slice(r.stdout.indexOf('Filename:')), 'stdout');
});

test('a program that sends itself SIGTERM and ends at once dies by it, after the report', async () => {
  const plain = await drive({ node: true, fixture: 'kills-itself.js', steps: [] });
  assert.deepStrictEqual([plain.code, plain.signal], [null, 'SIGTERM'], 'plain node');
  const r = await drive({ fixture: 'kills-itself.js', steps: [] });
  assert.deepStrictEqual([r.code, r.signal], [null, 'SIGTERM'], r.stderr);
  assertReport(r.stdout, 'stdout');
});

test('a program blocked outside JavaScript still ends by the signal, 2 s later, saying the report is lost', async () => {
  const r = await drive({ fixture: 'blocked.js', steps: [{ after: /ready/, send: 'SIGTERM' }] });
  assert.deepStrictEqual([r.code, r.signal], [null, 'SIGTERM'], r.stderr);
  assert.match(r.stderr, /^memprof: SIGTERM arrived while the program was blocked outside JavaScript for 2000 ms; stopped without writing the report\n$/);
});
