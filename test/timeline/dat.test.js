'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { parseDat, malformedWarning, readDat, memRecord, childRecord, funcRecord, cmdlineRecord, commandLine, peakOf } = require('../../dist/timeline/dat.js');
const { UsageError } = require('../../dist/errors.js');
const { tempDir, memprof } = require('./helpers.js');

const MiB = 1024 * 1024;

test('records are written in mprof format and read back', () => {
  const text =
    cmdlineRecord("node 'my script.js'") +
    memRecord(10.5 * MiB, 1700000000123.4) +
    childRecord(4242, 3 * MiB, 1700000000125) +
    memRecord(12 * MiB, 1700000000223.4) +
    funcRecord('script.work', 10.5 * MiB, 1700000000123.4, 12 * MiB, 1700000000223.4, 0);
  assert.match(text, /^MEM 10\.500000 1700000000\.1234$/m);
  assert.match(text, /^CHLD 4242 3\.000000 1700000000\.1250$/m);
  assert.match(text, /^FUNC script\.work 10\.5000 1700000000\.1234 12\.0000 1700000000\.2234 0$/m);
  const rec = parseDat(text, 'x.dat');
  assert.equal(rec.cmdline, "node 'my script.js'");
  assert.deepEqual(rec.mem.mib, [10.5, 12]);
  assert.deepEqual(rec.mem.times, [1700000000.1234, 1700000000.2234]);
  assert.deepEqual([...rec.children.keys()], ['4242']);
  assert.deepEqual(rec.funcs, [{ name: 'script.work', memStart: 10.5, start: 1700000000.1234, memEnd: 12, end: 1700000000.2234, depth: 0 }]);
  assert.deepEqual(peakOf(rec.mem), { mib: 12, time: 1700000000.2234 });
});

test('commandLine quotes arguments with blanks as mprof does', () => {
  assert.equal(commandLine(['node', 'a b.js', '-x']), "node 'a b.js' -x");
});

test('a FUNC record without the depth field (old mprof) reads as depth 0', () => {
  const rec = parseDat('FUNC m.f 1.0 2.0 3.0 4.0\n', 'old.dat');
  assert.equal(rec.funcs[0].depth, 0);
  assert.equal(rec.funcs[0].memEnd, 3);
});

test('a malformed line is skipped and listed with its line number and what was expected', () => {
  const cases = [
    ['MEM 1.0 2.0\nMEM abc 2.0\n', 2, /MiB as a number/],
    ['CMDLINE x\nMEM 1.0\n', 2, /MEM <MiB> <epoch seconds>/],
    ['MEM 1 2\n\nGARBAGE here\n', 3, /CMDLINE, MEM, CHLD or FUNC/],
    ['CHLD 12 1.0\n', 1, /CHLD <pid>/],
    ['CHLD abc 1.0 2.0\n', 1, /child pid as a whole number/],
    ['MEM -3.0 1700000000.0\n', 1, /MiB as a number of at least 0/],
    ['MEM 3.0 -1700000000.0\n', 1, /epoch seconds as a number of at least 0/],
    ['FUNC f 1 2 3\n', 1, /FUNC <name>/],
    ['FUNC f 1 2 3 4 x\n', 1, /depth as a number/],
    // A last line cut by a kill: "MEM 49.5 17959293" would plot at -1.78e9 s.
    ['MEM 49.5 1795929300.0000\nMEM 49.5 17959293', 2, /last line is cut/],
  ];
  for (const [text, line, message] of cases) {
    const rec = parseDat(text, 'rec.dat');
    assert.equal(rec.malformed.length, 1, `one malformed line in ${JSON.stringify(text)}`);
    assert.equal(rec.malformed[0].line, line, text);
    assert.match(rec.malformed[0].why, message);
    assert.match(malformedWarning(rec), new RegExp(`^warning: rec\\.dat:${line}: skipped `));
  }
  assert.equal(malformedWarning(parseDat('MEM 1 2\n', 'ok.dat')), null, 'no warning for a clean file');
  assert.match(malformedWarning(parseDat('MEM 1 2\nMEM 2 3\nMEM 3 4', 'cut.dat')), /^warning: cut\.dat:3: skipped "MEM 3 4": the last line is cut/);
});

test('plot and peak skip malformed lines with one warning naming file:line; a file with no valid sample is an error (exit 1)', () => {
  const dir = tempDir();
  const file = path.join(dir, 'bad.dat');
  // Three damaged lines, the last one cut mid-record: one warning, the good samples kept.
  fs.writeFileSync(file, 'CMDLINE x\nMEM 1.0 1700000000.0\nMEM 1.0 17000x0000.1\nCHLD abc 1.0 1700000000.1\nMEM 7.5 1700000000.2\nMEM 49.5 17959');
  let r = memprof(['peak', file]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `${file}\t7.500 MiB\n`, 'the peak of the valid samples');
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, new RegExp(`^memprof: warning: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3: skipped .*epoch seconds.* \\(and 2 more malformed lines\\)\n$`));
  r = memprof(['plot', file, '-o', path.join(dir, 'p.svg')]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /^memprof: warning: .*bad\.dat:3: skipped/);
  assert.ok(fs.existsSync(path.join(dir, 'p.svg')), 'plotted from the valid samples');

  const none = path.join(dir, 'none.dat');
  fs.writeFileSync(none, 'CMDLINE x\nMEM abc 1700000000.0\nnot a record\n');
  for (const sub of [['peak', none], ['plot', none, '-o', path.join(dir, 'q.svg')]]) {
    r = memprof(sub);
    assert.equal(r.code, 1, r.stderr);
    assert.deepEqual(r.stderr.trim().split('\n').map((l) => l.replace(/:.*/, '')), ['memprof', 'memprof'], r.stderr);
    assert.match(r.stderr, /none\.dat has no valid MEM samples \(is this an mprof \.dat file\?\)\n$/);
  }
  assert.ok(!fs.existsSync(path.join(dir, 'q.svg')), 'no plot written from a file without samples');
});

test('a missing file is a usage error', () => {
  assert.throws(() => readDat('/nonexistent/x.dat'), /cannot read \/nonexistent\/x\.dat: no such file/);
});
