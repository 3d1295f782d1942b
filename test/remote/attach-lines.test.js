'use strict';
// memprof attach --lines against a real server process started plain (`node server.js`):
// the handler's table counts the requests sent while attached, and detach leaves the
// process as it was (source text, no probes, no inspector) while it kept serving.
const test = require('node:test');
const assert = require('node:assert/strict');
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { startServer, get, memprof, memprofAsync, waitFor, connectDebugger, holdInspectorPort, PORT_BUSY, CLI } = require('./helpers.js');
const { tcpSockets } = require('../../dist/remote/target-process.js');



test('attach --lines: the handler of a plain server gets its line table, occurrences = requests; detach restores it', async (t) => {
  if (!(await holdInspectorPort(t))) return t.skip(PORT_BUSY);
  const server = await startServer();
  const { port } = server;
  t.after(() => server.child.kill());
  const original = (await get(port, '/source')).body;
  // Requests to another route all along: the server must never stop answering.
  let pings = 0;
  let failures = [];
  let load = true;
  t.after(() => (load = false));
  const pinger = (async () => {
    while (load) {
      try {
        const r = await get(port, '/ping');
        if (r.body === 'pong') pings++;
        else failures.push(`answered ${r.status} ${r.body}`);
      } catch (err) {
        failures.push(err.message);
      }
    }
  })();

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memprof-attach-'));
  const out = path.join(dir, 'lines.json');
  const m = memprofAsync(['attach', '--lines', '-f', 'handler', '--format', 'json', '-o', out, String(server.child.pid)]);
  await waitFor(() => /attached to pid/.test(m.stderr) || m.child.exitCode !== null, 'memprof to attach');
  assert.match(m.stderr, /attached to pid \d+ \(inspector on 127\.0\.0\.1:9229, opened by memprof/, `${m.stderr}\nthe server's stderr: ${server.stderr()}`);
  assert.match((await get(port, '/source')).body, /memprof\.probe/, 'while attached, handler runs the probed code');

  const N = 23;
  for (let i = 0; i < N; i++) assert.equal((await get(port, '/')).body, '10000', 'the handler answers as before');
  const pingsWhileAttached = pings;
  m.child.kill('SIGINT');
  assert.equal(await m.exited, 0, m.stderr);
  load = false;
  await pinger;

  const report = JSON.parse(fs.readFileSync(out, 'utf8'));
  const handler = report.functions.find((f) => f.name === 'handler');
  assert.ok(handler, `the report has handler: ${JSON.stringify(report.functions.map((f) => f.name))}`);
  assert.equal(handler.calls, N, 'one call per request');
  const endLine = handler.lines.find((l) => l.source.includes('res.end(String'));
  assert.equal(endLine.occurrences, N, `the response line ran once per request: ${JSON.stringify(endLine)}`);
  assert.equal(handler.lines.find((l) => l.source.includes('for (let i')).occurrences, N * 11, 'the loop header counts its tests');
  assert.ok(endLine.mem > 10 * 1024 * 1024, `a memory figure of the server (bytes): ${endLine.mem}`);

  assert.equal((await get(port, '/source')).body, original, 'after detach handler.toString() is the original');
  assert.equal((await get(port, '/probe')).body, 'undefined', 'the probes are gone from the global');
  assert.match(m.stderr, /detached from pid \d+: its functions are back as they were, its inspector closed/);
  if (process.platform === 'linux') {
    await waitFor(() => !tcpSockets(server.child.pid).some((s) => s.listening && s.port === 9229), 'the inspector to close');
  }
  assert.deepEqual(failures, [], 'every request was answered throughout');
  assert.ok(pingsWhileAttached > 0 && pings > pingsWhileAttached, `requests were served before, during and after: ${pingsWhileAttached}, ${pings}`);
  assert.equal((await get(port, '/')).body, '10000', 'and it still serves after detach');
});

test('attach --lines twice in a row: the second attach loads a fresh runtime and counts only its own requests', async (t) => {
  if (!(await holdInspectorPort(t))) return t.skip(PORT_BUSY);
  const server = await startServer();
  t.after(() => server.child.kill());
  for (const n of [3, 5]) {
    const m = memprofAsync(['attach', '--lines', '-f', 'server.js:handler', '--format', 'json', String(server.child.pid)]);
    await waitFor(() => /attached to pid/.test(m.stderr) || m.child.exitCode !== null, 'memprof to attach');
    for (let i = 0; i < n; i++) await get(server.port, '/');
    m.child.kill('SIGINT');
    assert.equal(await m.exited, 0, m.stderr);
    const handler = JSON.parse(m.stdout).functions.find((f) => f.name === 'handler');
    assert.equal(handler.calls, n, `attach ${n}: line occurrences ${JSON.stringify(handler.lines.map((l) => l.occurrences))}; ${m.stderr}`);
    if (process.platform === 'linux') await waitFor(() => !tcpSockets(server.child.pid).some((s) => s.listening && s.port === 9229), 'the inspector to close');
  }
});

test('attach --lines probes two functions on neighbouring lines of an ES module, and restores both (one edit of both is refused by V8)', async (t) => {
  if (!(await holdInspectorPort(t))) return t.skip(PORT_BUSY);
  const server = await startServer([], path.join(__dirname, 'fixtures', 'esm-server.mjs'));
  t.after(() => server.child.kill());
  const original = (await get(server.port, '/source')).body;
  for (const round of [1, 2]) {
    const m = memprofAsync(['attach', '--lines', '-f', 'esm-server.mjs:handler', '-f', 'esm-server.mjs:lookup', '--format', 'json', String(server.child.pid)]);
    await waitFor(() => /attached to pid/.test(m.stderr) || m.child.exitCode !== null, 'memprof to attach');
    for (let i = 0; i < 4; i++) await get(server.port, `/${i}`);
    m.child.kill('SIGINT');
    assert.equal(await m.exited, 0, `round ${round}: ${m.stderr}`);
    assert.doesNotMatch(m.stderr, /cannot probe|could not restore/, `round ${round}: both probed and restored: ${m.stderr}`);
    const calls = Object.fromEntries(JSON.parse(m.stdout).functions.map((f) => [f.name, f.calls]));
    assert.deepEqual(calls, { handler: 4, lookup: 4 }, `round ${round}: one call of each a request`);
    assert.equal((await get(server.port, '/source')).body, original, `round ${round}: the functions are back as they were`);
  }
});

test('attach --lines: a server that shuts down while attached exits as it would (no wait for memprof), and its tables up to the exit are printed', async (t) => {
  if (!(await holdInspectorPort(t))) return t.skip(PORT_BUSY);
  const server = await startServer([], path.join(__dirname, 'fixtures', 'graceful-server.js'));
  t.after(() => server.child.kill('SIGKILL'));
  let serverOut = '';
  server.child.stdout.on('data', (c) => (serverOut += c));
  const serverExited = new Promise((resolve) => server.child.once('exit', (code, signal) => resolve({ code, signal })));
  const m = memprofAsync(['attach', '--lines', '-f', 'graceful-server.js:handler', '--format', 'json', String(server.child.pid)]);
  await waitFor(() => /attached to pid/.test(m.stderr) || m.child.exitCode !== null, 'memprof to attach');
  for (let i = 0; i < 3; i++) await get(server.port, '/');
  server.child.kill('SIGTERM');
  const exit = await Promise.race([serverExited, new Promise((resolve) => setTimeout(() => resolve('still running 10 s after SIGTERM'), 10000))]);
  assert.deepEqual(exit, { code: 0, signal: null }, `the server exits on its own: ${serverOut} ${server.stderr()}`);
  assert.match(serverOut, /^stopped$/m, 'its exit handler ran');
  assert.equal(await m.exited, 0, m.stderr);
  assert.match(m.stderr, /pid \d+ exited/, m.stderr);
  const handler = JSON.parse(m.stdout).functions.find((f) => f.name === 'handler');
  assert.equal(handler?.calls, 3, `the calls up to its exit: ${m.stdout.slice(0, 300)}`);
});

test('attach --lines -t prints the table at the timeout; --report-every prints tables as it runs', async (t) => {
  if (!(await holdInspectorPort(t))) return t.skip(PORT_BUSY);
  const server = await startServer();
  t.after(() => server.child.kill());
  const m = memprofAsync(['attach', '--lines', '-f', 'handler', '--report-every', '0.3', '-t', '2.5', String(server.child.pid)]);
  await waitFor(() => /attached to pid/.test(m.stderr) || m.child.exitCode !== null, 'memprof to attach');
  await get(server.port, '/');
  assert.equal(await m.exited, 0, m.stderr);
  const tables = m.stdout.split('Line #').length - 1;
  assert.ok(tables >= 3, `periodic tables and the final one: ${tables}\n${m.stdout}`);
  assert.match(m.stdout, /res\.end\(String/);
});

test('attach --lines refuses a process that is not Node, in one line, exit 1', { skip: process.platform === 'win32' ? 'no sleep(1) here' : false }, async (t) => {
  const sleeper = spawn('sleep', ['30']);
  t.after(() => sleeper.kill());
  const r = memprof(['attach', '--lines', '-f', 'handler', String(sleeper.pid)]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, new RegExp(`^memprof: pid ${sleeper.pid} is not a Node.js process`));
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.equal(sleeper.exitCode, null, 'and it was not signalled');
});

test('attach --lines refuses a Node whose inspector is disabled (--disable-sigusr1), and leaves it running', async (t) => {
  if (spawnSync(process.execPath, ['--disable-sigusr1', '-e', '0']).status !== 0) return t.skip(`node ${process.version} has no --disable-sigusr1 (Node 22.14 and later)`);
  const server = await startServer(['--disable-sigusr1']);
  t.after(() => server.child.kill());
  const r = memprof(['attach', '--lines', '-f', 'handler', String(server.child.pid)]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /has its inspector disabled/);
  assert.equal((await get(server.port, '/')).body, '10000', 'the server still runs');
});

test('attach --lines refuses an inspector in use by a debugger; once it is gone, uses the open inspector and leaves it open', { skip: process.platform !== 'linux' ? 'telling a debugger is connected needs /proc' : false }, async (t) => {
  const server = await startServer(['--inspect=127.0.0.1:0']);
  t.after(() => server.child.kill());
  const { client: debuggerClient, url } = await connectDebugger(server);
  t.after(() => debuggerClient.close());
  const r = memprof(['attach', '--lines', '-f', 'handler', String(server.child.pid)]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /is in use by a debugger: disconnect it first/);
  assert.equal((await get(server.port, '/')).body, '10000', 'the server still runs');

  // The debugger gone, memprof uses the inspector that was open and leaves it open.
  debuggerClient.close();
  const inspectorPort = Number(/127\.0\.0\.1:(\d+)\//.exec(url)[1]);
  await waitFor(() => !tcpSockets(server.child.pid).some((s) => !s.listening && s.port === inspectorPort), 'the debugger to disconnect');
  const m = memprofAsync(['attach', '--lines', '-f', 'handler', '--format', 'json', String(server.child.pid)]);
  await waitFor(() => /attached to pid/.test(m.stderr) || m.child.exitCode !== null, 'memprof to attach');
  assert.match(m.stderr, new RegExp(`inspector on 127\\.0\\.0\\.1:${inspectorPort}\\)`), m.stderr);
  await get(server.port, '/');
  m.child.kill('SIGINT');
  assert.equal(await m.exited, 0, m.stderr);
  assert.equal(JSON.parse(m.stdout).functions[0].calls, 1, 'the request was counted');
  assert.ok(tcpSockets(server.child.pid).some((s) => s.listening && s.port === inspectorPort), 'the inspector that was open stays open');
});

test('attach --lines refuses a process of another user (memprof run as nobody against ours), and leaves it alone', { skip: process.getuid?.() !== 0 ? 'needs root to run memprof as another user' : false }, async (t) => {
  const server = await startServer();
  t.after(() => server.child.kill());
  const r = spawnSync(process.execPath, [CLI, 'attach', '--lines', '-f', 'handler', String(server.child.pid)], { uid: 65534, gid: 65534, encoding: 'utf8', timeout: 60000 });
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, new RegExp(`^memprof: pid ${server.child.pid} belongs to another user`));
  assert.equal((await get(server.port, '/')).body, '10000', 'the server still runs');
  assert.ok(!server.stderr().includes('Debugger listening'), 'its inspector was not opened');
});

test('attach --lines usage errors: no -f, -f without --lines (exit 2)', () => {
  let r = memprof(['attach', '--lines', String(process.pid)]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--lines needs at least one -f/);
  r = memprof(['attach', '-f', 'x', String(process.pid)]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /-f selects functions for --lines/);
});
