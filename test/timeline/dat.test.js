'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { parseDat, readDat, memRecord, childRecord, funcRecord, cmdlineRecord, commandLine, peakOf } = require('../../dist/timeline/dat.js');
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

test('a corrupt line is an error naming the file and the line number', () => {
  const cases = [
    ['MEM 1.0 2.0\nMEM abc 2.0\n', 2, /MiB as a number/],
    ['CMDLINE x\nMEM 1.0\n', 2, /MEM <MiB> <epoch seconds>/],
    ['MEM 1 2\n\nGARBAGE here\n', 3, /CMDLINE, MEM, CHLD or FUNC/],
    ['CHLD 12 1.0\n', 1, /CHLD <pid>/],
    ['FUNC f 1 2 3\n', 1, /FUNC <name>/],
    ['FUNC f 1 2 3 4 x\n', 1, /depth as a number/],
  ];
  for (const [text, line, message] of cases) {
    assert.throws(() => parseDat(text, 'rec.dat'), (err) => {
      assert.ok(err instanceof UsageError, 'a UsageError: the CLI prints one line and exits 2');
      assert.ok(err.message.startsWith(`rec.dat:${line}: `), err.message);
      assert.match(err.message, message);
      return true;
    });
  }
});

test('the CLI reports a corrupt file in one line with file:line and exit code 2', () => {
  const dir = tempDir();
  const file = path.join(dir, 'bad.dat');
  fs.writeFileSync(file, 'CMDLINE x\nMEM 1.0 1700000000.0\nMEM 1.0 17000x0000.1\n');
  for (const sub of [['peak', file], ['plot', file, '-o', path.join(dir, 'p.svg')]]) {
    const r = memprof(sub);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`^memprof: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3: expected epoch seconds as a number`));
  }
  assert.ok(!fs.existsSync(path.join(dir, 'p.svg')), 'no plot written from a corrupt file');
});

test('a missing file is a usage error', () => {
  assert.throws(() => readDat('/nonexistent/x.dat'), /cannot read \/nonexistent\/x\.dat: no such file/);
});
