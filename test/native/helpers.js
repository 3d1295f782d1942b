'use strict';
// Shared by the native tests: child processes that hold a known amount of memory, and gc().
const { spawn } = require('node:child_process');
const v8 = require('node:v8');
const vm = require('node:vm');

const MiB = 1024 ** 2;

// A node child that allocates and touches `mib` MiB, prints "ready", and lives until its
// stdin closes (or it is killed). `grandchildMib` makes it spawn a grandchild hog too.
const HOG = `
const mib = Number(process.argv[1]);
const grandchildMib = Number(process.argv[2]);
const hold = Buffer.alloc(mib * 1024 * 1024, 1);
let grandchild = null;
function ready(extra) { process.stdout.write('ready ' + (extra || '') + '\\n'); }
if (grandchildMib > 0) {
  const { spawn } = require('node:child_process');
  grandchild = spawn(process.execPath, ['-e', process.argv[3], String(grandchildMib), '0', ''], { stdio: ['pipe', 'pipe', 'inherit'] });
  grandchild.stdout.once('data', () => ready(String(grandchild.pid)));
} else {
  ready();
}
process.stdin.on('data', () => {});
process.stdin.on('end', () => { if (grandchild) grandchild.kill(); process.exit(0); });
setInterval(() => hold[0]++, 1000);
`;

/** Spawns a hog; resolves to { child, pid, grandchildPid?, stop() } once it holds its memory. */
function spawnHog(mib, grandchildMib = 0) {
  const child = spawn(process.execPath, ['-e', HOG, String(mib), String(grandchildMib), HOG], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`hog exited early with code ${code}`)));
    child.stdout.once('data', (data) => {
      const grandchildPid = Number(String(data).trim().split(' ')[1]) || undefined;
      resolve({
        child,
        pid: child.pid,
        grandchildPid,
        async stop() {
          child.stdin.end();
          await exited;
        },
      });
    });
  });
}

/** The gc() function, without needing --expose-gc on the test runner's command line. */
function gcFunction() {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc');
}

/** Polls `condition` every 10 ms until it is true or `timeoutMs` passes; returns its last value. */
async function waitFor(condition, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = condition();
    if (value || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Blocks this thread for `ms` without spinning (the sampler thread keeps running). */
function blockFor(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Sampler threads (named "memprof-sampler") running in this process (Linux). */
function samplerThreads() {
  const fs = require('node:fs');
  let count = 0;
  for (const tid of fs.readdirSync('/proc/self/task')) {
    try {
      if (fs.readFileSync(`/proc/self/task/${tid}/comm`, 'latin1').trim() === 'memprof-sampler') count++;
    } catch {
      // the thread ended meanwhile
    }
  }
  return count;
}

/** A pid that is not running: a child that has exited and been reaped. */
async function deadPid() {
  const child = spawn(process.execPath, ['-e', '0']);
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid;
}

module.exports = { MiB, spawnHog, gcFunction, waitFor, blockFor, samplerThreads, deadPid };
