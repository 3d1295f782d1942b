'use strict';
// .memit and .mprun driven through real REPLs with stdin piped: `memprof repl`, and
// require('memprof/repl').addCommands() on a REPL with a context of its own.
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn } = require('node:child_process');

const ROOT = path.join(__dirname, '..', '..');
const BIN = path.join(ROOT, 'bin', 'memprof.js');
// A REPL with its own vm context (repl.start's default), commands added by the public entry.
const EMBEDDED = `require('memprof/repl').addCommands(require('node:repl').start({ prompt: '> ' }))`;

/** Pipes `lines` into a REPL and resolves with its output once it exits. */
function runRepl(lines, args = [BIN, 'repl']) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, MEMPROF_REPL_HISTORY: '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(lines.join('\n') + '\n');
  });
}

const MEMIT = /peak memory: (\d+\.\d\d) MiB, increment: (-?\d+\.\d\d) MiB \(heap: (-?\d+\.\d\d) MiB, external: (-?\d+\.\d\d) MiB\)/g;
function memitLines(stdout) {
  return [...stdout.matchAll(MEMIT)].map((m) => ({ peak: Number(m[1]), increment: Number(m[2]), heap: Number(m[3]), external: Number(m[4]) }));
}

/** The rows of every table printed: { line, mem, inc, peak, occ, source } (MiB numbers). */
function tables(stdout) {
  const result = [];
  for (const block of stdout.split('Filename: ').slice(1)) {
    const [file, ...rest] = block.split('\n');
    const rows = [];
    // With the split, Heap and External sit between Increment and Peak.
    const sourceAt = (rest.find((l) => l.startsWith('Line #')) ?? '').indexOf('Line Contents');
    for (const line of rest) {
      const m = /^\s*(\d+)\s+(-?[\d.]+) MiB\s+(-?[\d.]+) MiB(?:\s+-?[\d.]+ MiB\s+-?[\d.]+ MiB)?\s+(-?[\d.]+) MiB\s+(\d+)\s\s/.exec(line);
      if (m) rows.push({ line: Number(m[1]), mem: Number(m[2]), inc: Number(m[3]), peak: Number(m[4]), occ: Number(m[5]), source: line.slice(sourceAt) });
    }
    result.push({ file: file.trim(), rows });
  }
  return result;
}

// Sizes above 32 MiB: glibc serves smaller blocks from its heap once a freed block has
// raised its mmap threshold, and keeps them resident after free for the next allocation
// to reuse, which then shows no increment (true of RSS, but not what these tests check).
const GROW = [
  'function grow(mib) {',
  '  const held = Buffer.alloc(mib * 1024 * 1024, 1);',
  '  let sum = 0;',
  '  for (let i = 0; i < 3; i++) sum += i;',
  '  return sum ? held : null;',
  '}',
];

test('memprof repl: .memit measures a 100 MiB allocation within 5%, runs it -r times, in input order', async () => {
  const { code, stdout, stderr } = await runRepl([
    'let runs = 0',
    'function hundred() { runs++; return Buffer.alloc(100 * 1024 * 1024, 1).length }',
    '.memit hundred()',
    'runs',
    '.memit -r 3 hundred()',
    'runs',
  ]);
  assert.strictEqual(code, 0, stderr);
  const results = memitLines(stdout);
  assert.strictEqual(results.length, 2, stdout);
  for (const r of results) assert.ok(Math.abs(r.increment - 100) <= 5, `increment ${r.increment} MiB`);
  for (const r of results) assert.ok(r.peak > r.increment, `peak ${r.peak} vs increment ${r.increment}`);
  // Each `runs` line is answered after the .memit before it has finished.
  const order = stdout.replace(MEMIT, 'MEMIT').match(/MEMIT|\n\S*> ?(\d+)/g).map((s) => s.trim().replace(/^\S*> ?/, ''));
  assert.deepStrictEqual(order, ['MEMIT', '1', 'MEMIT', '4'], stdout);
});

