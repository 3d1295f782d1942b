'use strict';
// Runs the memprof CLI in a scratch directory and returns its status and output.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const BIN = path.join(__dirname, '..', '..', 'bin', 'memprof.js');

const scratchDirs = [];
process.on('exit', () => {
  for (const dir of scratchDirs) fs.rmSync(dir, { recursive: true, force: true });
});

function scratch() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memprof-check-test-'));
  scratchDirs.push(dir);
  return dir;
}

function memprof(args, { cwd, env } = {}) {
  const clean = { ...process.env };
  delete clean.GITHUB_ACTIONS;
  delete clean.GITHUB_STEP_SUMMARY;
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, env: { ...clean, ...env }, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function writeJson(dir, name, data) {
  const file = path.join(dir, name);
  fs.writeFileSync(file, typeof data === 'string' ? data : JSON.stringify(data, null, 2));
  return file;
}

/** A node command that touches `mib` MiB of native memory. */
function allocating(mib) {
  return [process.execPath, '-e', `Buffer.alloc(${mib} * 1048576, 1)`];
}

/** A node command whose V8 heap holds about 8 * `millions` MiB of doubles at once. */
function heapAllocating(millions) {
  return [process.execPath, '-e', `globalThis.kept = new Array(${millions} * 1e6).fill(1.5)`];
}

module.exports = { memprof, scratch, writeJson, allocating, heapAllocating };
