'use strict';
// memprof attach --lines: what probing the handler of a running server costs it. A plain
// loopback HTTP server (127.0.0.1, port 0) answers a bounded load from this process:
// requests/s plain, with `memprof attach --lines --fast -f handler` attached, and after
// detach. Rounds interleaved, medians kept (the machine is shared); ratios to plain.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const CLI = path.join(__dirname, '..', 'bin', 'memprof.js');
const ROUNDS = Number(process.env.BENCH_ROUNDS || 3);
const REQUESTS = Number(process.env.BENCH_REQUESTS || 4000);
const CONCURRENCY = 8;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const SERVER = `
const http = require('node:http');
function handler(req, res) {
  const rows = [];
  for (let i = 0; i < 20; i++) rows.push({ id: i, name: 'row ' + i });
  const body = JSON.stringify(rows);
  res.setHeader('content-type', 'application/json');
  res.end(body);
}
const server = http.createServer(handler);
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
`;

function startServer(file) {
  const child = spawn(process.execPath, [file], { stdio: ['ignore', 'pipe', 'ignore'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (c) => {
      out += c;
      const m = /^(\d+)\n/.exec(out);
      if (m) resolve({ child, port: Number(m[1]) });
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
}

/** REQUESTS requests over CONCURRENCY keep-alive connections; requests per second. */
async function load(port) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  let sent = 0;
  const one = () =>
    new Promise((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
          res.resume();
          res.on('end', resolve);
        })
        .on('error', reject);
    });
  const worker = async () => {
    while (sent < REQUESTS) {
      sent++;
      await one();
    }
  };
  const t = process.hrtime.bigint();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const seconds = Number(process.hrtime.bigint() - t) / 1e9;
  agent.destroy();
  return REQUESTS / seconds;
}

function attach(pid) {
  const child = spawn(process.execPath, [CLI, 'attach', '--lines', '--fast', '-f', 'handler', String(pid)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let stdout = '';
  child.stderr.on('data', (c) => (stderr += c));
  child.stdout.on('data', (c) => (stdout += c));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const attached = new Promise((resolve, reject) => {
    const check = setInterval(() => {
      if (/attached to pid/.test(stderr)) resolve();
      else if (child.exitCode !== null) reject(new Error(`memprof attach failed: ${stderr}`));
      else return;
      clearInterval(check);
    }, 20);
  });
  return {
    attached,
    async detach() {
      child.kill('SIGINT');
      const code = await exited;
      if (code !== 0) throw new Error(`memprof attach exited ${code}: ${stderr}`);
      return stdout;
    },
  };
}

function portInUse(port) {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

async function main() {
  if (await portInUse(9229)) {
    console.log('attach: not measured: port 9229 is in use (a plain node opens its inspector there on SIGUSR1)');
    return;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memprof-bench-attach-'));
  const file = path.join(dir, 'server.js');
  fs.writeFileSync(file, SERVER);
  const server = await startServer(file);
  try {
    await load(server.port); // warm up the JIT
    const rates = { plain: [], attached: [], detached: [] };
    let calls = 0;
    for (let round = 0; round < ROUNDS; round++) {
      rates.plain.push(await load(server.port));
      const session = attach(server.child.pid);
      await session.attached;
      rates.attached.push(await load(server.port));
      const table = await session.detach();
      const header = /^\s*\d+\s+[\d.]+ MiB\s+-?[\d.]+ MiB\s+[\d.]+ MiB\s+(\d+)\s+function handler/m.exec(table);
      calls = header ? Number(header[1]) : -1;
      if (calls !== REQUESTS) throw new Error(`the attached profile counted ${calls} calls of handler, expected ${REQUESTS}:\n${table}`);
      rates.detached.push(await load(server.port));
    }
    const plain = median(rates.plain);
    const row = (name, r) => `${name.padEnd(34)}${median(r).toFixed(0).padStart(8)} req/s   x${(median(r) / plain).toFixed(2)}`;
    console.log(`loopback HTTP server, ${REQUESTS} requests over ${CONCURRENCY} keep-alive connections, median of ${ROUNDS} interleaved rounds`);
    console.log(row('plain', rates.plain));
    console.log(row('attached --lines --fast -f handler', rates.attached));
    console.log(row('after detach', rates.detached));
    console.log(`(the attached table counted ${calls} calls of handler each round, one per request)`);
  } finally {
    server.child.kill();
  }
}

main().catch((err) => {
  console.error(err.message);
  process.exitCode = 1;
});