test('.memit awaits a promise, takes statements with await, and -c counts child processes', async () => {
  const { code, stdout, stderr } = await runRepl([
    '.memit new Promise((resolve) => setTimeout(() => resolve(Buffer.alloc(60 * 1024 * 1024, 1)), 50))',
    '.memit const b = Buffer.alloc(40 * 1024 * 1024, 1); await new Promise((r) => setTimeout(r, 20)); b.length',
    `.memit -c -i 0.002 require('node:child_process').spawnSync(process.execPath, ['-e', 'Buffer.alloc(80 * 1024 * 1024, 1); setTimeout(() => {}, 200)'])`,
    `.memit require('node:child_process').spawnSync(process.execPath, ['-e', 'Buffer.alloc(80 * 1024 * 1024, 1); setTimeout(() => {}, 200)'])`,
  ]);
  assert.strictEqual(code, 0, stderr);
  const [promised, statements, withChildren, alone] = memitLines(stdout);
  assert.ok(Math.abs(promised.increment - 60) <= 3, `awaited promise: ${promised.increment} MiB`);
  assert.ok(Math.abs(statements.increment - 40) <= 2, `statements: ${statements.increment} MiB`);
  assert.ok(withChildren.increment > 75, `with -c: ${withChildren.increment} MiB`);
  assert.ok(alone.increment < 20, `without -c: ${alone.increment} MiB`);
});

test('.memit errors: a bad option is one line, an exception reads as the REPL shows one, the REPL goes on', async () => {
  const { code, stdout } = await runRepl([
    '.memit -z 1',
    '.memit -r 0 1',
    '.memit',
    '.memit throw new RangeError("boom")',
    '.memit (',
    '.memit 1 + 1',
  ]);
  assert.strictEqual(code, 0);
  assert.match(stdout, /\.memit: unknown option -z; usage: \.memit \[-r N\] \[-c\] \[-i SECONDS\] <statement>\n/);
  assert.match(stdout, /\.memit: option -r expects a whole number from 1 to 10000000, got 0;/);
  assert.match(stdout, /\.memit: nothing to run;/);
  assert.match(stdout, /Uncaught RangeError: boom\n    at memprof-repl:1:7\n/, "the column of the typed statement");
  assert.doesNotMatch(stdout, /dist[\\/]/, 'no memprof stack frames');
  assert.match(stdout, /Uncaught SyntaxError: Unexpected token\n/);
  assert.strictEqual(memitLines(stdout).length, 1, 'the last one still runs');
});

function checkGrowTable(table, mib, calls) {
  assert.ok(/^REPL\d+$/.test(table.file), `file ${table.file}`);
  const byLine = new Map(table.rows.map((r) => [r.line, r]));
  assert.strictEqual(byLine.get(1).occ, calls, 'header row counts calls');
  const alloc = byLine.get(2);
  assert.strictEqual(alloc.source, '  const held = Buffer.alloc(mib * 1024 * 1024, 1);');
  assert.strictEqual(alloc.occ, calls);
  assert.ok(Math.abs(alloc.inc - mib * calls) <= 2 * calls, `allocating line: ${alloc.inc} MiB`);
  assert.strictEqual(byLine.get(4).occ, 4 * calls, 'a loop header counts its tests');
  assert.ok(Math.abs(byLine.get(4).inc) < 1, `line 4 increment ${byLine.get(4).inc} MiB`);
}

test('memprof repl: .mprun profiles a function typed into the REPL, this run only', async () => {
  const { code, stdout, stderr } = await runRepl([...GROW, '.mprun -f grow grow(50).length', '.mprun -f grow const kept = [grow(40), grow(40)]; kept.length']);
  assert.strictEqual(code, 0, stderr);
  const [first, second] = tables(stdout);
  checkGrowTable(first, 50, 1);
  checkGrowTable(second, 40, 2);
});

