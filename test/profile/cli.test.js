'use strict';
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { memprof, memprofUntil, parseTable, FIXTURES, MiB } = require('./helpers');

// With the native addon, rows carry the split (Heap, External) by default.
const HEADER = 'Line #  Mem usage  Increment       Heap   External       Peak Occurrences  Line Contents';

test('memprof app.js: the script runs as main with its arguments; one table per profiled function at exit', (t) => {
  const r = memprof(['app.js', 'one', '--two', '-3']);
  assert.strictEqual(r.code, 0, r.stderr);
  assert.match(r.stdout, /^argv \["one","--two","-3"\] main true$/m);
  // Relative to the working directory (FIXTURES) when under it; absolute otherwise.
  assert.ok(r.stdout.includes(`Filename: app.js\n\n${HEADER}\n${'='.repeat(HEADER.length)}\n`), r.stdout);
  // A new empty folder: the checkout itself may be under the temp folder (it was in /tmp).
  const elsewhereDir = fs.mkdtempSync(path.join(os.tmpdir(), 'memprof-cwd-'));
  t.after(() => fs.rmSync(elsewhereDir, { recursive: true, force: true }));
  const elsewhere = memprof([path.join(FIXTURES, 'app.js')], { cwd: elsewhereDir });
  assert.ok(elsewhere.stdout.includes(`Filename: ${path.join(FIXTURES, 'app.js')}\n`), elsewhere.stdout);
  const rows = parseTable(r.stdout, 'build');
  assert.strictEqual(rows[7].occ, 11, 'for over 10 iterations: 11 tests');
  assert.ok(rows[6].inc > 95 && rows[6].inc < 105, `kept 100 MiB: ${rows[6].inc}`);
  assert.strictEqual(rows[9].occ, 0, 'the closing brace never runs');
  assert.ok(!r.stdout.includes('function helper'), 'helper is not profiled');
});

