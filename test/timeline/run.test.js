'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { spawn, spawnSync } = require('node:child_process');
const { tempDir, memprof, memprofAsync, MPROF, MPROF_SKIP, lines, waitFor } = require('./helpers.js');
const { parseDat, readDat } = require('../../dist/timeline/dat.js');

const CALL_EVENTS = path.join(__dirname, '..', '..', 'dist', 'trace', 'call-events.js');

function script(dir, name, source) {
  const file = path.join(dir, name);
  fs.writeFileSync(file, source);
  return file;
}

// Holds 100 MB for a while, then frees it and exits with code 3.
const GROW = `
const keep = [];
for (let i = 0; i < 10; i++) keep.push(Buffer.alloc(10e6, 1));
setTimeout(() => { keep.length = 0; process.exitCode = 3; }, 400);
`;

test('run records MEM samples of a script, as mprof; exits 0 without -E, with the code with -E', () => {
  const dir = tempDir();
  const file = script(dir, 'grow.js', GROW);
  const out = path.join(dir, 'grow.dat');
  let r = memprof(['run', '-o', out, file]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /exited with code 3 \(memprof exits 0 as mprof does; -E passes/);
  const rec = readDat(out);
  assert.match(rec.cmdline, /grow\.js$/);
  assert.ok(rec.mem.mib.length >= 20, `${rec.mem.mib.length} samples at 10 ms over 0.4 s or more`);
  assert.ok(Math.max(...rec.mem.mib) - rec.mem.mib[0] > 70, 'the 100 MB held show in the curve');
  for (let i = 1; i < rec.mem.times.length; i++) assert.ok(rec.mem.times[i] >= rec.mem.times[i - 1], `sample ${i} at ${rec.mem.times[i]} after ${rec.mem.times[i - 1]}`);
  r = memprof(['run', '-E', '-o', out, file]);
  assert.equal(r.code, 3, r.stderr);
  assert.equal(readDat(out).cmdline, rec.cmdline, 'a fresh file, not appended to the old one');
  assert.equal(lines(out, 'CMDLINE').length, 1);
});

test('run passes options after the program to the program, and runs any command', () => {
  const dir = tempDir();
  const out = path.join(dir, 'cmd.dat');
  const r = memprof(['run', '-E', '-o', out, 'sh', '-c', 'sleep 0.3; exit $#', 'sh', 'a b', '-x', '--y']);
  assert.equal(r.code, 3, `sh got 3 arguments: ${r.stderr}`);
  assert.equal(readDat(out).cmdline, "sh -c 'sleep 0.3; exit $#' sh 'a b' -x --y");
  assert.ok(lines(out, 'MEM').length > 5, `${lines(out, "MEM").length} MEM lines`);
});

test('run script.js: the program and the children it forks see their own process.execArgv, without memprof\'s preload', () => {
  const dir = tempDir();
  const file = script(dir, 'forks.js', `
const { fork } = require('node:child_process');
if (process.argv[2] === 'child') process.send([process.execArgv, typeof profile]);
else {
  console.log('parent', JSON.stringify([process.execArgv, typeof profile]));
  const child = fork(__filename, ['child']);
  child.once('message', (m) => { console.log('child', JSON.stringify(m)); child.kill(); });
}
`);
  const r = memprof(['run', '-o', path.join(dir, 'f.dat'), file]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^parent \[\[\],"function"\]$/m, `the program has profile() and its own execArgv: ${r.stdout}`);
  assert.match(r.stdout, /^child \[\[\],"undefined"\]$/m, `a forked child starts as under node: ${r.stdout}`);
});

test('-C adds a forked child to MEM; -M writes one CHLD curve per child', () => {
  const dir = tempDir();
  const file = script(dir, 'fork.js', `
    if (process.argv[2] === 'child') {
      const b = Buffer.alloc(150e6, 1);
      setTimeout(() => process.disconnect(), 700);
    } else {
      const c = require('node:child_process').fork(__filename, ['child']);
      require('node:fs').writeFileSync(process.argv[2], String(c.pid));
    }
  `);
  const plain = path.join(dir, 'plain.dat');
  const withC = path.join(dir, 'c.dat');
  const withM = path.join(dir, 'm.dat');
  for (const [out, flags] of [[plain, []], [withC, ['-C']], [withM, ['-M']]]) {
    const r = memprof(['run', ...flags, '-o', out, file, path.join(dir, 'pid')]);
    assert.equal(r.code, 0, r.stderr);
  }
  const peak = (f) => Math.max(...readDat(f).mem.mib);
  assert.ok(peak(withC) - peak(plain) > 100, `with -C the child's 150 MB count: ${peak(withC)} vs ${peak(plain)}`);
  const m = readDat(withM);
  const childPid = fs.readFileSync(path.join(dir, 'pid'), 'utf8');
  assert.ok(m.children.has(childPid), `a CHLD curve for pid ${childPid}: ${[...m.children.keys()]}`);
  assert.ok(Math.max(...m.children.get(childPid).mib) > 140, `child peak ${Math.max(...m.children.get(childPid).mib)} MiB`);
  assert.ok(peak(withM) < 100, '-M alone keeps MEM to the parent');
  if (MPROF) {
    const py = spawnSync(MPROF, ['peak', withM], { encoding: 'utf8' });
    assert.match(py.stdout, new RegExp(`Child ${childPid}\\t+1\\d\\d\\.\\d{3} MiB`), 'python3-mprof reads our CHLD lines');
  }
});

test('SIGKILL of memprof leaves every sample drained so far, in whole lines', async () => {
  const dir = tempDir();
  const file = script(dir, 'long.js', `
    require('node:fs').writeFileSync(process.argv[2], String(process.pid));
    const keep = []; const t = setInterval(() => keep.push(Buffer.alloc(1e6, 1)), 20);
    setTimeout(() => clearInterval(t), 20000);
  `);
  const out = path.join(dir, 'killed.dat');
  const pidFile = path.join(dir, 'pid');
  const child = memprofAsync(['run', '-T', '0.001', '-o', out, file, pidFile]);
  try {
    await waitFor(() => fs.existsSync(out) && lines(out, 'MEM').length >= 300);
    const seen = lines(out, 'MEM').length;
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    const text = fs.readFileSync(out, 'utf8');
    assert.ok(text.endsWith('\n'), 'no half line');
    const rec = parseDat(text, out); // throws on a torn record
    assert.ok(rec.mem.mib.length >= seen, `${rec.mem.mib.length} >= ${seen}`);
    assert.ok(Math.max(...rec.mem.mib) > rec.mem.mib[0] + 5, 'the samples follow the growth');
  } finally {
    try { process.kill(Number(fs.readFileSync(pidFile, 'utf8')), 'SIGKILL'); } catch {}
  }
});

test('a program killed by SIGKILL: the recording is complete and -E gives 128 + 9', () => {
  const dir = tempDir();
  const file = script(dir, 'suicide.js', 'const b = Buffer.alloc(60e6, 1); setTimeout(() => process.kill(process.pid, "SIGKILL"), 300);');
  const out = path.join(dir, 'k.dat');
  const r = memprof(['run', '-E', '-o', out, file]);
  assert.equal(r.code, 137, r.stderr);
  const rec = readDat(out);
  assert.ok(rec.mem.mib.length >= 20, `${rec.mem.mib.length} samples`);
  assert.ok(Math.max(...rec.mem.mib) > 60, `peak ${Math.max(...rec.mem.mib)} MiB`);
  assert.match(r.stderr, /wrote .*k\.dat: \d+ samples, peak/);
});

test('SIGINT and SIGTERM reach the program; memprof then writes and exits with its code (-E)', async () => {
  const dir = tempDir();
  const file = script(dir, 'wait.js', `
    process.on('SIGTERM', () => { console.log('got SIGTERM'); process.exit(7); });
    const keep = Buffer.alloc(30e6, 1); setTimeout(() => {}, 20000);
    require('node:fs').writeFileSync(process.argv[2], 'ready');
  `);
  for (const [signal, expected] of [['SIGINT', 130], ['SIGTERM', 7]]) {
    const out = path.join(dir, `${signal}.dat`);
    const ready = path.join(dir, `${signal}.ready`);
    const child = memprofAsync(['run', '-E', '-o', out, file, ready]);
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    // Signal only once the program's handler is installed and samples are in the file.
    await waitFor(() => fs.existsSync(ready) && lines(out, 'MEM').length >= 10);
    child.kill(signal);
    const code = await new Promise((resolve) => child.once('exit', (c) => resolve(c)));
    assert.equal(code, expected, signal);
    if (signal === 'SIGTERM') assert.match(stdout, /got SIGTERM/, "the program's handler ran");
    assert.ok(lines(out, 'MEM').length >= 10, `${lines(out, "MEM").length} MEM lines`);
  }
});

test('--timeout stops the program and the recording', () => {
  const dir = tempDir();
  const file = script(dir, 'forever.js', 'setInterval(() => {}, 1000);');
  const out = path.join(dir, 't.dat');
  const r = memprof(['run', '-E', '-t', '0.5', '-o', out, file]);
  assert.equal(r.code, 143, r.stderr);
  assert.match(r.stderr, /timeout of 0\.5 s reached/);
  const rec = readDat(out);
  assert.ok(rec.mem.times.length > 10, `${rec.mem.times.length} samples`);
  assert.ok(rec.mem.times[rec.mem.times.length - 1] - rec.mem.times[0] < 5, `recorded ${rec.mem.times[rec.mem.times.length - 1] - rec.mem.times[0]} s`);
});

test('profiled calls reported by the tracer become FUNC lines (listener driven directly)', () => {
  const dir = tempDir();
  // Stands in for profile(): calls the listener the preload installed, as the tracer does.
  const file = script(dir, 'calls.js', `
    const { callListener } = require(${JSON.stringify(CALL_EVENTS)});
    const emit = callListener();
    if (!emit) throw new Error('memprof run installed no call listener');
    const MiB = 1024 * 1024;
    const at = (kind, name, depth, mem) => emit({ kind, name, file: __filename, depth, time: Date.now(), mem: mem * MiB });
    at('enter', 'calls.outer', 1, 10);
    const keep = Buffer.alloc(40e6, 1);
    at('enter', 'calls.inner', 2, 20);
    at('exit', 'calls.inner', 2, 30);
    at('enter', 'calls.inner', 2, 31);
    at('exit', 'calls.inner', 2, 32);
    at('exit', 'calls.outer', 1, 50);
    at('enter', 'calls.dies', 1, 60);
    setTimeout(() => process.exit(0), 100); // exits while calls.dies is still open
  `);
  const out = path.join(dir, 'f.dat');
  const r = memprof(['run', '-o', out, file]);
  assert.equal(r.code, 0, r.stderr);
  const funcs = readDat(out).funcs;
  const by = (name) => funcs.filter((f) => f.name === name);
  assert.equal(by('calls.outer').length, 1);
  assert.equal(by('calls.inner').length, 2);
  const [outer] = by('calls.outer');
  assert.equal(outer.depth, 0, "memory_profiler's stack level: 0 outermost");
  assert.equal(outer.memStart, 10);
  assert.equal(outer.memEnd, 50);
  assert.ok(outer.end >= outer.start, JSON.stringify(outer));
  assert.deepEqual(by('calls.inner').map((f) => [f.depth, f.memStart, f.memEnd]), [[1, 20, 30], [1, 31, 32]]);
  const [dies] = by('calls.dies');
  assert.ok(dies, 'a call still open at exit is closed at the end of the recording');
  assert.ok(dies.end >= dies.start, JSON.stringify(dies));
  const plotted = memprof(['plot', out, '-o', path.join(dir, 'f.svg')]);
  assert.equal(plotted.code, 0, plotted.stderr);
  assert.match(fs.readFileSync(path.join(dir, 'f.svg'), 'utf8'), /calls\.inner/);
});

test('the program keeps its stdin, stdout and stderr; children it starts get no event fd', () => {
  const dir = tempDir();
  const file = script(dir, 'io.js', `
    let input = '';
    process.stdin.on('data', (d) => (input += d)).on('end', () => {
      console.log('out:' + input.trim());
      console.error('err:' + (process.env.MEMPROF_EVENTS_FD === undefined));
      const r = require('node:child_process').spawnSync(process.execPath, ['-e', 'console.log(typeof globalThis.profile, process.env.MEMPROF_EVENTS_FD)'], { encoding: 'utf8' });
      console.log('grandchild:' + r.stdout.trim());
      console.log('profile:' + typeof profile);
    });
  `);
  const r = memprof(['run', '-o', path.join(dir, 'io.dat'), file], { input: 'hello' });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^out:hello$/m);
  assert.match(r.stderr, /^err:true$/m);
  assert.match(r.stdout, /^grandchild:undefined undefined$/m);
  assert.match(r.stdout, /^profile:function$/m);
});