test('.mprun in a REPL with its own context (require("memprof/repl")), async functions awaited', async () => {
  const { code, stdout, stderr } = await runRepl(
    [
      ...GROW,
      'const later = async (mib) => {',
      '  await new Promise((r) => setTimeout(r, 20));',
      '  const held = Buffer.alloc(mib * 1024 * 1024, 1);',
      '  return held;',
      '};',
      '.memit later(40)',
      // later's buffer stays referenced while grow runs: freeing it there would be counted on grow's line
      '.mprun -f grow -f later later(40).then((kept) => [kept, grow(36)]).then(() => 0)',
      // One line: edited in place or wrapped (then `short` is pointed at the wrapper).
      'let short = (mib) => Buffer.alloc(mib * 1024 * 1024, 1).length',
      '.mprun -f short short(40)',
      '.mprun -f short short(1); short(1)',
    ],
    ['-e', EMBEDDED],
  );
  assert.strictEqual(code, 0, stderr);
  const [memit] = memitLines(stdout);
  assert.ok(Math.abs(memit.increment - 40) <= 2, `.memit in its own context: ${memit.increment} MiB`);
  assert.ok(Math.abs(memit.external - 40) <= 2 && Math.abs(memit.heap) < 2, `.memit's split: a Buffer is external: ${JSON.stringify(memit)}`);
  const [grow, later, short, shortTwice] = tables(stdout);
  assert.strictEqual(short.rows.length, 1, stdout);
  assert.ok(Math.abs(short.rows[0].inc - 40) <= 3, `one-line arrow: ${short.rows[0].inc} MiB`);
  assert.strictEqual(shortTwice.rows[0].occ, 2, 'profiled once, counted on each call');
  checkGrowTable(grow, 36, 1);
  const held = later.rows.find((r) => r.source.includes('Buffer.alloc'));
  assert.strictEqual(held.occ, 1);
  assert.ok(Math.abs(held.inc - 40) <= 2, `async line: ${held.inc} MiB`);
});

