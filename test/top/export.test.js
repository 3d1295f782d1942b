'use strict';
// memprof top's report for other tools: pprof (read by go tool pprof) and speedscope JSON,
// chosen by -o's extension or --format, from the profile top keeps (memprof's frames removed).
const assert = require('node:assert');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const zlib = require('node:zlib');
const { test } = require('node:test');
const { spawnSync } = require('node:child_process');
const { Profile } = require('pprof-format');
const { top } = require('./helpers');

const GO = spawnSync('sh', ['-c', 'command -v go']).status === 0;
const GO_SKIP = GO ? false : 'go is not installed (apt-get install golang-go): go tool pprof reads the export';
const OWN_DIRS = ['dist', 'bin', 'node_modules'].map((d) => path.join(__dirname, '..', '..', d) + path.sep);

const tempDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'memprof-top-export-'));

function decode(file) {
  const p = Profile.decode(zlib.gunzipSync(fs.readFileSync(file)));
  const str = (i) => p.stringTable.strings[Number(i)];
  return { p, str };
}

/** Self bytes of sample type `index` by leaf function name, heaviest first. */
function leaves({ p, str }, index) {
  const bytes = new Map();
  for (const s of p.sample) {
    const leaf = p.location.find((l) => l.id === s.locationId[0]);
    const fn = p.function.find((f) => f.id === leaf.line[0].functionId);
    bytes.set(str(fn.name), (bytes.get(str(fn.name)) ?? 0) + Number(s.value[index]));
  }
  return [...bytes].sort((a, b) => b[1] - a[1]);
}

test('memprof top -o x.pb.gz: pprof with alloc types (one run cannot tell in-use), hot first with its line, no memprof frame', () => {
  const dir = tempDir();
  const file = path.join(dir, 'top.pb.gz');
  const r = top(['-o', file, 'hot-spot-sync.js']);
  assert.strictEqual(r.code, 3, `the program's exit code: ${r.stderr}`);
  assert.match(r.stdout, /^done 520000$/m, 'the program ran and printed as usual');
  assert.match(r.stderr, /report written to .*top\.pb\.gz/, r.stderr);
  const profile = decode(file);
  const { p, str } = profile;
  assert.deepStrictEqual(p.sampleType.map((t) => `${str(t.type)}/${str(t.unit)}`), ['alloc_objects/count', 'alloc_space/bytes']);
  const [first] = leaves(profile, 1);
  assert.strictEqual(first[0], 'hot', `the heaviest allocating leaf: ${JSON.stringify(leaves(profile, 1).slice(0, 4))}`);
  const hot = p.function.find((f) => str(f.name) === 'hot');
  assert.strictEqual(Number(hot.startLine), 4, 'hot() starts at line 4 of allocators.js');
  assert.ok(str(hot.filename).endsWith('allocators.js'), `its file: ${str(hot.filename)}`);
  const own = p.function.map((f) => str(f.filename)).filter((f) => OWN_DIRS.some((d) => f.startsWith(d)));
  assert.deepStrictEqual(own, [], 'memprof\'s own frames (launcher, probes) are not in the export');
});

test('memprof top --second-pass --format pprof: in-use figures from the second run beside the first run\'s allocations', () => {
  const dir = tempDir();
  const file = path.join(dir, 'heap.out');
  const r = top(['--second-pass', '--format', 'pprof', '-o', file, 'hot-spot-sync.js']);
  assert.strictEqual(r.code, 3, r.stderr);
  const profile = decode(file);
  const { p, str } = profile;
  assert.deepStrictEqual(p.sampleType.map((t) => str(t.type)), ['alloc_objects', 'alloc_space', 'inuse_objects', 'inuse_space']);
  assert.strictEqual(leaves(profile, 1)[0][0], 'hot', 'hot allocated most');
  const allocated = leaves(profile, 1).reduce((s, [, b]) => s + b, 0);
  const inUse = leaves(profile, 3).reduce((s, [, b]) => s + b, 0);
  assert.ok(inUse < allocated / 10, `the program keeps little of what it allocates: in use ${inUse} of ${allocated} bytes`);
});

