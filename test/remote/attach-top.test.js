'use strict';
// memprof attach --top against a real server process started plain (`node alloc-server.js`):
// the report names the allocating handler first, the server serves throughout, and after
// detach V8's sampling heap profiler no longer runs in it and its inspector is closed.
const test = require('node:test');
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const zlib = require('node:zlib');
const { Profile } = require('pprof-format');
const { startServer, get, memprof, memprofAsync, waitFor, connectDebugger, holdInspectorPort, PORT_BUSY } = require('./helpers.js');
const { tcpSockets } = require('../../dist/remote/target-process.js');

const ALLOC_SERVER = path.join(__dirname, 'fixtures', 'alloc-server.js');
const REPORT_LINE = 8; // function report(req, res) in alloc-server.js

const tempDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'memprof-attach-top-'));

/** Requests to /ping all along, counting answers and failures. */
function pingAllAlong(port) {
  const state = { pings: 0, failures: [], running: true };
  state.done = (async () => {
    while (state.running) {
      try {
        const r = await get(port, '/ping');
        if (r.body === 'pong') state.pings++;
        else state.failures.push(`answered ${r.status} ${r.body}`);
      } catch (err) {
        state.failures.push(err.message);
      }
    }
  })();
  return state;
}

test('attach --top: the allocating handler of a plain server comes first; served throughout; after detach no sampling, inspector closed', async (t) => {
  if (!(await holdInspectorPort(t))) return t.skip(PORT_BUSY);
  const server = await startServer([], ALLOC_SERVER);
  const { port } = server;
  t.after(() => server.child.kill());
  const answer = (await get(port, '/')).body;
  assert.equal((await get(port, '/sampling')).body, 'stopped', 'no sampling heap profiler before');
  const pinger = pingAllAlong(port);
  t.after(() => (pinger.running = false));

  const out = path.join(tempDir(), 'top.json');
  const m = memprofAsync(['attach', '--top', '-o', out, String(server.child.pid)]);
  await waitFor(() => /attached to pid/.test(m.stderr) || m.child.exitCode !== null, 'memprof to attach');
  assert.match(m.stderr, /attached to pid \d+ \(inspector on 127\.0\.0\.1:9229, opened by memprof until it detaches\): sampling its allocations/, m.stderr);
  assert.equal((await get(port, '/sampling')).body, 'running', "while attached, V8's sampling heap profiler runs in the server");
  for (let i = 0; i < 150; i++) assert.equal((await get(port, '/')).body, answer, 'the handler answers as before');
  const pingsWhileAttached = pinger.pings;
  m.child.kill('SIGINT');
  assert.equal(await m.exited, 0, m.stderr);
  pinger.running = false;
  await pinger.done;

  const report = JSON.parse(fs.readFileSync(out, 'utf8'));
  assert.equal(report.mode, 'top');
  assert.equal(report.pid, server.child.pid, 'the report names the process');
  assert.match(report.command, /alloc-server\.js/, `and its command line: ${report.command}`);
  assert.equal(report.ended, 'signal SIGINT');
  const [first] = report.functions;
  assert.equal(first.name, 'report', `the handler allocates most: ${JSON.stringify(report.functions.slice(0, 4).map((f) => [f.name, f.allocated]))}`);
  assert.equal(first.file, ALLOC_SERVER, 'with its file');
  assert.equal(first.line, REPORT_LINE, 'and the line it starts on');
  assert.ok(first.allocated > 0.5 * report.allocated, `report() has most of the sampled bytes: ${first.allocated} of ${report.allocated}`);
  assert.match(first.noLines, new RegExp(`memprof attach --lines -f \\S*alloc-server\\.js:${REPORT_LINE} ${server.child.pid}`), `it names the command for its lines: ${first.noLines}`);

  assert.match(m.stderr, /detached from pid \d+: sampling stopped, its inspector closed/, m.stderr);
  assert.equal((await get(port, '/sampling')).body, 'stopped', "after detach V8's sampling heap profiler no longer runs in the server");
  if (process.platform === 'linux') {
    await waitFor(() => !tcpSockets(server.child.pid).some((s) => s.listening && s.port === 9229), 'the inspector to close');
  }
  assert.deepEqual(pinger.failures, [], 'every request was answered throughout');
  assert.ok(pingsWhileAttached > 0 && pinger.pings >= pingsWhileAttached, `requests were served while attached and after: ${pingsWhileAttached}, ${pinger.pings}`);
  assert.equal((await get(port, '/')).body, answer, 'and it answers the same after detach');

  // The command the report names gives the handler's line table.
  const lines = memprofAsync([...first.noLines.replace(/^its lines: memprof /, '').split(' ').slice(0, -1), '--format', 'json', '-t', '1.5', String(server.child.pid)]);
  await waitFor(() => /attached to pid/.test(lines.stderr) || lines.child.exitCode !== null, 'attach --lines to attach');
  for (let i = 0; i < 3; i++) await get(port, '/');
  assert.equal(await lines.exited, 0, lines.stderr);
  const table = JSON.parse(lines.stdout).functions[0];
  assert.equal(table.name, 'report', `attach --lines probed the function the report named: ${lines.stdout.slice(0, 300)}`);
  assert.equal(table.calls, 3, 'one call per request');
});