test('attach records a running process until it exits; --timeout leaves it running', async () => {
  const dir = tempDir();
  const file = script(dir, 'target.js', `
    const keep = []; const t = setInterval(() => keep.push(Buffer.alloc(5e6, 1)), 50);
    setTimeout(() => { clearInterval(t); process.exit(0); }, Number(process.argv[2]));
  `);
  const target = spawn(process.execPath, [file, '3000'], { stdio: 'ignore' });
  const out = path.join(dir, 'a.dat');
  const r = await new Promise((resolve) => {
    const c = memprofAsync(['attach', '-o', out, String(target.pid)]);
    let stderr = '';
    c.stderr.on('data', (d) => (stderr += d));
    c.on('exit', (code) => resolve({ code, stderr }));
  });
  assert.equal(r.code, 0, r.stderr);
  const rec = readDat(out);
  assert.match(rec.cmdline, /target\.js 3000$/);
  assert.ok(rec.mem.mib.length > 20, `${rec.mem.mib.length} samples`);
  assert.ok(Math.max(...rec.mem.mib) - rec.mem.mib[0] > 50, 'growth of 5 MB every 50 ms seen');

  const long = spawn(process.execPath, [file, '20000'], { stdio: 'ignore' });
  try {
    const t = memprof(['attach', '-t', '0.3', '-o', path.join(dir, 'b.dat'), String(long.pid)]);
    assert.equal(t.code, 0, t.stderr);
    assert.ok(lines(path.join(dir, 'b.dat'), 'MEM').length > 5, `${lines(path.join(dir, "b.dat"), "MEM").length} MEM lines`);
    assert.doesNotThrow(() => process.kill(long.pid, 0), 'the target still runs');
  } finally {
    long.kill('SIGKILL');
  }
});

