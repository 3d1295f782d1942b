'use strict';
// Shared by the faults tests: a temporary directory that goes with its test, whether a
// process is alive, and waiting for a condition (never for a fixed time).
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const CLI = path.join(__dirname, '..', '..', 'bin', 'memprof.js');

/** A new directory under the system's temp folder, removed when test `t` ends. */
function tempDir(t, prefix) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `memprof-${prefix}-`));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Resolves once `predicate()` is true; rejects naming `what` after `timeoutMs`. */
function waitFor(predicate, what, timeoutMs = 20000) {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const tick = () => {
      if (predicate()) return resolve();
      if (Date.now() - started > timeoutMs) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(tick, 10);
    };
    tick();
  });
}

module.exports = { CLI, tempDir, alive, waitFor };
