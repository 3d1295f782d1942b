'use strict';
// What attaching costs a running server. Two identical plain loopback HTTP servers
// (127.0.0.1, port 0) answer a bounded load from this process: the *target*, which memprof
// attaches to, and a *control* nothing touches. Each round starts both fresh and takes the
// target through five states: plain, `memprof attach --lines --fast -f handler` attached,
// after that detach, `memprof attach --top` attached, after that detach (the two modes swap
// order every round). In each state the two servers are measured in alternating slices
// (control, target, target, control, ...), so that whatever else the machine runs weighs on
// both alike; the target's figure is relative to the control's, and each state is then
// relative to the same round's plain state. Printed: the median of the rounds, [min-max].
//   - requests per second;
//   - the server's CPU time per request (all its threads, /proc/<pid>/task/*/schedstat, ns),
//     which other load changes far less than time.
// On Linux with two CPUs or more, both servers are pinned to CPU 0 and this process (the
// load generator, and memprof's own processes) to CPU 1, so that they do not fight.
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { median } = require('../dist/util/statistics.js');

const CLI = path.join(__dirname, '..', 'bin', 'memprof.js');
const ROUNDS = Number(process.env.BENCH_ROUNDS || 5);
// Requests to each server per figure, in SLICES alternating slices.
const REQUESTS = Number(process.env.BENCH_REQUESTS || 4000);
const SLICES = 8;
// Two keep-alive connections keep a one-threaded server busy without the client hogging its own core.
const CONNECTIONS = 2;
// V8 tiers a fresh server's code up over its first ~20,000 requests (83 -> 26 µs of CPU a
// request measured here): each fresh server first answers WARMUP requests. LiveEdit sends
// the probed code back through tiering: before each figure the servers run chunks of
// requests until their CPU time per request settles.
const WARMUP = 24000;
const SETTLE_CHUNK = 2000;
const SETTLE_WITHIN = 0.05;
const SETTLE_MAX_CHUNKS = 25;
const DEFAULT_INSPECTOR_PORT = 9229;

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
server.keepAliveTimeout = 5000;
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
`;

const LINUX = process.platform === 'linux';
const PIN = LINUX && os.availableParallelism() >= 2 && spawnSync('taskset', ['-V']).status === 0;
// On Linux memprof finds the port a target's inspector opened from /proc: the servers take
// any free port (--inspect-port=0, an option of node's only) rather than 9229, which other
// programs on a shared machine may hold. Elsewhere memprof assumes 9229.
const NODE_ARGS = LINUX ? ['--inspect-port=0'] : [];

function startServer(file) {
  const node = [process.execPath, ...NODE_ARGS, file];
  const [command, args] = PIN ? ['taskset', ['-c', '0', ...node]] : [node[0], node.slice(1)];
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'ignore'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (c) => {
      out += c;
      const m = /^(\d+)\n/.exec(out);
      if (m) resolve({ child, port: Number(m[1]), inspectorOpen: () => inspectorOpen(child.pid, Number(m[1])), agent: new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS }) });
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
}

/** Whether `pid` listens anywhere but on its HTTP port (its inspector); null where that cannot be seen. */
function inspectorOpen(pid, httpPort) {
  if (!LINUX) return portInUse(DEFAULT_INSPECTOR_PORT);
  const { tcpSockets } = require('../dist/remote/target-process.js');
  return (tcpSockets(pid) ?? []).some((s) => s.listening && s.port !== httpPort);
}

function stopServer(server) {
  server.agent.destroy();
  server.child.kill();
}

/** CPU time of every thread of `pid` so far, in ns (Linux), or null. */
function cpuNs(pid) {
  try {
    let total = 0;
    for (const task of fs.readdirSync(`/proc/${pid}/task`)) {
      try {
        total += Number(fs.readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
      } catch {
        // A thread that ended while we looked.
      }
    }
    return total;
  } catch {
    return null;
  }
}

/** `count` requests over CONNECTIONS keep-alive connections: seconds taken and the server's CPU ns. */
async function run(server, count) {
  let sent = 0;
  const one = () =>
    new Promise((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port: server.port, path: '/', agent: server.agent }, (res) => {
          res.resume();
          res.on('end', resolve);
        })
        .on('error', reject);
    });
  const worker = async () => {
    while (sent < count) {
      sent++;
      await one();
    }
  };
  const cpu0 = cpuNs(server.child.pid);
  const t = process.hrtime.bigint();
  await Promise.all(Array.from({ length: CONNECTIONS }, worker));
  const seconds = Number(process.hrtime.bigint() - t) / 1e9;
  const cpu1 = cpuNs(server.child.pid);
  return { seconds, cpuNs: cpu0 === null || cpu1 === null ? null : cpu1 - cpu0 };
}

/** Runs chunks of requests until two in a row cost the server the same CPU per request; returns the requests run. */
async function settle(server) {
  let previous = null;
  for (let chunk = 1; chunk <= SETTLE_MAX_CHUNKS; chunk++) {
    const { cpuNs: cpu } = await run(server, SETTLE_CHUNK);
    if (cpu === null) return chunk * SETTLE_CHUNK; // no CPU figure here: one chunk as a warm-up
    if (previous !== null && Math.abs(cpu / previous - 1) < SETTLE_WITHIN) return chunk * SETTLE_CHUNK;
    previous = cpu;
  }
  return SETTLE_MAX_CHUNKS * SETTLE_CHUNK;
}

/**
 * The target against the control, in alternating slices (control first, then target first,
 * ...): the median over slice pairs of target/control (requests per second; CPU per
 * request), so that a slice that met a garbage collection or a compile burst does not
 * decide the figure; plus the target's own figures.
 */
async function measurePair(control, target) {
  const slice = Math.ceil(REQUESTS / SLICES);
  const pairs = [];
  for (let i = 0; i < SLICES; i++) {
    const pair = {};
    for (const [name, server] of i % 2 === 0 ? [['control', control], ['target', target]] : [['target', target], ['control', control]]) {
      pair[name] = await run(server, slice);
    }
    pairs.push(pair);
  }
  const hasCpu = pairs.every((p) => p.target.cpuNs !== null && p.control.cpuNs !== null);
  const requests = slice * SLICES;
  const total = (name, key) => pairs.reduce((sum, p) => sum + p[name][key], 0);
  return {
    rate: median(pairs.map((p) => p.control.seconds / p.target.seconds)),
    cpu: hasCpu ? median(pairs.map((p) => p.target.cpuNs / p.control.cpuNs)) : null,
    targetRate: requests / total('target', 'seconds'),
    targetCpuUs: hasCpu ? total('target', 'cpuNs') / requests / 1000 : null,
    controlCpuUs: hasCpu ? total('control', 'cpuNs') / requests / 1000 : null,
    requests,
  };
}

function attach(server, mode) {
  const child = spawn(process.execPath, [CLI, 'attach', ...mode, String(server.child.pid)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let stdout = '';
  child.stderr.on('data', (c) => (stderr += c));
  child.stdout.on('data', (c) => (stdout += c));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const attached = new Promise((resolve, reject) => {
    const check = setInterval(() => {
      if (/attached to pid/.test(stderr)) resolve();
      else if (child.exitCode !== null) reject(new Error(`memprof attach ${mode.join(' ')} failed: ${stderr}`));
      else return;
      clearInterval(check);
    }, 20);
  });
  return {
    attached,
    async detach() {
      child.kill('SIGINT');
      const code = await exited;
      if (code !== 0) throw new Error(`memprof attach ${mode.join(' ')} exited ${code}: ${stderr}`);
      // Detach closes the inspector a moment after memprof's connection: measure once it is gone.
      await waitFor(async () => !(await server.inspectorOpen()));
      return stdout;
    },
  };
}

async function waitFor(predicate) {
  const deadline = Date.now() + 10000;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error('the target kept its inspector open after detach');
    await new Promise((r) => setTimeout(r, 20));
  }
}

function portInUse(port) {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

const MODES = {
  lines: {
    label: 'attached --lines --fast -f handler',
    args: ['--lines', '--fast', '-f', 'handler'],
    /** Every request the target answered while attached is one call of handler. */
    check(out, requests) {
      const header = /^\s*\d+\s+[\d.]+ MiB\s+-?[\d.]+ MiB.*?\s(\d+)\s+function handler/m.exec(out);
      const calls = header ? Number(header[1]) : -1;
      if (calls !== requests) throw new Error(`the attached profile counted ${calls} calls of handler, expected ${requests}:\n${out}`);
    },
  },
  top: {
    label: 'attached --top',
    args: ['--top'],
    check(out) {
      const first = /^=+\n\s*\S+ \S+\s+\S+\s+\S+\s+(\S+)/m.exec(out);
      if (first?.[1] !== 'handler') throw new Error(`attach --top did not put handler first:\n${out}`);
    },
  },
};
const STATES = ['plain', 'lines', 'after lines', 'top', 'after top'];


async function oneRound(file, order, settled) {
  const control = await startServer(file);
  const target = await startServer(file);
  try {
    /** Settles both servers; returns the requests the target ran. */
    const settleBoth = async () => {
      await settle(control);
      const requests = await settle(target);
      settled.push(requests);
      return requests;
    };
    await run(control, WARMUP);
    await run(target, WARMUP);
    await settleBoth();
    const figures = { plain: await measurePair(control, target) };
    for (const mode of order) {
      const session = attach(target, MODES[mode].args);
      await session.attached;
      const settling = await settleBoth();
      figures[mode] = await measurePair(control, target);
      // The target answered its settling chunks and the measured slices while attached.
      MODES[mode].check(await session.detach(), settling + figures[mode].requests);
      await settleBoth();
      figures[`after ${mode}`] = await measurePair(control, target);
    }
    return figures;
  } finally {
    stopServer(control);
    stopServer(target);
  }
}

async function main() {
  if (!LINUX && (await portInUse(DEFAULT_INSPECTOR_PORT))) {
    console.log('attach: not measured: port 9229 is in use (a plain node opens its inspector there on SIGUSR1)');
    return;
  }
  if (PIN) spawnSync('taskset', ['-a', '-cp', '1', String(process.pid)], { stdio: 'ignore' });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memprof-bench-attach-'));
  const file = path.join(dir, 'server.js');
  fs.writeFileSync(file, SERVER);
  const rounds = [];
  const settled = [];
  const loadBefore = os.loadavg()[0].toFixed(1);
  try {
    for (let round = 0; round < ROUNDS; round++) rounds.push(await oneRound(file, round % 2 === 0 ? ['lines', 'top'] : ['top', 'lines'], settled));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  if (process.env.BENCH_VERBOSE) {
    rounds.forEach((r, i) => console.log(`round ${i + 1}: ${STATES.map((st) => `${st} target ${r[st].targetCpuUs?.toFixed(1)} control ${r[st].controlCpuUs?.toFixed(1)} µs`).join('; ')}`));
  }
  const spread = (values) => `x${median(values).toFixed(2)} [${Math.min(...values).toFixed(2)}-${Math.max(...values).toFixed(2)}]`;
  const hasCpu = rounds.every((r) => STATES.every((s) => r[s].cpu !== null));
  console.log(
    `two loopback HTTP servers (target, control), fresh each round; ${rounds[0].plain.requests} requests to each per figure in ${SLICES} alternating slices, ` +
      `${CONNECTIONS} keep-alive connections; ${ROUNDS} rounds${PIN ? '; servers pinned to CPU 0, load generator and memprof to CPU 1' : ''}; ` +
      `load average ${loadBefore} before, ${os.loadavg()[0].toFixed(1)} after`,
  );
  console.log("target relative to control, then to the same round's plain state: median [min-max] of the rounds");
  console.log(`${''.padEnd(36)}${'req/s'.padStart(8)}  ${'ratio'.padEnd(20)}${hasCpu ? `${'CPU/request'.padStart(11)}  ratio` : ''}`);
  for (const state of STATES) {
    const label = state === 'plain' ? 'plain' : MODES[state] ? MODES[state].label : `after detach (${state.slice('after '.length)})`;
    const rate = spread(rounds.map((r) => r[state].rate / r.plain.rate));
    const cpu = hasCpu ? `${`${median(rounds.map((r) => r[state].targetCpuUs)).toFixed(1)} µs`.padStart(11)}  ${spread(rounds.map((r) => r[state].cpu / r.plain.cpu))}` : '';
    console.log(`${label.padEnd(36)}${median(rounds.map((r) => r[state].targetRate)).toFixed(0).padStart(8)}  ${rate.padEnd(20)}${cpu}`);
  }
  console.log(
    `(before each figure both servers ran chunks of ${SETTLE_CHUNK} requests until their CPU per request settled within ${SETTLE_WITHIN * 100}%: ` +
      `the target ${median(settled)} requests, median; each round checked that --lines counted every request it answered attached as a call of handler and that --top named handler first)`,
  );
}

main().catch((err) => {
  console.error(err.message);
  process.exitCode = 1;
});
