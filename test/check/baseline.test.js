'use strict';
// --baseline <file> --update-baseline records; --baseline <file> [--tolerance] compares.
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');
const { memprof, scratch, writeJson } = require('./helpers');

const MiB = 1048576;

function budgets(dir, mib) {
  writeJson(dir, 'memprof.budget.json', {
    defaults: { maxPeak: '1GiB' },
    budgets: {
      work: { command: [process.execPath, '-e', `Buffer.alloc(${mib} * 1048576, 1)`] },
      idle: { command: [process.execPath, '-e', '0'] },
    },
  });
}

test('record, pass within tolerance, fail beyond it with how much; stable', () => {
  const dir = scratch();
  budgets(dir, 100);
  const record = memprof(['check', '--baseline', 'base.json', '--update-baseline'], { cwd: dir });
  assert.strictEqual(record.status, 0, record.stderr);
  assert.match(record.stdout, /baseline written to base\.json/);
  const base = JSON.parse(fs.readFileSync(path.join(dir, 'base.json'), 'utf8'));
  assert.strictEqual(base.tool, 'memprof');
  assert.ok(base.budgets.work.peakRss > 100 * MiB && base.budgets.work.peakRss < 300 * MiB, JSON.stringify(base));
  assert.ok(Number.isInteger(base.budgets.work.peakHeap), `peakHeap ${base.budgets.work.peakHeap} is a whole number of bytes`);
  assert.strictEqual(base.budgets.work.peakExternal, undefined, 'no external figure where no budget limits it');
  assert.ok(base.budgets.idle.peakRss < base.budgets.work.peakRss - 80 * MiB, `idle peak ${base.budgets.idle.peakRss / MiB} MiB vs work peak ${base.budgets.work.peakRss / MiB} MiB: the 100 MiB buffer shows`);

  for (let i = 0; i < 3; i++) {
    const same = memprof(['check', '--baseline', 'base.json'], { cwd: dir });
    assert.strictEqual(same.status, 0, same.stdout);
    assert.match(same.stdout, /vs baseline/);
  }

  budgets(dir, 200); // 100 MiB more than recorded
  for (let i = 0; i < 3; i++) {
    const worse = memprof(['check', '--baseline', 'base.json'], { cwd: dir });
    assert.strictEqual(worse.status, 1, worse.stdout);
    assert.match(
      worse.stdout,
      /FAIL work: peak RSS \d+\.\d MiB is \d+\.\d MiB \(\+\d+\.\d%\) above the baseline \d+\.\d MiB, more than the tolerance of 5%/,
    );
    assert.doesNotMatch(worse.stdout, /FAIL idle/);
  }
  // A tolerance as a size or a percentage that covers the growth passes.
  assert.strictEqual(memprof(['check', '--baseline', 'base.json', '--tolerance', '150MiB'], { cwd: dir }).status, 0);
  assert.strictEqual(memprof(['check', '--baseline', 'base.json', '--tolerance', '150%'], { cwd: dir }).status, 0);
  const tight = memprof(['check', '--baseline', 'base.json', '--tolerance', '50MiB'], { cwd: dir });
  assert.strictEqual(tight.status, 1);
  assert.match(tight.stdout, /more than the tolerance of 50\.0 MiB/);

  // Re-recording accepts the new figures; the file is replaced whole.
  assert.strictEqual(memprof(['check', '--baseline', 'base.json', '--update-baseline'], { cwd: dir }).status, 0);
  assert.strictEqual(memprof(['check', '--baseline', 'base.json'], { cwd: dir }).status, 0);
  assert.deepStrictEqual(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp')), []);
});

test('the tolerance of the budget file applies; budgets missing from the baseline are not compared', () => {
  const dir = scratch();
  writeJson(dir, 'base.json', { tool: 'memprof', format: 1, budgets: { work: { peakRss: 60 * MiB } } });
  writeJson(dir, 'memprof.budget.json', {
    defaults: { tolerance: '400MiB' },
    budgets: {
      work: { command: [process.execPath, '-e', 'Buffer.alloc(100 * 1048576, 1)'] },
      fresh: { command: [process.execPath, '-e', '0'] },
    },
  });
  const r = memprof(['check', '--baseline', 'base.json'], { cwd: dir });
  assert.strictEqual(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stderr, /base\.json has no entry for fresh: not compared/);
  const strict = memprof(['check', '--baseline', 'base.json', '--tolerance', '1%'], { cwd: dir });
  assert.strictEqual(strict.status, 1, 'the command line overrides the file');
});

test('a malformed baseline names the file and the field, exit 2', () => {
  const dir = scratch();
  writeJson(dir, 'memprof.budget.json', { budgets: { a: { command: 'true', maxPeak: '1GiB' } } });
  const cases = [
    ['not json', /base\.json: not valid JSON/],
    [{ budgets: {} }, /base\.json: tool: not a memprof baseline/],
    [{ tool: 'memprof', format: 9, budgets: {} }, /base\.json: format: expected 1, found 9/],
    [{ tool: 'memprof', format: 1, budgets: { a: { peakRss: '1MiB' } } }, /base\.json: budgets\.a\.peakRss: expected a number of bytes/],
  ];
  for (const [content, message] of cases) {
    writeJson(dir, 'base.json', content);
    const r = memprof(['check', '--baseline', 'base.json'], { cwd: dir });
    assert.strictEqual(r.status, 2, r.stderr);
    assert.match(r.stderr, message);
  }
});

test('a baseline that cannot be written is refused before any budget runs, exit 2', () => {
  const dir = scratch();
  const marker = path.join(dir, 'ran');
  writeJson(dir, 'memprof.budget.json', {
    budgets: { touch: { command: [process.execPath, '-e', `require('fs').writeFileSync(${JSON.stringify(marker)}, '')`], maxPeak: '1GiB' } },
  });
  fs.mkdirSync(path.join(dir, 'adir'));
  const file = path.join('no', 'base.json');
  const r = memprof(['check', '--baseline', file, '--update-baseline'], { cwd: dir });
  assert.strictEqual(r.status, 2, r.stderr);
  assert.strictEqual(r.stderr, `memprof: cannot write baseline ${file}: no such directory\n`);
  assert.ok(!fs.existsSync(marker), 'no budget ran');
  const read = memprof(['check', '--baseline', 'adir'], { cwd: dir });
  assert.strictEqual(read.status, 2);
  assert.strictEqual(read.stderr, 'memprof: cannot read baseline adir: it is a directory\n');
});

test('a budget with maxExternal records its external peak in the baseline and compares it', () => {
  const dir = scratch();
  const write = (mib) =>
    writeJson(dir, 'memprof.budget.json', {
      budgets: { buffers: { command: [process.execPath, '-e', `Buffer.alloc(${mib} * 1048576, 1)`], maxExternal: '1GiB' } },
    });
  write(100);
  const record = memprof(['check', '--baseline', 'base.json', '--update-baseline'], { cwd: dir });
  assert.strictEqual(record.status, 0, record.stderr);
  const base = JSON.parse(fs.readFileSync(path.join(dir, 'base.json'), 'utf8'));
  const external = base.budgets.buffers.peakExternal;
  assert.ok(external >= 100 * MiB && external < 110 * MiB, `the Buffer in peakExternal: ${JSON.stringify(base)}`);
  write(200);
  const worse = memprof(['check', '--baseline', 'base.json'], { cwd: dir });
  assert.strictEqual(worse.status, 1, worse.stdout);
  assert.match(worse.stdout, /FAIL buffers: external peak \d+\.\d MiB is \d+\.\d MiB \(\+\d+\.\d%\) above the baseline/);
  assert.match(worse.stdout, /external \+\d+\.\d%/);
});