test('attach twice in a row: the inspector memprof opened is closed when the first exits, and the second opens it again', { skip: process.platform !== 'linux' ? 'the listening socket is read from /proc' : false }, async (t) => {
  if (!(await holdInspectorPort(t))) return t.skip(PORT_BUSY);
  const server = await startServer([], ALLOC_SERVER);
  t.after(() => server.child.kill());
  const pid = String(server.child.pid);
  for (const mode of [['--top'], ['--lines', '-f', 'report'], ['--top']]) {
    const r = await memprofAsync(['attach', ...mode, '-t', '0.5', pid]);
    assert.equal(await r.exited, 0, `memprof attach ${mode.join(' ')} right after the previous one: ${r.stderr}`);
    assert.match(r.stderr, /its inspector closed/, r.stderr);
    const listening = tcpSockets(server.child.pid).filter((s) => s.listening && s.loopback).map((s) => s.port);
    assert.ok(!listening.includes(9229), `the inspector no longer listens once memprof has exited (listening: ${listening})`);
  }
  assert.equal((await get(server.port, '/ping')).body, 'pong', 'the server still answers');
});

test('attach --top: a server that shuts down while attached exits as it would, and the report covers it up to its exit', async (t) => {
  if (!(await holdInspectorPort(t))) return t.skip(PORT_BUSY);
  const server = await startServer([], path.join(__dirname, 'fixtures', 'graceful-server.js'));
  t.after(() => server.child.kill('SIGKILL'));
  const serverExited = new Promise((resolve) => server.child.once('exit', (code, signal) => resolve({ code, signal })));
  const out = path.join(tempDir(), 'top.json');
  const m = memprofAsync(['attach', '--top', '-o', out, String(server.child.pid)]);
  await waitFor(() => /attached to pid/.test(m.stderr) || m.child.exitCode !== null, 'memprof to attach');
  for (let i = 0; i < 5; i++) await get(server.port, '/');
  server.child.kill('SIGTERM');
  const exit = await Promise.race([serverExited, new Promise((resolve) => setTimeout(() => resolve('still running 10 s after SIGTERM'), 10000))]);
  assert.deepEqual(exit, { code: 0, signal: null }, `the server exits on its own: ${server.stderr()}`);
  assert.equal(await m.exited, 0, m.stderr);
  const report = JSON.parse(fs.readFileSync(out, 'utf8'));
  assert.equal(report.ended, 'exit', 'the report says how it ended');
  assert.ok(report.allocated > 0, `its allocations up to the exit: ${report.allocated}`);
});

test("attach --top leaves its own readings of the target's memory out: an idle server shows nothing of the program", async (t) => {
  if (!(await holdInspectorPort(t))) return t.skip(PORT_BUSY);
  const server = await startServer([], ALLOC_SERVER);
  t.after(() => server.child.kill());
  // A small interval samples nearly every reading memprof makes (process.memoryUsage() four times a second).
  const m = memprofAsync(['attach', '--top', '-t', '2', '--sampling-interval', '1024', '--format', 'json', String(server.child.pid)]);
  assert.equal(await m.exited, 0, m.stderr);
  const report = JSON.parse(m.stdout);
  const program = report.functions.filter((f) => !/^\(.*\)$/.test(f.name));
  assert.deepEqual(program.map((f) => `${f.name} ${f.allocated}`), [], "only V8's own entries ((V8 API), (PARSER)...) at most: nothing charged to the program or to Node's modules");
  assert.ok(!JSON.stringify(report.stacks).includes('memprofReadMemory'), "memprof's reading function is not in the stacks");
  assert.ok(report.allocated < 256 * 1024, `what the readings' parsing costs V8 stays small: ${report.allocated} bytes in 2 s`);
});