test('--precision, --format markdown and json (values in bytes)', () => {
  const text = memprof(['--precision', '3', 'app.js']);
  assert.match(text.stdout, /(-?\d+\.\d{3} MiB +){5}1 +  const big/);
  const md = memprof(['--format', 'markdown', 'app.js']);
  assert.match(md.stdout, /^### `build` — .*app\.js:5 \(1 call\)$/m);
  assert.match(md.stdout, /^\| Line # \| Mem usage \| Increment \| Heap \| External \| Peak \| Occurrences \| Line Contents \|$/m);
  assert.match(md.stdout, /^\| 7 \| [\d.]+ MiB \| -?[\d.]+ MiB \| -?[\d.]+ MiB \| -?[\d.]+ MiB \| [\d.]+ MiB \| 11 \| `.*for \(let i = 0; i < n; i\+\+\) kept\.push\(i\);` \|$/m);
  const js = memprof(['--format', 'json', '-o', '-', 'app.js']);
  assert.strictEqual(js.code, 0, js.stderr);
  const doc = JSON.parse(js.stdout.slice(js.stdout.indexOf('{')));
  assert.strictEqual(doc.tool, 'memprof');
  assert.strictEqual(doc.version, require('../../package.json').version);
  assert.strictEqual(doc.backend, 'native');
  assert.strictEqual(doc.unit, 'bytes');
  const [fn] = doc.functions;
  assert.deepStrictEqual({ name: fn.name, file: fn.file, line: fn.line, calls: fn.calls }, { name: 'build', file: path.join(FIXTURES, 'app.js'), line: 5, calls: 1 });
  const big = fn.lines.find((l) => l.line === 6);
  assert.strictEqual(big.source, '  const big = Buffer.alloc(100 * MiB, 1);');
  assert.ok(Math.abs(big.increment - 100 * MiB) < 5 * MiB, `increment ${big.increment}`);
  assert.ok(Number.isInteger(big.mem) && big.peak >= big.mem, JSON.stringify(big));
  assert.ok(Math.abs(big.externalIncrement - 100 * MiB) < 5 * MiB, `a Buffer is external memory: ${big.externalIncrement}`);
  assert.deepStrictEqual(fn.lines.find((l) => l.line === 9), {
    line: 9,
    source: '}',
    occurrences: 0,
    mem: null,
    increment: null,
    peak: null,
    heapIncrement: null,
    externalIncrement: null,
  });
});

test('--fast reads the sampler (same rows at its resolution); --backend heap measures the V8 heap', () => {
  const fast = memprof(['--fast', 'app.js']);
  assert.strictEqual(fast.code, 0, fast.stderr);
  const rows = parseTable(fast.stdout, 'build');
  assert.strictEqual(rows[7].occ, 11);
  assert.ok(rows[6].inc > 90 && rows[6].inc < 110, `fast mode: kept ${rows[6].inc} MiB`);
  const heap = memprof(['--backend', 'heap', '--format', 'json', '-o', '-', 'app.js']);
  assert.strictEqual(heap.code, 0, heap.stderr);
  const doc = JSON.parse(heap.stdout.slice(heap.stdout.indexOf('{')));
  assert.strictEqual(doc.backend, 'heap');
  // A Buffer lives outside the V8 heap: the heap figure hardly moves.
  const big = doc.functions[0].lines.find((l) => l.line === 6);
  assert.ok(Math.abs(big.increment) < 5 * MiB, `heap increment ${big.increment / MiB} MiB`);
  assert.ok(big.mem < 100 * MiB, `Mem usage ${big.mem / MiB} MiB`);
});

test('-f selectors: name, file.js:name, file.js:line; no code change needed', () => {
  const byName = memprof(['-f', 'helper', 'app.js']);
  assert.strictEqual(parseTable(byName.stdout, 'helper')[11].occ, 1);
  const byFile = memprof(['-f', 'lib.js:render', '-f', 'lib.js:3', 'uses-lib.js']);
  assert.strictEqual(byFile.code, 0, byFile.stderr);
  assert.match(byFile.stdout, /^1;2;3$/m);
  assert.strictEqual(parseTable(byFile.stdout, 'parse')[3].occ, 1);
  assert.strictEqual(parseTable(byFile.stdout, 'render')[7].occ, 1);
  const none = memprof(['-f', 'nothere', 'app.js']);
  assert.strictEqual(none.code, 0);
  assert.match(none.stderr, /^memprof: no function matching --function nothere in the \d+ files? the program loaded$/m);
});

test('ES module with top-level await: global profile() and -f through module.register', () => {
  const r = memprof(['-f', 'gather', 'tla.mjs']);
  assert.strictEqual(r.code, 0, r.stderr);
  assert.match(r.stdout, /^esm 3 2 true$/m);
  const gather = parseTable(r.stdout, 'gather');
  assert.strictEqual(gather[4].occ, 7, 'two calls: 3 + 4 loop tests');
  assert.strictEqual(gather[6].occ, 5);
  assert.strictEqual(gather[6].source, '    await sleep(1);');
  assert.strictEqual(parseTable(r.stdout, 'collect')[11].occ, 1);
});

test('faults: missing script exits 1, usage errors exit 2, one line each, no stack', () => {
  const cases = [
    [['nope.js'], 1, /^memprof: cannot find script nope\.js\n$/],
    [['--backend', 'psutil', 'app.js'], 2, /^memprof: .*unknown backend "psutil": choose one of native, process, heap, uss, pss/],
    [['--snapshot-at', '12 parsecs', 'app.js'], 2, /^memprof: .*invalid size "12 parsecs"/],
    [['--break-at', '-5', 'app.js'], 2, /^memprof: .*invalid size/],
    [['--no-such-option', 'app.js'], 2, /^memprof: unknown option '--no-such-option'/],
    [['--format', 'yaml', 'app.js'], 2, /^memprof: .*yaml/],
    [['--precision', 'x', 'app.js'], 2, /^memprof: .*whole number/],
    [[], 2, /^memprof: missing script/],
    [['-o', os.tmpdir(), 'app.js'], 2, /^memprof: cannot write .*: it is a directory\n$/],
  ];
  for (const [args, code, pattern] of cases) {
    const r = memprof(args);
    assert.strictEqual(r.code, code, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, pattern, args.join(' '));
    assert.strictEqual(r.stderr.trim().split('\n').length, 1, `one line for ${args.join(' ')}: ${r.stderr}`);
    assert.doesNotMatch(r.stderr, /^\s+at /m);
  }
});

test('a script that throws: results written (to -o too), the error printed, exit 1', () => {
  const out = path.join(os.tmpdir(), `memprof-throws-${process.pid}.txt`);
  fs.rmSync(out, { force: true });
  try {
    const r = memprof(['-o', out, 'throws.js']);
    assert.strictEqual(r.code, 1);
    assert.match(r.stderr, /Error: script failed on purpose\n\s+at .*throws\.js:7/);
    assert.doesNotMatch(r.stderr, /dist[/\\]cli/);
    assert.strictEqual(parseTable(fs.readFileSync(out, 'utf8'), 'work')[3].occ, 1);
    // -o appends, like memory_profiler
    memprof(['-o', out, 'throws.js']);
    assert.strictEqual(fs.readFileSync(out, 'utf8').split('Filename:').length - 1, 2);
  } finally {
    fs.rmSync(out, { force: true });
  }
});

test('an uncaught error prints as under node: the line with a caret, the error with its properties, the Node version; handlers see node\'s origin', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memprof-uncaught-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const scripts = {
    'type-error.js': 'function work() {\n  return [1].length;\n}\nwork();\n\tnull.foo;\n',
    'throw-new.js': 'function work() { return 1 }\nwork();\nconst code = "E_OWN";\nthrow Object.assign(new Error("failed on purpose"), { code });\n',
    'top-level.mjs': 'function work() { return 1 }\nwork();\nthrow new RangeError("from an ES module");\n',
    'origin.mjs': "process.on('uncaughtException', (err, origin) => console.log(origin, err.message));\nthrow new Error('handled');\n",
    // Ends at once: no timer runs; the 'exit' listeners run before the error prints.
    'pending-timer.js': "process.on('exit', (code) => console.log('exit', code));\nsetTimeout(() => console.log('a timer ran'), 5);\nfunction work() { return 1 }\nwork();\nthrow new Error('at the top level');\n",
    // Thrown later by a probed line (node's own handler prints it): the line as written, not probed.
    'later.js': 'function work(n) {\n  const kept = [n];\n  if (n > 1) null.boom;\n  return kept;\n}\nwork(1);\nsetTimeout(() => work(2), 5);\n',
    'later.mjs': 'function work(n) {\n  const kept = [n];\n  if (n > 1) Promise.reject(new Error("rejected " + kept));\n  return kept;\n}\nwork(1);\nsetTimeout(() => work(2), 5);\n',
  };
  for (const [name, text] of Object.entries(scripts)) fs.writeFileSync(path.join(dir, name), text);
  // Node's last frames are its own entry point, which runs memprof here instead.
  // (The line goes; an inspected error's ' {' moves up to the frame before.)
  const entryFrames = /\n {4}at (Function\.executeUserEntryPoint|node:internal\/main\/run_main_module|async asyncRunEntryPointWithESMLoader)[^\n]*?(?=( \{)?\n)/g;
  for (const name of Object.keys(scripts)) {
    const node = spawnSync(process.execPath, [name], { cwd: dir, encoding: 'utf8' });
    for (const args of [[name], ['-f', 'work', name]]) {
      const r = memprof(args, { cwd: dir });
      assert.strictEqual(r.code, node.status, `${args.join(' ')}: ${r.stderr}`);
      assert.strictEqual(r.stderr.replace(/^memprof: .*\n/gm, ''), node.stderr.replace(entryFrames, ''), args.join(' '));
      // The report comes at exit too: the program's lines are all there, and nothing more of its own.
      for (const line of node.stdout.split('\n').filter(Boolean)) assert.ok(r.stdout.includes(`${line}\n`), `${args.join(' ')} printed "${line}": ${r.stdout}`);
      assert.doesNotMatch(r.stdout, /a timer ran/, args.join(' '));
    }
  }
  assert.match(spawnSync(process.execPath, ['origin.mjs'], { cwd: dir, encoding: 'utf8' }).stdout, /^unhandledRejection handled$/m, 'what node passes');
});

test('-o that becomes unwritable while the script runs: one line at exit, exit 1, no stack', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memprof-out-'));
  const out = path.join(dir, 'report.txt');
  const script = path.join(dir, 'takes-path.js');
  // The script puts a directory where the report goes, after memprof's check.
  fs.writeFileSync(script, `require('node:fs').mkdirSync(${JSON.stringify(out)});\nfunction f() {\n  return 1;\n}\nprofile(f)();\n`);
  try {
    const r = memprof(['-o', out, script]);
    assert.strictEqual(r.code, 1, r.stderr);
    assert.strictEqual(r.stderr, `memprof: cannot write ${out}: it is a directory\n`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('line breaks as JavaScript counts them (lone CR, U+2028 in a string): each row quotes its own line', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memprof-breaks-'));
  const body = ['function f() {', '  const s = "a\u2028b";', '  const t = [1];', '  return s.length + t.length;', '}', 'console.log(profile(f)());', ''];
  try {
    for (const [name, eol] of [['cr.js', '\r'], ['crlf.js', '\r\n'], ['lf.js', '\n']]) {
      const file = path.join(dir, name);
      fs.writeFileSync(file, body.join(eol));
      const r = memprof(['--format', 'json', '-o', '-', file]);
      assert.strictEqual(r.code, 0, r.stderr);
      assert.match(r.stdout, /^4$/m);
      const [fn] = JSON.parse(r.stdout.slice(r.stdout.indexOf('{'))).functions;
      // V8 and acorn count U+2028 as a line break: `return` is line 5 in every file.
      const ret = fn.lines.find((l) => l.source.includes('return'));
      assert.deepStrictEqual([ret.line, ret.occurrences], [5, 1], `${name}: ${JSON.stringify(fn.lines)}`);
      assert.strictEqual(fn.lines.find((l) => l.line === 4).source, '  const t = [1];', name);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('-o with --format json twice: the file stays one JSON document (text appends)', () => {
  const out = path.join(os.tmpdir(), `memprof-json-${process.pid}.json`);
  fs.rmSync(out, { force: true });
  try {
    for (let i = 0; i < 2; i++) assert.strictEqual(memprof(['--format', 'json', '-o', out, 'app.js']).code, 0);
    assert.strictEqual(JSON.parse(fs.readFileSync(out, 'utf8')).functions[0].name, 'build');
  } finally {
    fs.rmSync(out, { force: true });
  }
});

test('a report larger than a pipe holds reaches a slow reader whole (stdout is a non-blocking pipe)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memprof-pipe-'));
  const file = path.join(dir, 'long.js');
  const rows = 3000; // ~300 KB of table, several times a pipe's 64 KiB
  fs.writeFileSync(file, `function long() {\n  let x = 0;\n${'  x += 1;\n'.repeat(rows)}  return x;\n}\nconsole.log(long());\n`);
  try {
    // The reader starts late, so memprof meets a full pipe while it writes the report.
    const bin = path.join(__dirname, '..', '..', 'bin', 'memprof.js');
    const r = require('node:child_process').spawnSync('sh', ['-c', `"${process.execPath}" "${bin}" -f long "${file}" | (sleep 1; cat)`], {
      encoding: 'utf8',
      maxBuffer: 64 * MiB,
    });
    assert.strictEqual(r.stderr, '');
    const table = r.stdout.split('\n').filter((l) => /^ +\d+ /.test(l));
    assert.strictEqual(table.length, rows + 4, 'every row, the function line and its closing brace');
    assert.match(r.stdout, /\n +\d+ +[\d.]+ MiB .* return x;\n +\d+ +}\n\n\n$/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('memprof app.js | head: the reader going away ends the report quietly', () => {
  const r = require('node:child_process').spawnSync('sh', ['-c', `"${process.execPath}" "${path.join(__dirname, '..', '..', 'bin', 'memprof.js')}" --precision 12 app.js | head -c 10`], {
    cwd: FIXTURES,
    encoding: 'utf8',
  });
  assert.doesNotMatch(r.stderr, /EPIPE|\n\s+at /);
});

test('process.exit(3): results written, exit 3', () => {
  const r = memprof(['exits.js']);
  assert.strictEqual(r.code, 3);
  assert.strictEqual(parseTable(r.stdout, 'work')[3].occ, 1);
});

test('process.exit(4) inside a profiled function: the running lines and the call are still counted', () => {
  const r = memprof(['exits-inside.js']);
  assert.strictEqual(r.code, 4, r.stderr);
  const rows = parseTable(r.stdout, 'work');
  assert.strictEqual(rows[2].occ, 1, 'one call');
  assert.ok(rows[3].inc > 60 && rows[3].inc < 68, `64 MiB line: ${rows[3].inc}`);
  assert.strictEqual(rows[4].occ, 1, 'the line that exits has its row');
  assert.strictEqual(rows[5].occ, 0);
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  test(`${signal}: results written, then killed by ${signal} as node would be (a shell shows 128 + n)`, async () => {
    const run = memprofUntil(['waits.js'], 'stdout', /ready/);
    await run.ready;
    run.child.kill(signal);
    const r = await run.done;
    assert.deepStrictEqual([r.code, r.signal], [null, signal], r.stderr);
    assert.strictEqual(parseTable(r.stdout, 'work')[3].occ, 1);
  });
}

test('--include-children adds the RSS of child processes to the rows', () => {
  const alone = memprof(['children.js']);
  const withKids = memprof(['--include-children', 'children.js']);
  for (const r of [alone, withKids]) {
    assert.strictEqual(r.code, 0, r.stderr);
    assert.match(r.stdout, /^child said 104857600$/m);
  }
  const rise = (r) => {
    const row = parseTable(r.stdout, 'withChild')[4];
    return row.peak - row.mem + row.inc;
  };
  assert.ok(rise(withKids) > 90, `with children: the line's peak rose ${rise(withKids)} MiB`);
  assert.ok(rise(alone) < 30, `without: ${rise(alone)} MiB`);
});

test('--timestamp gives the same stack levels as mprof and memprof run: 0 for the outermost call', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memprof-levels-'));
  const script = path.join(dir, 'nested.js');
  fs.writeFileSync(script, 'function inner() { return [1]; }\nfunction outer() { return inner().length; }\nprofile(inner);\nprofile(outer)();\n');
  const levels = (text) => text.split('\n').filter((l) => l.startsWith('FUNC ')).map((l) => `${l.split(' ')[1]} ${l.split(' ')[6]}`).sort();
  const ts = memprof(['--timestamp', script], { cwd: dir });
  assert.strictEqual(ts.code, 0, ts.stderr);
  assert.deepStrictEqual(levels(ts.stdout), ['nested.inner 1', 'nested.outer 0']);
  const run = memprof(['run', '-o', path.join(dir, 'r.dat'), script], { cwd: dir });
  assert.strictEqual(run.code, 0, run.stderr);
  assert.deepStrictEqual(levels(fs.readFileSync(path.join(dir, 'r.dat'), 'utf8')), levels(ts.stdout), 'memprof run agrees');
  fs.rmSync(dir, { recursive: true, force: true });
});

test('--timestamp prints FUNC lines instead of tables', () => {
  const r = memprof(['--timestamp', 'app.js']);
  assert.strictEqual(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stdout, /Filename:/);
  const m = /^FUNC app\.build ([\d.]+) ([\d.]+) ([\d.]+) ([\d.]+) 0$/m.exec(r.stdout);
  assert.ok(m, r.stdout);
  const [start, t0, end, t1] = m.slice(1).map(Number);
  assert.ok(end - start > 95 && end - start < 105, `build kept ${end - start} MiB`);
  assert.ok(t1 >= t0 && Math.abs(t0 - Date.now() / 1000) < 120, `FUNC from ${t0} to ${t1} s`);
});

test('--snapshot-at writes a .heapsnapshot in the working directory once, and says where', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memprof-snap-'));
  try {
    const base = memprof(['--format', 'json', '-o', '-', 'grows.js']);
    const entry = JSON.parse(base.stdout.slice(base.stdout.indexOf('{'))).functions[0].lines[0].mem;
    const at = Math.round((entry + 64 * MiB) / MiB);
    const r = memprof(['--snapshot-at', `${at}MiB`, path.join(FIXTURES, 'grows.js')], { cwd: dir });
    assert.strictEqual(r.code, 0, r.stderr);
    const files = fs.readdirSync(dir).filter((f) => f.endsWith('.heapsnapshot'));
    assert.strictEqual(files.length, 1);
    assert.match(r.stderr, new RegExp(`^memprof: memory reached [\\d.]+ MiB at .*grows\\.js:5; heap snapshot written to .*${files[0]}$`, 'm'));
    assert.ok(JSON.parse(fs.readFileSync(path.join(dir, files[0]), 'utf8')).snapshot.node_count > 1000, 'the snapshot has its nodes');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('--break-at with no debugger attached opens the inspector on 127.0.0.1, says how to attach and what it exposes, and waits', async () => {
  const run = memprofUntil(['--break-at', '1MiB', 'grows.js'], 'stderr', /run code as this process\n/);
  await run.ready;
  const port = /node inspect 127\.0\.0\.1:(\d+)\n/.exec(run.out.stderr)[1];
  assert.match(run.out.stderr, /^memprof: memory reached [\d.]+ MiB at .*grows\.js:\d+; waiting for a debugger on 127\.0\.0\.1:\d+:$/m);
  assert.match(run.out.stderr, new RegExp(`^memprof:   node inspect 127\\.0\\.0\\.1:${port}$`, 'm'));
  assert.match(run.out.stderr, new RegExp(`^memprof:   or Chrome: chrome://inspect, Configure\\.\\.\\. add 127\\.0\\.0\\.1:${port}, then "inspect" \\(ws://127\\.0\\.0\\.1:${port}/[\\w-]+\\)$`, 'm'));
  assert.match(run.out.stderr, new RegExp(`^memprof: warning: until a debugger detaches, any local user can connect to 127\\.0\\.0\\.1:${port} and run code as this process$`, 'm'));
  assert.doesNotMatch(run.out.stdout, /grew/, 'the script is paused');
  run.child.kill('SIGKILL');
  await run.done;
});

test('--break-at: `node inspect 127.0.0.1:PORT` attaches, the pause is in the user\'s frame, and the inspector closes when it detaches', { skip: process.platform !== 'linux' && 'detach is noticed through /proc/net/tcp' }, async () => {
  const { spawn } = require('node:child_process');
  const net = require('node:net');
  const run = memprofUntil(['--break-at', '1MiB', 'grows-then-waits.js'], 'stderr', /run code as this process\n/);
  await run.ready;
  const hostPort = /node inspect (127\.0\.0\.1:\d+)\n/.exec(run.out.stderr)[1];
  const debug = spawn(process.execPath, ['inspect', hostPort], { stdio: ['pipe', 'pipe', 'pipe'] });
  let seen = '';
  const until = (pattern) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`node inspect never printed ${pattern}: ${seen}`)), 30000);
      const check = () => pattern.test(seen) && (clearTimeout(timer), resolve());
      debug.stdout.on('data', (d) => ((seen += d), check()));
      check();
    });
  await until(/break in \S*grows-then-waits\.js:\d+/);
  const where = /break in (\S+):(\d+)/.exec(seen);
  assert.equal(path.basename(where[1]), 'grows-then-waits.js', 'paused in the script, not in memprof');
  debug.stdin.write('bt\n');
  await until(/#0 grow \S*grows-then-waits\.js:/);
  debug.stdin.write('cont\n.exit\n');
  await new Promise((resolve) => debug.on('close', resolve));
  const closedLine = new RegExp(`^memprof: the debugger detached; the inspector on ${hostPort.replace(/\./g, '\\.')} is closed$`, 'm');
  await new Promise((resolve, reject) => {
    const started = Date.now();
    const tick = () => (closedLine.test(run.out.stderr) ? resolve() : Date.now() - started > 20000 ? reject(new Error(run.out.stderr)) : setTimeout(tick, 50));
    tick();
  });
  // Closed while the script still runs (it prints "done" 3 s after the pause).
  const refused = await new Promise((resolve) => {
    const socket = net.connect(Number(hostPort.split(':')[1]), '127.0.0.1');
    socket.on('connect', () => (socket.destroy(), resolve(false)));
    socket.on('error', () => resolve(true));
  });
  assert.ok(!run.out.stdout.includes('done'), 'the script is still running');
  const result = await run.done;
  assert.strictEqual(result.code, 0, result.stderr);
  assert.match(result.stdout, /^done$/m);
  assert.ok(refused, 'nothing listens on the inspector port any more');
});

test('--break-at with the inspector already open pauses there (and memprof\'s own session never holds it up)', () => {
  const { spawnSync } = require('node:child_process');
  const { BIN } = require('./helpers');
  const r = spawnSync(process.execPath, ['--inspect=127.0.0.1:0', BIN, '--break-at', '1MiB', 'grows.js'], { cwd: FIXTURES, encoding: 'utf8', timeout: 30000 });
  assert.strictEqual(r.status, 0, r.stderr);
  assert.match(r.stderr, /^memprof: memory reached [\d.]+ MiB at .*grows\.js:\d+; pausing in the debugger$/m);
  // No client is attached: the debugger statement passes and the script runs to its end.
  assert.match(r.stdout, /^grew 8$/m);
});

test('worker threads profile their own functions', () => {
  const { spawnSync } = require('node:child_process');
  const w = spawnSync(process.execPath, [path.join(FIXTURES, 'worker.js')], { encoding: 'utf8' });
  assert.strictEqual(w.status, 0, w.stderr);
  const fn = JSON.parse(w.stdout);
  assert.strictEqual(fn.name, 'inWorker');
  const line = fn.lines.find((l) => l.source.includes('Buffer.alloc'));
  assert.ok(Math.abs(line.increment - 40 * MiB) < 4 * MiB, `worker line increment ${line.increment / MiB} MiB`);
});

test("profile(fn, { report: 'exit' }) prints one accumulated table when the process ends", () => {
  const { spawnSync } = require('node:child_process');
  const r = spawnSync(process.execPath, [path.join(FIXTURES, 'report-exit.js')], { encoding: 'utf8' });
  assert.strictEqual(r.status, 0, r.stderr);
  assert.match(r.stdout, /^calls done\nFilename: /);
  assert.strictEqual(r.stdout.split('Filename:').length - 1, 1);
  const rows = parseTable(r.stdout, 'twice');
  assert.strictEqual(rows[4].occ, 2, 'two calls');
  assert.strictEqual(rows[5].occ, 2);
  assert.match(r.stdout, /\d+\.\d\d MiB +-?\d+\.\d\d MiB/);
});

test("the kernel's high-water mark gives a call's peak when the sampler saw nothing (Linux)", { skip: process.platform !== 'linux' && 'VmHWM is Linux only' }, () => {
  const { spawnSync } = require('node:child_process');
  const r = spawnSync(process.execPath, ['--expose-gc', path.join(FIXTURES, 'hwm.js')], { encoding: 'utf8' });
  assert.strictEqual(r.status, 0, r.stderr);
  const { header, line } = JSON.parse(r.stdout);
  assert.ok(header.peak - header.mem > 180 * MiB, `call peak ${header.peak / MiB} MiB, entry ${header.mem / MiB} MiB`);
  assert.ok(line.peak - line.mem < 20 * MiB, 'the sampler (one sample a minute) saw no spike on the line');
});

test('functions written f(){ (no space before the brace) get full line tables, from an ES module top level too', () => {
  // The same source as CommonJS, from a copy: the extension picks the module system.
  const cjs = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'memprof-braces-')), 'tight-braces.cjs');
  fs.copyFileSync(path.join(FIXTURES, 'tight-braces.mjs'), cjs);
  for (const file of ['tight-braces.mjs', cjs]) {
    const r = memprof([file]);
    assert.strictEqual(r.code, 0, r.stderr);
    assert.strictEqual(r.stderr, '', `${file}: nothing refused or wrapped`);
    assert.match(r.stdout, /^10485760 3$/m);
    const kept = parseTable(r.stdout, 'kept');
    assert.strictEqual(kept[3].occ, 1, file);
    assert.ok(kept[3].inc > 9 && kept[3].inc < 11, `${file}: ${kept[3].inc} MiB`);
    assert.strictEqual(parseTable(r.stdout, 'inline')[8].occ, 4, file);
  }
  fs.rmSync(path.dirname(cjs), { recursive: true, force: true });
});

test('--format json without -o: a usage error before the program runs (its stdout would corrupt the document)', () => {
  const r = memprof(['--format', 'json', 'app.js']);
  assert.strictEqual(r.code, 2);
  assert.strictEqual(r.stdout, '', 'the program did not run');
  assert.strictEqual(r.stderr, "memprof: --format json needs -o <file>: the program's own output also goes to stdout and would corrupt the document (-o - prints it there anyway)\n");
});

test('-v prints the version; a misspelt subcommand that is no file gets "did you mean"', () => {
  const version = require('../../package.json').version;
  for (const flag of ['-v', '-V', '--version']) assert.strictEqual(memprof([flag]).stdout, `${version}\n`, flag);
  for (const [typed, meant] of [['plto', 'plot'], ['lst', 'list'], ['chek', 'check'], ['rn', 'run']]) {
    const r = memprof([typed]);
    assert.strictEqual(r.code, 2, `${typed}: ${r.stderr}`);
    assert.strictEqual(r.stderr, `memprof: no script or subcommand named ${typed}; did you mean ${meant}? (see memprof --help)\n`);
  }
  // Not a near miss, or a file by that name: the script is what was meant.
  assert.match(memprof(['nosuchthing']).stderr, /^memprof: cannot find script nosuchthing\n$/);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memprof-plto-'));
  try {
    fs.writeFileSync(path.join(dir, 'plto'), 'console.log("ran plto")\n');
    const r = memprof(['plto'], { cwd: dir });
    assert.strictEqual(r.code, 0, r.stderr);
    assert.strictEqual(r.stdout, 'ran plto\n');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('every subcommand\'s help has examples', () => {
  const help = memprof(['--help']).stdout;
  const names = [...help.slice(help.indexOf('Commands:'), help.indexOf('Examples:')).matchAll(/^  ([a-z]+)\b/gm)].map((m) => m[1]).filter((n) => n !== 'help');
  assert.ok(names.length >= 9, `subcommands listed: ${names}`);
  for (const name of ['', ...names]) {
    const r = memprof(name ? [name, '--help'] : ['--help']);
    assert.strictEqual(r.code, 0, `${name} --help: ${r.stderr}`);
    assert.match(r.stdout, /\nExamples:\n {2}memprof /, `memprof ${name} --help shows examples`);
  }
});

test('help and the version end quietly when the reader closes the pipe (memprof --help | true)', () => {
  const bin = path.join(__dirname, '..', '..', 'bin', 'memprof.js');
  for (const args of ['--help', 'top --help', 'run -h', '-v']) {
    // `true` exits without reading: every write after that fails with EPIPE.
    const r = require('node:child_process').spawnSync('sh', ['-c', `"${process.execPath}" "${bin}" ${args} | true`], { encoding: 'utf8' });
    assert.doesNotMatch(r.stderr, /EPIPE|Unhandled/, `memprof ${args}: no stack trace: ${r.stderr}`);
  }
});

test('a tight f(){ function at an ES module top level is profiled whatever the folder it sits in', () => {
  // The probed text carries the file's path; V8's character diff once charged the edit to the
  // module's top level for some paths (a folder named "stress" or "ci", not "ss").
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'memprof-paths-'));
  try {
    for (const folder of ['s', 'ss', 'ci', 'x1', 'stress', 'ci-run/main', 'wt/stress/test/profile/fixtures', 'abcdefgh/ijk']) {
      const dir = path.join(root, folder);
      fs.mkdirSync(dir, { recursive: true });
      fs.copyFileSync(path.join(FIXTURES, 'tight-braces.mjs'), path.join(dir, 'tight-braces.mjs'));
      const r = memprof(['tight-braces.mjs'], { cwd: dir });
      assert.strictEqual(r.stderr, '', `in ${folder}: nothing refused`);
      assert.strictEqual(parseTable(r.stdout, 'kept')[3].occ, 1, `in ${folder}: kept's table`);
    }
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});
