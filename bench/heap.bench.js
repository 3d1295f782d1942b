'use strict';
// Heap-snapshot analysis in bounded memory, measured side by side in this run:
//  1. a generated snapshot (HEAP_BENCH_MIB, default 64 MiB) parsed streaming and analysed
//     (retainers, dominators and retained sizes, shortest paths): time and peak RSS of the
//     analysing process, against the file's size;
//  2. the same file read the usual way (readFileSync + JSON.parse, what DevTools-like tools
//     do), its time and peak RSS, while it fits in memory (files under 256 MiB).
// The 1 GiB run: HEAP_BENCH_MIB=1024 npm run bench heap (figures in docs/leaks.md).
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { generateSnapshot } = require('./heap-snapshot-generator');

const MiB = 1048576;
const size = Number(process.env.HEAP_BENCH_MIB || 64) * MiB;

const STREAMING = `
const { readSnapshotFile } = require(${JSON.stringify(path.join(__dirname, '..', 'dist', 'heap', 'snapshot.js'))});
const g = require(${JSON.stringify(path.join(__dirname, '..', 'dist', 'heap', 'graph.js'))});
(async () => {
  const t0 = performance.now();
  const s = await readSnapshotFile(process.argv[1]);
  const t1 = performance.now();
  let r = g.buildRetainers(s);
  const d = g.computeDominators(s, r);
  r = null; // paths need the retainers only for naming, after the tree is built
  const parent = g.shortestPathTree(s);
  const t2 = performance.now();
  console.log(JSON.stringify({ parseMs: t1 - t0, analyseMs: t2 - t1, maxRss: process.resourceUsage().maxRSS * 1024, nodes: s.nodeCount, edges: s.edgeCount, rootRetained: d.retainedSize[0], reached: parent.filter((p) => p !== 0xffffffff).length }));
})();`;
const WHOLE = `
const t0 = performance.now();
const j = JSON.parse(require('fs').readFileSync(process.argv[1], 'utf8'));
console.log(JSON.stringify({ parseMs: performance.now() - t0, maxRss: process.resourceUsage().maxRSS * 1024, nodes: j.snapshot.node_count }));`;

function run(script, file) {
  const r = spawnSync(process.execPath, ['--max-old-space-size=4096', '-e', script, file], { encoding: 'utf8' });
  if (r.status !== 0) return { error: (r.stderr || '').split('\n').find((l) => /Error|heap/.test(l)) || `exit ${r.status}` };
  return JSON.parse(r.stdout);
}

const file = path.join(os.tmpdir(), `memprof-bench-${crypto.randomBytes(8).toString('hex')}.heapsnapshot`);
const fd = fs.openSync(file, 'wx', 0o600);
try {
  const t = performance.now();
  const { nodeCount, edgeCount } = generateSnapshot(fd, size);
  fs.closeSync(fd);
  const bytes = fs.statSync(file).size;
  console.log(`generated ${(bytes / MiB).toFixed(0)} MiB snapshot (${nodeCount} nodes, ${edgeCount} edges) in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  const s = run(STREAMING, file);
  if (s.error) throw new Error(`streaming analysis failed: ${s.error}`);
  console.log(`1. streaming parse ${(s.parseMs / 1000).toFixed(1)} s + analysis ${(s.analyseMs / 1000).toFixed(1)} s; peak RSS ${(s.maxRss / MiB).toFixed(0)} MiB = ${(s.maxRss / bytes).toFixed(2)}x the file`);
  if (s.reached !== nodeCount) throw new Error(`only ${s.reached} of ${nodeCount} nodes reached from the root`);
  if (bytes < 256 * MiB) {
    const w = run(WHOLE, file);
    if (w.error) console.log(`2. readFileSync + JSON.parse: failed (${w.error})`);
    else console.log(`2. readFileSync + JSON.parse ${(w.parseMs / 1000).toFixed(1)} s (parse only); peak RSS ${(w.maxRss / MiB).toFixed(0)} MiB = ${(w.maxRss / bytes).toFixed(2)}x the file; streaming/whole peak RSS ${(s.maxRss / w.maxRss).toFixed(2)}`);
  } else {
    console.log('2. readFileSync + JSON.parse: skipped above 256 MiB (a string over 512 MiB cannot even be made)');
  }
} finally {
  fs.rmSync(file, { force: true });
}