test('attach --top -t writes pprof by -o x.pb.gz: the handler is the heaviest allocator', async (t) => {
  if (!(await holdInspectorPort(t))) return t.skip(PORT_BUSY);
  const server = await startServer([], ALLOC_SERVER);
  t.after(() => server.child.kill());
  const file = path.join(tempDir(), 'heap.pb.gz');
  const m = memprofAsync(['attach', '--top', '-t', '2', '-o', file, String(server.child.pid)]);
  await waitFor(() => /attached to pid/.test(m.stderr) || m.child.exitCode !== null, 'memprof to attach');
  for (let i = 0; i < 60; i++) await get(server.port, '/');
  assert.equal(await m.exited, 0, m.stderr);
  const p = Profile.decode(zlib.gunzipSync(fs.readFileSync(file)));
  const str = (i) => p.stringTable.strings[Number(i)];
  assert.deepEqual(p.sampleType.map((s) => str(s.type)), ['alloc_objects', 'alloc_space'], 'allocated figures (the profile keeps collected objects)');
  // Bytes by the nearest frame with a file (V8's builtins allocate for their caller, as memprof top charges them).
  const bytes = new Map();
  for (const s of p.sample) {
    for (const id of s.locationId) {
      const fn = p.function.find((f) => f.id === p.location.find((l) => l.id === id).line[0].functionId);
      if (!str(fn.filename)) continue;
      const key = `${str(fn.name)}:${fn.startLine}`;
      bytes.set(key, (bytes.get(key) ?? 0) + Number(s.value[1]));
      break;
    }
  }
  const [heaviest] = [...bytes].sort((a, b) => b[1] - a[1]);
  assert.equal(heaviest[0], `report:${REPORT_LINE}`, `the heaviest allocator: ${JSON.stringify([...bytes].slice(0, 5))}`);
  if (process.platform === 'linux') await waitFor(() => !tcpSockets(server.child.pid).some((s) => s.listening && s.port === 9229), 'the inspector to close');
});

test('attach --top refuses what attach --lines refuses: not Node (exit 1, one line); usage errors exit 2', { skip: process.platform === 'win32' ? 'no sleep(1) here' : false }, async (t) => {
  const sleeper = spawn('sleep', ['30']);
  t.after(() => sleeper.kill());
  const r = memprof(['attach', '--top', String(sleeper.pid)]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, new RegExp(`^memprof: pid ${sleeper.pid} is not a Node.js process`));
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.equal(sleeper.exitCode, null, 'and it was not signalled');
  for (const [args, message] of [
    [['--top', '--lines', '-f', 'x'], /--top and --lines are two ways to attach/],
    [['--top', '-f', 'x'], /-f selects functions for --lines; --top finds them itself/],
    [['--top', '--format', 'markdown'], /--top writes text, json, html, pprof, speedscope: not markdown/],
    [['--top', '--format', 'pprof'], /--format pprof writes a binary file: name it with -o/],
    [['--lines', '-f', 'x', '--format', 'html'], /--lines writes text, json, markdown: not html/],
  ]) {
    const u = memprof(['attach', ...args, String(sleeper.pid)]);
    assert.equal(u.code, 2, `${args.join(' ')}: ${u.stderr}`);
    assert.match(u.stderr, message);
    assert.equal(u.stderr.trim().split('\n').length, 1, `one line: ${u.stderr}`);
  }
});

test('attach --top refuses an inspector in use by a debugger, and leaves the server serving', { skip: process.platform !== 'linux' ? 'telling a debugger is connected needs /proc' : false }, async (t) => {
  const server = await startServer(['--inspect=127.0.0.1:0'], ALLOC_SERVER);
  t.after(() => server.child.kill());
  const { client: debuggerClient, url } = await connectDebugger(server);
  t.after(() => debuggerClient.close());
  const r = memprof(['attach', '--top', '-t', '1', String(server.child.pid)]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /is in use by a debugger: disconnect it first/);
  assert.equal((await get(server.port, '/ping')).body, 'pong', 'the server still runs');
  assert.equal((await get(server.port, '/sampling')).body, 'stopped', 'and memprof started nothing in it');
});

test('attach --top refuses a process of another user (memprof run as nobody against ours)', { skip: process.getuid?.() !== 0 ? 'needs root to run memprof as another user' : false }, async (t) => {
  const server = await startServer([], ALLOC_SERVER);
  t.after(() => server.child.kill());
  const r = memprof(['attach', '--top', String(server.child.pid)], { uid: 65534, gid: 65534 });
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, new RegExp(`^memprof: pid ${server.child.pid} belongs to another user`));
  assert.ok(!server.stderr().includes('Debugger listening'), 'its inspector was not opened');
});
