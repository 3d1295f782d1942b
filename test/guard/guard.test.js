'use strict';
// memprof run --guard: a Buffer-driven OOM leaves a report (the stack where memory ran out,
// the heap profile, the timeline), with a given size and in a real cgroup with a low limit.
const test = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const zlib = require('node:zlib');
const { Profile } = require('pprof-format');
const { tempDir, memprof, CLI } = require('../timeline/helpers.js');

const GROW = path.join(__dirname, 'fixtures', 'grow.js');
const MiB = 1024 * 1024;

test('--guard <size>: a Buffer-driven growth in a synchronous loop leaves a report at the limit; the program runs on unchanged', () => {
  const dir = tempDir();
  const dat = path.join(dir, 'g.dat');
  const r = memprof(['run', '-E', '--guard', '160MiB', '-o', dat, GROW, '30'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'held 30\n', 'the program printed what it prints');
  assert.doesNotMatch(r.stderr, /Waiting for the debugger/, 'no inspector session left open at exit');
  const report = fs.readFileSync(path.join(dir, 'g.guard.txt'), 'utf8');
  const rss = Number(/^RSS\s+([\d.]+) MiB/m.exec(report)[1]);
  assert.ok(rss >= 160, `the report was written at the limit: RSS ${rss} MiB`);
  assert.match(report, new RegExp(`fillBuffers \\(${GROW.replace(/[.\\/]/g, '\\$&')}:7\\)`), `the stack names the allocating line:\n${report}`);
  assert.match(report, /outside the JS heap \(Buffers[^)]*\): \d+\.\d MiB/, 'it says the memory is outside the JS heap');
  const outside = Number(/outside the JS heap[^:]*: ([\d.]+) MiB/.exec(report)[1]);
  assert.ok(outside > 100, `most of it outside the JS heap: ${outside} MiB`);
  assert.match(report, new RegExp(`timeline\\s+${dat.replace(/[.\\/]/g, '\\$&')}`));
  const profile = JSON.parse(fs.readFileSync(path.join(dir, 'g.guard.heapprofile'), 'utf8'));
  assert.ok(profile.head && Array.isArray(profile.head.children), 'the heap profile is V8 SamplingHeapProfile JSON');
  const pprof = Profile.decode(zlib.gunzipSync(fs.readFileSync(path.join(dir, 'g.guard.pb.gz'))));
  assert.ok(pprof.sample.length > 0, 'the pprof export has samples');
  assert.ok(!fs.existsSync(path.join(dir, 'g.guard.heapsnapshot')), 'no snapshot unless asked');
  assert.match(r.stderr, /the OOM guard wrote g\.guard\.txt/);
});

test('--guard-snapshot: a heap snapshot too, when there is room', () => {
  const dir = tempDir();
  const r = memprof(['run', '--guard', '120MiB', '--guard-snapshot', '-o', path.join(dir, 's.dat'), GROW, '20'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  const snapshot = JSON.parse(fs.readFileSync(path.join(dir, 's.guard.heapsnapshot'), 'utf8'));
  assert.ok(snapshot.snapshot && snapshot.nodes.length > 0, 'a heap snapshot DevTools can read');
  assert.equal(fs.statSync(path.join(dir, 's.guard.heapsnapshot')).mode & 0o777, 0o600, 'written exclusive, 0600');
});

test('--guard usage: bad size, --guard-snapshot alone, a program that is not a script (exit 2, one line)', () => {
  for (const [args, message] of [
    [['run', '--guard', 'lots', GROW], /invalid --guard size "lots"/],
    [['run', '--guard-snapshot', GROW], /--guard-snapshot goes with --guard/],
    [['run', '--guard', '1GiB', 'true'], /--guard runs its watcher inside a Node program/],
  ]) {
    const r = memprof(args, { cwd: tempDir() });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, message);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
});

/** A child cgroup with a low memory limit, v2 or v1, or why there cannot be one here. */
function makeCgroup(limitBytes) {
  if (process.platform !== 'linux') return { skip: 'cgroups are Linux only' };
  if (process.getuid() !== 0) return { skip: 'creating a cgroup needs root' };
  const name = `memprof-guard-test-${process.pid}`;
  const v2 = '/sys/fs/cgroup';
  try {
    if (fs.readFileSync(path.join(v2, 'cgroup.subtree_control'), 'utf8').includes('memory')) {
      const dir = path.join(v2, name);
      fs.mkdirSync(dir);
      fs.writeFileSync(path.join(dir, 'memory.max'), String(limitBytes));
      try {
        fs.writeFileSync(path.join(dir, 'memory.swap.max'), '0');
      } catch {
        // No swap accounting: fine.
      }
      return { dir };
    }
  } catch {
    // Not cgroup v2 with the memory controller here: try v1.
  }
  const v1 = '/sys/fs/cgroup/memory';
  try {
    const dir = path.join(v1, name);
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'memory.limit_in_bytes'), String(limitBytes));
    try {
      fs.writeFileSync(path.join(dir, 'memory.memsw.limit_in_bytes'), String(limitBytes));
    } catch {
      // No swap accounting: fine.
    }
    return { dir };
  } catch (err) {
    return { skip: `cannot create a memory cgroup here (${err.code ?? err.message})` };
  }
}

test('--guard auto in a real cgroup with a low memory limit: the report is written before the kernel kills the program', (t) => {
  const cg = makeCgroup(256 * MiB);
  if (cg.skip) return t.skip(cg.skip);
  t.after(() => {
    try {
      fs.rmdirSync(cg.dir);
    } catch {
      // Still busy: the kernel removes nothing under us; leave it.
    }
  });
  const dir = tempDir();
  // memprof and the program both run in the cgroup; the program wants 1 GiB, far over it.
  const r = spawnSync('sh', ['-c', `echo $$ > ${cg.dir}/cgroup.procs && exec "${process.execPath}" "${CLI}" run -o a.dat --guard auto "${GROW}" 128`], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 120000,
  });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /the program exited with signal SIGKILL/, `the kernel killed the program: ${r.stderr}`);
  const report = fs.readFileSync(path.join(dir, 'a.guard.txt'), 'utf8');
  assert.match(report, /limit [\d.]+ MiB \(256\.0 MiB limit of \/sys\/fs\/cgroup\/\S+ minus 32\.0 MiB\)/, `auto took the cgroup's limit:\n${report}`);
  assert.match(report, /fillBuffers \(.*grow\.js:7\)/, 'the stack names the allocating line');
  assert.ok(fs.statSync(path.join(dir, 'a.dat')).size > 0, 'the timeline so far is there');
});
