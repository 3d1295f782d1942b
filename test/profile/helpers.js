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

/**
 * The rows of a text table for one function, read by its header's columns:
 * { line: { mem, inc, peak, occ, source, heap?, ext?, other? } } (MiB). Works for
 * memory_profiler's layout and for the split's (Heap, External) or any --columns choice.
 */
function parseTable(text, name) {
  const tables = text.split(/^Filename: /m).slice(1);
  const table = name ? tables.find((t) => new RegExp(`\\b${name}\\b`).test(t.split('\n').slice(4, 5).join(''))) : tables[0];
  if (!table) throw new Error(`no table for ${name} in:\n${text}`);
  const lines = table.split('\n');
  const header = lines[2];
  const keys = { 'Mem usage': 'mem', Increment: 'inc', Heap: 'heap', External: 'ext', Other: 'other', Peak: 'peak' };
  const figures = Object.keys(keys)
    .filter((title) => header.includes(title))
    .sort((x, y) => header.indexOf(x) - header.indexOf(y))
    .map((title) => keys[title]);
  const hasOcc = header.includes('Occurrences');
  const sourceAt = header.indexOf('Line Contents');
  const pattern = new RegExp(`^\\s*(\\d+)${'\\s+(-?[\\d.]+) MiB'.repeat(figures.length)}${hasOcc ? '\\s+(\\d+)' : ''}\\s\\s(.*)$`);
  const rows = {};
  for (const line of lines.slice(4)) {
    const m = pattern.exec(line);
    if (m) {
      const row = { source: line.slice(sourceAt) };
      figures.forEach((key, i) => (row[key] = +m[2 + i]));
      if (hasOcc) row.occ = +m[2 + figures.length];
      rows[m[1]] = row;
    } else if (/^\s*\d+\s*/.test(line)) rows[line.trim().split(/\s+/)[0]] = { occ: 0, source: line.slice(sourceAt) };
  }
  return rows;
}

/** Forces a full GC (tests run without --expose-gc). */
function gc() {
  require('node:v8').setFlagsFromString('--expose-gc');
  require('node:vm').runInNewContext('gc')();
}

module.exports = { memprof, memprofUntil, parseTable, gc, FIXTURES, BIN, MiB };