test('.mprun profiles a function of a required file; bad names are one line each', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memprof-repl-'));
  const file = path.join(dir, 'lib.js');
  fs.writeFileSync(file, `exports.build = function build(n) {\n  const parts = [];\n  for (let i = 0; i < n; i++) parts.push(Buffer.alloc(8 * 1024 * 1024, 1));\n  return parts;\n};\n`);
  try {
    const { code, stdout } = await runRepl([
      `const lib = require(${JSON.stringify(file)})`,
      '.mprun -f lib.build lib.build(5).length',
      '.mprun -f lib lib',
      '.mprun -f Math.max Math.max(1, 2)',
      '.mprun lib.build(1)',
      `.mprun -T ${path.join(dir, 'tables.txt')} -f lib.build lib.build(2).length`,
      `.mprun -T ${path.join(dir, 'missing', 'tables.txt')} -f lib.build lib.build(1).length`,
    ]);
    assert.strictEqual(code, 0);
    const [table] = tables(stdout);
    assert.strictEqual(table.file, file);
    const loop = table.rows.find((r) => r.line === 3);
    assert.strictEqual(loop.occ, 6);
    assert.ok(Math.abs(loop.inc - 40) <= 3, `loop line: ${loop.inc} MiB`);
    assert.match(stdout, /\.mprun: lib is object, not a function\n/);
    assert.match(stdout, /\.mprun: cannot profile Math\.max: it is native or built-in code/);
    assert.match(stdout, /\.mprun: name a function with -f;/);
    // -T: the tables go to the file; when it cannot be written they are shown instead.
    assert.ok(stdout.includes(`*** Profile printout saved to text file '${path.join(dir, 'tables.txt')}'.`), stdout);
    const saved = tables(fs.readFileSync(path.join(dir, 'tables.txt'), 'utf8'));
    assert.strictEqual(saved.length, 1);
    assert.strictEqual(saved[0].rows.find((r) => r.line === 3).occ, 3);
    assert.match(stdout, /\.mprun: cannot write \S+missing\S+ \(no such directory\); the tables are above\n/);
    assert.strictEqual(tables(stdout).length, 2, 'the first table and the unsaved one');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('memprof repl --precision and --backend shape .mprun; bad values exit 2 with one line', async () => {
  const { code, stdout, stderr } = await runRepl([...GROW, '.mprun -f grow grow(8).length'], [BIN, 'repl', '--precision', '3', '--backend', 'heap']);
  assert.strictEqual(code, 0, stderr);
  const [table] = tables(stdout);
  const alloc = table.rows.find((r) => r.line === 2);
  assert.match(stdout, /\s\d+\.\d{3} MiB\s/);
  // The heap backend: a Buffer's memory lives outside the V8 heap.
  assert.ok(Math.abs(alloc.inc) < 1, `heap increment of a Buffer: ${alloc.inc} MiB`);
  for (const [args, message] of [
    [['--precision', 'x'], /argument 'x' is invalid/],
    [['--backend', 'psutil'], /unknown backend "psutil"/],
  ]) {
    const bad = await runRepl([], [BIN, 'repl', ...args]);
    assert.strictEqual(bad.code, 2);
    assert.match(bad.stderr, message);
    assert.strictEqual(bad.stderr.trim().split('\n').length, 1);
  }
});

test('.mprun resets only the functions it profiles: other profiled functions keep their figures', async () => {
  const { code, stdout, stderr } = await runRepl([
    "const memprof = require('memprof');",
    'function other(n) {',
    '  let s = 0;',
    '  for (let i = 0; i < n; i++) s += i;',
    '  return s;',
    '}',
    "memprof.profile(other, { report: 'none' });",
    'other(3); other(4);',
    ...GROW,
    '.mprun -f grow grow(40).length',
    "console.log('other calls:', memprof.getResults().functions.find((f) => f.name === 'other').calls)",
    '.exit',
  ]);
  assert.strictEqual(code, 0, stderr);
  assert.match(stdout, /other calls: 2\b/);
  assert.strictEqual(tables(stdout).length, 1, stdout);
});

test('addCommands refuses what is not a REPL server and misspelt options, in one line', () => {
  const { addCommands } = require('../../dist/repl');
  // Without the check, {} failed inside with "server.defineCommand is not a function".
  assert.throws(() => addCommands({}), /^TypeError: addCommands needs a REPL server/);
  assert.throws(() => addCommands(undefined), /addCommands needs a REPL server/);
  const { PassThrough } = require('node:stream');
  const server = require('node:repl').start({ input: new PassThrough(), output: new PassThrough(), terminal: false });
  try {
    assert.throws(() => addCommands(server, { precison: 2 }), /unknown addCommands option "precison": valid options are precision, backend/);
    assert.strictEqual(addCommands(server, { precision: 2, backend: 'heap' }), server);
  } finally {
    server.close();
  }
});

test('Ctrl+C (SIGINT) interrupts a running statement, as in node\'s REPL; the REPL carries on', async () => {
  const child = spawn(process.execPath, [BIN, 'repl'], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, MEMPROF_REPL_HISTORY: '' } });
  let stdout = '';
  let stderr = '';
  // Resolves when the output matches; fails with what was seen if the REPL exits first.
  const seen = (pattern) =>
    new Promise((resolve, reject) => {
      const check = () => {
        if (pattern.test(stdout + stderr)) resolve();
      };
      child.stdout.on('data', check);
      child.stderr.on('data', check);
      child.once('exit', () => reject(new Error(`the REPL exited before printing ${pattern}: ${stdout} ${stderr}`)));
      check();
    });
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  try {
    // The statement says it is running with fs.writeSync, not console.log: a SIGINT that lands
    // while process.stdout.write finishes its bookkeeping (the bytes have left, so the test has
    // seen them) ends the statement there and leaves the stream marked as writing, and all the
    // REPL prints after it waits forever. Node's own REPL (repl.start with breakEvalOnSigint)
    // does the same: 6 of 30 runs under two busy loops; 0 of 60 with fs.writeSync.
    child.stdin.write("for (let i = 0; ; i++) if (i === 1e6) require('node:fs').writeSync(1, 'looping\\n')\n");
    await seen(/looping/);
    child.kill('SIGINT');
    await seen(/Script execution was interrupted by `SIGINT`/);
    child.stdin.write('6 * 7\n');
    await seen(/^(memprof> )?42$/m);
    child.stdin.end('.exit\n');
    assert.deepStrictEqual(await exited, { code: 0, signal: null }, `the REPL went on, ran the next statement and left at .exit: ${stderr}`);
  } finally {
    // A failed wait must not leave the REPL spinning: it would hold the test file open.
    child.kill('SIGKILL');
  }
});