test('a program that ends before the first sample gives an empty recording, not an error', () => {
  const dir = tempDir();
  const out = path.join(dir, 'quick.dat');
  const r = memprof(['run', '-E', '-o', out, 'true']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(readDat(out).cmdline, 'true');
  // `true` usually ends before the first sample, but not always on a loaded machine: plot
  // a recording that surely has none.
  const none = path.join(dir, 'none.dat');
  fs.writeFileSync(none, 'CMDLINE true\n');
  const plot = memprof(['plot', none, '-o', path.join(dir, 'q.svg')]);
  assert.equal(plot.code, 1);
  assert.match(plot.stderr, /has no MEM samples \(the program ended before the first sample/);
});

test('attach finds a process by a part of its name, as mprof', () => {
  const dir = tempDir();
  const name = `mpz${process.pid.toString(16)}`.slice(0, 12);
  const binary = path.join(dir, name);
  fs.copyFileSync('/bin/sleep', binary);
  fs.chmodSync(binary, 0o755);
  const target = spawn(binary, ['20'], { stdio: 'ignore' });
  try {
    const out = path.join(dir, 'n.dat');
    const r = memprof(['attach', '-t', '0.3', '-o', out, name.slice(1)]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`attached to pid ${target.pid}:`));
    assert.match(readDat(out).cmdline, new RegExp(`${name} 20$`));
  } finally {
    target.kill('SIGKILL');
  }
});

test('bad input: one line, exit 2 (exit 1 for a missing program or process)', () => {
  const dir = tempDir();
  const cases = [
    [['run', path.join(dir, 'missing.js')], /cannot run .*missing\.js: no such file/, 1],
    [['run', 'no-such-command-memprof'], /cannot run no-such-command-memprof: command not found/, 1],
    [['run', '--interval', '0.00001', 'x.js'], /below the shortest period, 0\.0001 s/],
    [['run', '--interval', 'abc', 'x.js'], /expected a number of seconds/],
    [['attach', '2147483640'], /no process with pid 2147483640/, 1],
    [['attach', 'no-such-process-name'], /no process named like "no-such-process-name"/, 1],
    [['attach', '0'], /expected a process id or name/],
    [['run'], /missing required argument 'program'/],
    [['run', '-o', path.join(dir, 'no', 'x.dat'), 'true'], /cannot write .*x\.dat: no such directory/],
    // The temporary file beside it is removed, and not named in the message.
    [['run', '-o', path.join(dir, 'sub'), 'true'], /cannot write .*sub: it is a directory\n$/],
  ];
  fs.mkdirSync(path.join(dir, 'sub'));
  for (const [args, message, code = 2] of cases) {
    const r = memprof(args, { cwd: dir });
    assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, message);
  }
  assert.deepEqual(fs.readdirSync(dir), ['sub'], 'no recording (or temporary file) left behind by a program that could not start');
  fs.rmdirSync(path.join(dir, 'sub'));
  // Without the addon: the build instructions, and the program is not started.
  const marker = path.join(dir, 'ran');
  const r = memprof(['run', process.execPath, '-e', `require('fs').writeFileSync(${JSON.stringify(marker)}, '')`], {
    cwd: dir,
    env: { ...process.env, MEMPROF_DISABLE_NATIVE: '1' },
  });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^memprof: the native addon is disabled \(MEMPROF_DISABLE_NATIVE=1 is set; unset it to use the addon\)/);
  assert.doesNotMatch(r.stderr, /rebuild/, 'a disabled addon needs no rebuild');
  assert.deepEqual(fs.readdirSync(dir), [], 'neither a recording nor a started program');
});

