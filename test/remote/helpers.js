'use strict';
// Shared by the attach tests: a plain server process and HTTP requests to it.
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const net = require('node:net');
const path = require('node:path');

const SERVER = path.join(__dirname, 'fixtures', 'server.js');
const CLI = path.join(__dirname, '..', '..', 'bin', 'memprof.js');

/** Starts `memprof ...args`; stdout and stderr gather in the returned object, `exited` resolves to the exit code. */
function memprofAsync(args) {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const out = { stdout: '', stderr: '', child };
  child.stdout.on('data', (c) => (out.stdout += c));
  child.stderr.on('data', (c) => (out.stderr += c));
  out.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  return out;
}

/** Runs `memprof ...args` to its end. */
function memprof(args, options = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 60000, ...options });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

async function waitFor(predicate, what, timeoutMs = 30000) {
  const started = Date.now();
  while (!(await predicate())) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A debugger's connection to a server started with --inspect=127.0.0.1:0: { client, url }. */
async function connectDebugger(server) {
  await waitFor(() => /ws:\/\/127\.0\.0\.1:\d+\//.test(server.stderr()), 'the inspector URL');
  const url = /(ws:\/\/127\.0\.0\.1:\d+\/[\w-]+)/.exec(server.stderr())[1];
  const WebSocket = require('ws');
  const client = new WebSocket(url);
  await new Promise((resolve, reject) => client.once('open', resolve).once('error', reject));
  return { client, url };
}

/** `node server.js` as anyone would start it (or another fixture); resolves once it printed its port. */
function startServer(nodeArgs = [], file = SERVER) {
  const child = spawn(process.execPath, [...nodeArgs, file], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c) => (stderr += c));
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (c) => {
      out += c;
      const m = /^(\d+)\n/.exec(out);
      if (m) resolve({ child, port: Number(m[1]), stderr: () => stderr });
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${stderr}`)));
  });
}

function get(port, urlPath) {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: urlPath, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.on('error', reject);
  });
}

/** Whether something accepts connections on 127.0.0.1:<port>. */
function portInUse(port) {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

const DEFAULT_INSPECTOR_PORT = 9229;
const PORT_LOCK = path.join(os.tmpdir(), 'memprof-test-inspector-9229.lock');

function lockHolderAlive() {
  try {
    process.kill(Number(fs.readFileSync(PORT_LOCK, 'utf8')), 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

/**
 * For a test whose target opens its inspector on SIGUSR1 at Node's default port: takes the
 * port from the other such tests (test files may run in parallel), until the test ends.
 * Resolves to false when something else on the machine holds 9229 (the test skips, saying so).
 */
async function holdInspectorPort(t) {
  for (;;) {
    try {
      fs.writeFileSync(PORT_LOCK, String(process.pid), { flag: 'wx', mode: 0o600 });
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      if (!lockHolderAlive()) fs.rmSync(PORT_LOCK, { force: true });
      else await new Promise((r) => setTimeout(r, 50));
    }
  }
  // Released after the test's own after-hooks (its server killed): the port is free again then.
  t.after(async () => {
    await waitFor(async () => !(await portInUse(DEFAULT_INSPECTOR_PORT)), 'the inspector port to be free', 10000).catch(() => undefined);
    fs.rmSync(PORT_LOCK, { force: true });
  });
  return !(await portInUse(DEFAULT_INSPECTOR_PORT));
}

const PORT_BUSY = 'port 9229 is in use on this machine by another program: a plain node opens its inspector there on SIGUSR1';

module.exports = { startServer, get, portInUse, memprof, memprofAsync, waitFor, connectDebugger, holdInspectorPort, PORT_BUSY, CLI };
