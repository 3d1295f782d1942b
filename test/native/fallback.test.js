'use strict';
// Where the addon cannot load, require('memprof') still works on the `process` backend,
// says why in one process warning, and an explicit `native` is a usage error saying how to build.
const test = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.join(__dirname, '..', '..');

const PROBE = `
  const memprof = require(process.argv[1]);
  const { UsageError } = require(process.argv[1] + '/dist/errors.js');
  const out = {};
  out.meter = memprof.createMeter().name;
  out.again = memprof.createMeter().name;
  out.read = memprof.createMeter().read();
  out.rss = memprof.rss();
  out.heap = memprof.createMeter('heap').read();
  for (const [key, make] of [['native', () => memprof.createMeter('native')], ['sampler', () => new memprof.Sampler()]]) {
    try { make(); out[key] = 'no error'; } catch (err) { out[key] = { usage: err instanceof UsageError, exitCode: err.exitCode, message: err.message }; }
  }
  console.log(JSON.stringify(out));
`;

function probe(root, env) {
  const result = spawnSync(process.execPath, ['-e', PROBE, root], { encoding: 'utf8', env: { ...process.env, ...env } });
  assert.equal(result.status, 0, result.stderr);
  return { out: JSON.parse(result.stdout), stderr: result.stderr };
}

// `reason` matches the whole explanation; `advice` the rebuild hint, or null where none belongs.
function checkFallback({ out, stderr }, reason, advice) {
  assert.equal(out.meter, 'process');
  assert.equal(out.again, 'process');
  assert.ok(out.read > 10 * 1024 ** 2 && out.rss > 10 * 1024 ** 2 && out.heap > 0, `RSS read ${out.read}, rss() ${out.rss}, heap ${out.heap}`);
  // The library warns once with process.emitWarning (node prints it; --no-warnings silences it).
  const warnings = stderr.split('\n').filter((line) => /Warning:/.test(line));
  assert.equal(warnings.length, 1, `one warning on stderr, got:\n${stderr}`);
  assert.match(warnings[0], /^\(node:\d+\) \[MEMPROF_NO_ADDON\] Warning: the native addon .+; using the "process" backend$/);
  assert.match(warnings[0], reason);
  if (advice) assert.match(warnings[0], advice);
  else assert.doesNotMatch(warnings[0], /rebuild/, 'no rebuild advice where the addon was turned off on purpose');
  for (const key of ['native', 'sampler']) {
    assert.equal(out[key].usage, true, `${key}: ${JSON.stringify(out[key])}`);
    assert.equal(out[key].exitCode, 2);
    assert.match(out[key].message, reason);
    if (advice) assert.match(out[key].message, advice);
    assert.doesNotMatch(out[key].message, /\n/);
  }
}

test('MEMPROF_DISABLE_NATIVE=1: the process backend, one warning, native asked for is a usage error, no rebuild advice', () => {
  checkFallback(probe(ROOT, { MEMPROF_DISABLE_NATIVE: '1' }), /the native addon is disabled \(MEMPROF_DISABLE_NATIVE=1 is set; unset it to use the addon\)/, null);
});

test('an install with no addon at all (no build/, no prebuilds/): the whole reason, with where it looked', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memprof-noaddon-'));
  try {
    fs.cpSync(path.join(ROOT, 'dist'), path.join(dir, 'dist'), { recursive: true });
    fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(dir, 'package.json'));
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
    const reason = new RegExp(`could not be loaded \\(No native build was found for platform=${process.platform} arch=${process.arch} .*; loaded from: ${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\)`);
    checkFallback(probe(dir, { MEMPROF_DISABLE_NATIVE: '' }), reason, /build it with `npm rebuild memprof`/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('with the addon present nothing is printed and native is the default', () => {
  const result = spawnSync(process.execPath, ['-e', 'const m = require(process.argv[1]); console.log(m.createMeter().name)', ROOT], {
    encoding: 'utf8',
    env: { ...process.env, MEMPROF_DISABLE_NATIVE: '' },
  });
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stdout.trim(), 'native');
  assert.equal(result.stderr, '');
});