test('recording by python3-mprof and by memprof of the same program agree', { skip: MPROF_SKIP }, () => {
  const dir = tempDir();
  const file = script(dir, 'same.js', 'const b = Buffer.alloc(120e6, 1); setTimeout(() => {}, 500);');
  const ours = path.join(dir, 'ours.dat');
  const theirs = path.join(dir, 'theirs.dat');
  assert.equal(memprof(['run', '-T', '0.01', '-o', ours, process.execPath, file]).code, 0);
  const py = spawnSync(MPROF, ['run', '-T', '0.01', '-o', theirs, process.execPath, file], { encoding: 'utf8' });
  assert.equal(py.status, 0, py.stderr);
  const a = Math.max(...readDat(ours).mem.mib);
  const b = Math.max(...readDat(theirs).mem.mib);
  assert.ok(Math.abs(a - b) < 25, `peaks ${a} vs ${b} MiB`);
  assert.ok(a > 110 && b > 110, `peaks ${a} and ${b} MiB`);
  const peak = spawnSync(MPROF, ['peak', ours], { encoding: 'utf8' });
  assert.equal(peak.status, 0, peak.stderr);
  assert.equal(peak.stdout, memprof(['peak', ours]).stdout);
});

const HAS_SCRIPT = spawnSync('sh', ['-c', 'command -v script']).status === 0;

test('a live status line on stderr only when stderr is a terminal', { skip: !HAS_SCRIPT && 'script(1) from util-linux is not installed (needed for a pseudo-terminal)' }, () => {
  const dir = tempDir();
  const file = script(dir, 'hold.js', 'const b = Buffer.alloc(50e6, 1); setTimeout(() => {}, 700);');
  const out = path.join(dir, 's.dat');
  const cli = path.join(__dirname, '..', '..', 'bin', 'memprof.js');
  const tty = spawnSync('script', ['-qec', `${process.execPath} ${cli} run -o ${out} ${file}`, '/dev/null'], { encoding: 'utf8' });
  assert.equal(tty.status, 0, tty.stderr);
  assert.match(tty.stdout, /\r\x1b\[Kmemprof: \d+\.\d s {2}RSS \d+\.\d MiB {2}peak \d+\.\d MiB {2}\d+ samples/);
  const piped = memprof(['run', '-o', out, file]);
  assert.doesNotMatch(piped.stderr, /RSS .* peak/, 'no status line in a pipe');
});
