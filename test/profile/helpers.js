'use strict';
const { spawnSync, spawn } = require('node:child_process');
const path = require('node:path');

const BIN = path.join(__dirname, '..', '..', 'bin', 'memprof.js');
const FIXTURES = path.join(__dirname, 'fixtures');
const MiB = 1024 * 1024;

/** Runs `memprof ...args` to completion. */
function memprof(args, options = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: FIXTURES, encoding: 'utf8', timeout: 60000, ...options });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** Starts `memprof ...args` and resolves with the child once `pattern` appears on `stream`. */
function memprofUntil(args, stream, pattern) {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: FIXTURES });
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (d) => (out.stdout += d));
  child.stderr.on('data', (d) => (out.stderr += d));
  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${pattern}: ${JSON.stringify(out)}`)), 30000);
    child[stream].on('data', () => {
      if (pattern.test(out[stream])) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  const done = new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, ...out })));
  return { child, ready, done, out };
}

/** The rows of a text table for one function: { line: { mem, inc, peak, occ, source } } (MiB). */
function parseTable(text, name) {
  const tables = text.split(/^Filename: /m).slice(1);
  const table = name ? tables.find((t) => new RegExp(`\\b${name}\\b`).test(t.split('\n').slice(4, 5).join(''))) : tables[0];
  if (!table) throw new Error(`no table for ${name} in:\n${text}`);
  const rows = {};
  for (const line of table.split('\n').slice(4)) {
    const m = /^\s*(\d+)\s+(-?[\d.]+) MiB\s+(-?[\d.]+) MiB\s+(-?[\d.]+) MiB\s+(\d+)   (.*)$/.exec(line);
    if (m) rows[m[1]] = { mem: +m[2], inc: +m[3], peak: +m[4], occ: +m[5], source: m[6] };
    else if (/^\s*\d+\s*/.test(line)) rows[line.trim().split(/\s+/)[0]] = { occ: 0, source: line.slice(76) };
  }
  return rows;
}

/** Forces a full GC (tests run without --expose-gc). */
function gc() {
  require('node:v8').setFlagsFromString('--expose-gc');
  require('node:vm').runInNewContext('gc')();
}

module.exports = { memprof, memprofUntil, parseTable, gc, FIXTURES, BIN, MiB };
