'use strict';
// Quick start for memprof's line profiler:
//   npx memprof examples/basic.js        (memprof provides a global profile(), prints at exit)
//   node examples/basic.js               (require('memprof'): a table after each call)
const { profile } = typeof globalThis.profile === 'function' ? globalThis : require('..');
const v8 = require('node:v8');
const vm = require('node:vm');

// A real program frees memory at its next garbage collection; the demo collects at once,
// and waits for V8's background sweeper to hand the pages back, so that each effect
// lands on the line that causes it. The second collection completes the sweep of dead
// Buffers, which is when V8 lowers its external-memory figure.
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');
function collectGarbage() {
  gc();
  gc();
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
}

const MiB = 1024 * 1024;

/** Fills a scratch buffer, reads it, and lets it go: memory rises and falls inside one call. */
function checksum(mib) {
  let scratch = Buffer.alloc(mib * MiB, 7);
  const sum = scratch[0] + scratch[scratch.length - 1];
  scratch = null;
  collectGarbage();
  return sum;
}

function work() {
  const kept = Buffer.alloc(100 * MiB, 1);
  let temp = Buffer.alloc(50 * MiB, 2);
  const first = temp[0];
  temp = null;
  collectGarbage();
  const sum = checksum(200);
  return { kept, first, sum };
}

const result = profile(work)();
console.log(`kept ${result.kept.length / MiB} MiB; checksum ${result.sum}`);
