'use strict';
const { spawnSync, spawn } = require('node:child_process');
const path = require('node:path');

const BIN = path.join(__dirname, '..', '..', 'bin', 'memprof.js');
const FIXTURES = path.join(__dirname, 'fixtures');

/** Runs `memprof top ...args` to completion in the fixtures folder. */
function top(args, options = {}) {
  const r = spawnSync(process.execPath, [BIN, 'top', ...args], { cwd: FIXTURES, encoding: 'utf8', timeout: 120000, ...options });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** Starts `memprof top ...args`; `until(stream, pattern)` resolves once the pattern has appeared. */
function startTop(args) {
  const child = spawn(process.execPath, [BIN, 'top', ...args], { cwd: FIXTURES });
  const out = { stdout: '', stderr: '' };
  const waiters = [];
  for (const stream of ['stdout', 'stderr']) {
    child[stream].on('data', (d) => {
      out[stream] += d;
      for (const w of waiters) if (w.stream === stream && w.pattern.test(out[stream])) w.resolve();
    });
  }
  const done = new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, ...out })));
  const until = (stream, pattern) =>
    new Promise((resolve, reject) => {
      if (pattern.test(out[stream])) return resolve();
      waiters.push({ stream, pattern, resolve });
      done.then(() => reject(new Error(`memprof top ended before ${pattern} appeared on ${stream}: ${JSON.stringify(out)}`)));
    });
  return { child, until, done, out };
}

/** The summary rows: [{ allocated, share, retained, name, where }] in order. */
function summaryRows(text) {
  const rows = [];
  const body = text.split(/^=+$/m)[1] ?? '';
  for (const line of body.split('\n').slice(1)) {
    if (line.trim() === '') break;
    const [allocated, share, retained, name, ...where] = line.trim().split(/\s{2,}/);
    rows.push({ allocated, share: Number.parseFloat(share), retained, name, where: where.join('  ') });
  }
  return rows;
}

module.exports = { top, startTop, summaryRows, BIN, FIXTURES };