test('go tool pprof -top reads memprof top\'s export and lists hot first', { skip: GO_SKIP, timeout: 180000 }, () => {
  const dir = tempDir();
  const file = path.join(dir, 'top.pb.gz');
  assert.strictEqual(top(['-o', file, 'hot-spot-sync.js']).code, 3);
  const r = spawnSync('go', ['tool', 'pprof', '-top', file], {
    encoding: 'utf8',
    timeout: 120000,
    env: { ...process.env, HOME: dir, GOFLAGS: '-mod=mod', GOTOOLCHAIN: 'local', PPROF_TMPDIR: dir },
  });
  assert.strictEqual(r.status, 0, `go tool pprof failed: ${r.stderr}`);
  assert.match(r.stdout, /^Type: alloc_space$/m, `the default type is alloc_space: ${r.stdout}`);
  const rows = r.stdout.split('\n').filter((l) => /^\s*[\d.]+\w*B?\s+[\d.]+%/.test(l));
  assert.ok(rows.length > 0, `pprof printed a table: ${r.stdout}`);
  assert.match(rows[0], /\shot$/, `the first row is hot: ${rows[0]}`);
});

test('memprof top -o x.speedscope.json: speedscope\'s schema shape, hot the heaviest leaf with file and line', () => {
  const dir = tempDir();
  const file = path.join(dir, 'top.speedscope.json');
  const r = top(['-o', file, 'hot-spot-sync.js']);
  assert.strictEqual(r.code, 3, r.stderr);
  const doc = JSON.parse(fs.readFileSync(file, 'utf8'));
  assert.strictEqual(doc.$schema, 'https://www.speedscope.app/file-format-schema.json');
  assert.ok(Array.isArray(doc.shared.frames) && doc.shared.frames.every((f) => typeof f.name === 'string'), 'shared frames with names');
  assert.strictEqual(doc.profiles.length, 1, 'one run: an allocated profile only (in use is not known)');
  const [allocated] = doc.profiles;
  assert.strictEqual(allocated.type, 'sampled');
  assert.strictEqual(allocated.unit, 'bytes');
  assert.strictEqual(allocated.samples.length, allocated.weights.length, 'one weight per sample');
  assert.strictEqual(allocated.endValue, allocated.weights.reduce((a, b) => a + b, 0), 'endValue is the total weight');
  assert.ok(allocated.samples.every((s) => s.every((i) => Number.isInteger(i) && i >= 0 && i < doc.shared.frames.length)), 'every sample indexes the shared frames');
  const byLeaf = new Map();
  allocated.samples.forEach((stack, i) => {
    const name = doc.shared.frames[stack[stack.length - 1]].name;
    byLeaf.set(name, (byLeaf.get(name) ?? 0) + allocated.weights[i]);
  });
  const [first] = [...byLeaf].sort((a, b) => b[1] - a[1]);
  assert.strictEqual(first[0], 'hot', `the heaviest leaf: ${JSON.stringify([...byLeaf].slice(0, 4))}`);
  const frame = doc.shared.frames.find((f) => f.name === 'hot');
  assert.strictEqual(frame.line, 4, 'with its line');
  assert.ok(frame.file.endsWith('allocators.js'), `and file: ${frame.file}`);
});

test('--format pprof needs a file (exit 2, one line, the program does not run)', () => {
  for (const args of [['--format', 'pprof', 'server.js'], ['--format', 'pprof', '-o', '-', 'server.js']]) {
    const r = top(args);
    assert.strictEqual(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /^memprof: --format pprof writes a binary file: name it with -o/);
    assert.strictEqual(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
    assert.strictEqual(r.stdout, '', 'the program did not run');
  }
});
