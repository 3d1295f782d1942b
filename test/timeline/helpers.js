'use strict';
// Shared by the timeline tests: run the CLI, make temp dirs, find python's mprof.
const { spawnSync, spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const CLI = path.join(__dirname, '..', '..', 'bin', 'memprof.js');

function tempDir() {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'memprof-timeline-'));
}

/** Runs `memprof ...args` to completion in `cwd`. */
function memprof(args, options = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 60000, ...options });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** Starts `memprof ...args` without waiting. */
function memprofAsync(args, options = {}) {
  return spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], ...options });
}

function hasCommand(name) {
  return spawnSync('sh', ['-c', `command -v ${name}`]).status === 0;
}

const MPROF = hasCommand('python3-mprof') ? 'python3-mprof' : null;
const MPROF_SKIP = MPROF ? false : 'python3-mprof is not installed (apt-get install python3-memory-profiler)';

function hasMatplotlib() {
  return spawnSync('/usr/bin/python3', ['-c', 'import matplotlib']).status === 0;
}

function lines(file, keyword) {
  return fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.startsWith(`${keyword} `));
}

function waitFor(predicate, timeoutMs = 20000) {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const tick = () => {
      if (predicate()) return resolve();
      if (Date.now() - started > timeoutMs) return reject(new Error('timed out waiting'));
      setTimeout(tick, 20);
    };
    tick();
  });
}

module.exports = { CLI, tempDir, memprof, memprofAsync, MPROF, MPROF_SKIP, hasMatplotlib, lines, waitFor };
