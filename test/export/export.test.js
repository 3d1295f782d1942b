'use strict';
// The exporters other tools read: pprof (go tool pprof), speedscope and Chrome trace events.
const test = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const zlib = require('node:zlib');
const { Profile } = require('pprof-format');
const { heapProfileToPprof } = require('../../dist/export/pprof.js');
const { heapProfileToSpeedscope } = require('../../dist/export/speedscope.js');
const { sampleObjects } = require('../../dist/export/heap-profile.js');
const { takeHeapProfile, ALLOCATOR, ALLOCATOR_LINE } = require('./heap-profile.js');
const { tempDir, memprof } = require('../timeline/helpers.js');

const GO = spawnSync('sh', ['-c', 'command -v go']).status === 0;
const GO_SKIP = GO ? false : 'go is not installed (apt-get install golang-go): go tool pprof reads the export';

let profilePromise;
const heapProfile = () => (profilePromise ??= takeHeapProfile());

test('pprof export: gzipped profile.proto with alloc/inuse types; the top in-use function is the allocator, with its line', async () => {
  const data = heapProfileToPprof(await heapProfile(), { samplingInterval: 1024 });
  assert.deepEqual([...data.subarray(0, 2)], [0x1f, 0x8b], 'gzip magic at the start');
  const p = Profile.decode(zlib.gunzipSync(data));
  const str = (i) => p.stringTable.strings[Number(i)];
  assert.deepEqual(p.sampleType.map((t) => `${str(t.type)}/${str(t.unit)}`), ['alloc_objects/count', 'alloc_space/bytes', 'inuse_objects/count', 'inuse_space/bytes']);
  const selfBytes = new Map();
  for (const s of p.sample) {
    const leaf = p.location.find((l) => l.id === s.locationId[0]);
    const fn = p.function.find((f) => f.id === leaf.line[0].functionId);
    const key = `${str(fn.name)}:${leaf.line[0].line}`;
    selfBytes.set(key, (selfBytes.get(key) ?? 0) + Number(s.value[3]));
  }
  const [top] = [...selfBytes].sort((a, b) => b[1] - a[1]);
  assert.equal(top[0], `${ALLOCATOR}:${ALLOCATOR_LINE}`, `the heaviest in-use leaf: ${JSON.stringify([...selfBytes].slice(0, 5))}`);
  assert.ok(top[1] > 1e6, `it holds megabytes in use: ${top[1]}`);
});

test('pprof export: go tool pprof -top reads it and lists the allocator first', { skip: GO_SKIP }, async () => {
  const dir = tempDir();
  const file = path.join(dir, 'heap.pb.gz');
  fs.writeFileSync(file, heapProfileToPprof(await heapProfile(), { samplingInterval: 1024 }));
  const r = spawnSync('go', ['tool', 'pprof', '-top', '-sample_index=inuse_space', file], {
    encoding: 'utf8',
    timeout: 120000,
    env: { ...process.env, HOME: dir, GOFLAGS: '-mod=mod', GOTOOLCHAIN: 'local', PPROF_TMPDIR: dir },
  });
  assert.equal(r.status, 0, `go tool pprof failed: ${r.stderr}`);
  const rows = r.stdout.split('\n').filter((l) => /^\s*[\d.]+\w*B?\s+[\d.]+%/.test(l));
  assert.ok(rows.length > 0, `pprof printed a table: ${r.stdout}`);
  assert.ok(rows[0].includes(ALLOCATOR), `the first row is ${ALLOCATOR}: ${rows[0]}`);
});

test('pprof export: alloc_space totals the bytes of V8\'s tree (its samples arrive already scaled) and alloc_objects counts objects, not samples', async () => {
  const profile = await heapProfile();
  let treeBytes = 0;
  const walk = (node) => {
    treeBytes += node.selfSize;
    node.children.forEach(walk);
  };
  walk(profile.head);
  const p = Profile.decode(zlib.gunzipSync(heapProfileToPprof(profile, { samplingInterval: 1024 })));
  const objects = p.sample.reduce((sum, s) => sum + Number(s.value[0]), 0);
  const bytes = p.sample.reduce((sum, s) => sum + Number(s.value[1]), 0);
  assert.ok(Math.abs(bytes - treeBytes) < treeBytes * 0.02, `alloc_space (V8 rounds counts per sample here, per size in its tree) ${bytes} against the tree's selfSize total ${treeBytes}`);
  // allocateManyStrings makes small objects and strings of a few hundred bytes at most.
  assert.ok(bytes / objects < 512, `average object size ${(bytes / objects).toFixed(0)} B (${objects} objects for ${bytes} B)`);
  assert.ok(objects > p.sample.length * 2, `${objects} objects from ${p.sample.length} samples of 1 KiB intervals`);
});

test('sampleObjects: the count V8 scaled a sample by, from size x count (the smallest object size when several fit)', () => {
  const v8Count = (size, interval) => Math.floor(1 / (1 - Math.exp(-size / interval)) + 0.5); // V8's ScaleSample
  // Products that only one size (or this smallest one) makes.
  for (const [size, interval] of [[16, 1024], [8, 65536], [32, 65536], [4096, 65536], [70000, 65536], [1 << 20, 32768]]) {
    assert.equal(sampleObjects(size * v8Count(size, interval), interval), v8Count(size, interval), `objects of ${size} B at interval ${interval}`);
  }
  for (let size = 8; size < 200000; size += 8) {
    const product = size * v8Count(size, 65536);
    const count = sampleObjects(product, 65536);
    assert.ok(count >= v8Count(size, 65536) && product % count === 0 && v8Count(product / count, 65536) === count, `${product} B read as ${count} objects of ${product / count} B, which V8 scales to that count (true: ${size} B)`);
  }
});

test('speedscope export of a heap profile: bytes-weighted samples whose heaviest leaf is the allocator', async () => {
  const doc = JSON.parse(heapProfileToSpeedscope(await heapProfile(), 'test', { samplingInterval: 1024 }));
  assert.equal(doc.$schema, 'https://www.speedscope.app/file-format-schema.json');
  const [allocated, inUse] = doc.profiles;
  assert.equal(allocated.unit, 'bytes');
  assert.equal(inUse.type, 'sampled');
  assert.equal(allocated.samples.length, allocated.weights.length, 'one weight per sample');
  assert.equal(allocated.endValue, allocated.weights.reduce((a, b) => a + b, 0), 'endValue is the total weight');
  const byLeaf = new Map();
  allocated.samples.forEach((stack, i) => {
    const frame = doc.shared.frames[stack[stack.length - 1]];
    byLeaf.set(frame.name, (byLeaf.get(frame.name) ?? 0) + allocated.weights[i]);
  });
  const [top] = [...byLeaf].sort((a, b) => b[1] - a[1]);
  assert.equal(top[0], ALLOCATOR, `the heaviest leaf: ${JSON.stringify([...byLeaf].slice(0, 5))}`);
  const frame = doc.shared.frames.find((f) => f.name === ALLOCATOR);
  assert.equal(frame.line, ALLOCATOR_LINE, 'the frame carries its line');
  assert.ok(frame.file.endsWith('heap-profile.js'), `and its file: ${frame.file}`);
});

const SCRIPT = `
const build = profile(function build(n) {
  const parts = [];
  for (let i = 0; i < n; i++) parts.push(Buffer.alloc(10e6, 1));
  return parts;
});
const outer = profile(function outer() { return build(3).length + build(2).length; });
console.log('result', outer());
`;

let recordingPromise;
function recording() {
  if (!recordingPromise) {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'work.js'), SCRIPT);
    const r = memprof(['run', '-T', '0.001', '-o', path.join(dir, 'p.dat'), path.join(dir, 'work.js')]);
    assert.equal(r.code, 0, r.stderr);
    recordingPromise = { dir, dat: path.join(dir, 'p.dat') };
  }
  return recordingPromise;
}

test('memprof plot --format trace: memory counters and the profiled calls as nested complete events', () => {
  const { dir, dat } = recording();
  const out = path.join(dir, 'p.trace.json');
  const r = memprof(['plot', '--format', 'trace', '-o', out, dat]);
  assert.equal(r.code, 0, r.stderr);
  const { traceEvents } = JSON.parse(fs.readFileSync(out, 'utf8'));
  const counters = traceEvents.filter((e) => e.ph === 'C');
  assert.ok(counters.length > 2, `memory counters over time: ${counters.length}`);
  assert.ok(counters.every((e) => typeof e.args.RSS === 'number' && e.ts >= 0), 'each counter has an RSS value and a time');
  const calls = traceEvents.filter((e) => e.ph === 'X');
  const outer = calls.filter((e) => e.name === 'work.outer');
  const builds = calls.filter((e) => e.name === 'work.build');
  assert.equal(outer.length, 1, JSON.stringify(calls));
  assert.equal(builds.length, 2, 'two build calls');
  for (const b of builds) {
    assert.equal(b.tid, outer[0].tid, 'nested calls share the track');
    assert.ok(outer[0].ts <= b.ts && b.ts + b.dur <= outer[0].ts + outer[0].dur, 'build lies inside outer');
  }
  assert.ok(builds[0].args['MiB at exit'] - builds[0].args['MiB at entry'] > 20, `the first build keeps 30 MB: ${JSON.stringify(builds[0].args)}`);
});

test('memprof plot -o x.speedscope.json: the format comes from the name; calls open and close in order', () => {
  const { dir, dat } = recording();
  const out = path.join(dir, 'calls.speedscope.json');
  const r = memprof(['plot', '-o', out, dat]);
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(fs.readFileSync(out, 'utf8'));
  assert.equal(doc.profiles[0].type, 'evented');
  const names = doc.profiles[0].events.map((e) => `${e.type}${doc.shared.frames[e.frame].name}`);
  assert.deepEqual(names, ['Owork.outer', 'Owork.build', 'Cwork.build', 'Owork.build', 'Cwork.build', 'Cwork.outer']);
  const times = doc.profiles[0].events.map((e) => e.at);
  assert.deepEqual(times, [...times].sort((a, b) => a - b), 'events in time order');
});

test('memprof plot --format with an unknown name says what it takes (exit 2)', () => {
  const { dat } = recording();
  const r = memprof(['plot', '--format', 'pdf', dat]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /unknown --format pdf: expected trace or speedscope/);
  assert.equal(r.stderr.trim().split('\n').length, 1, 'one line');
});
