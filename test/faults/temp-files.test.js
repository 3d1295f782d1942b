'use strict';
// Temporary files as an attacker sharing the directory sees them: random names, created
// with O_CREAT|O_EXCL|O_NOFOLLOW and mode 0600, then renamed; nothing written through a
// symlink planted under a name memprof is about to use.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { writeFileAtomic, writeExclusiveVia } = require('../../dist/util/write-file.js');

function tempDir() {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'memprof-temp-files-'));
}

test('writeFileAtomic: a symlink planted under the old predictable temporary name redirects nothing', () => {
  const dir = tempDir();
  const victim = path.join(dir, 'victim');
  fs.writeFileSync(victim, 'root-owned content');
  // The former name was .<name>.<pid>.<ms>.tmp: plant one for every millisecond ahead.
  const now = Date.now();
  for (let ms = now - 50; ms < now + 3000; ms++) fs.symlinkSync(victim, path.join(dir, `.out.svg.${process.pid}.${ms}.tmp`));
  writeFileAtomic(path.join(dir, 'out.svg'), 'the plot');
  assert.equal(fs.readFileSync(victim, 'utf8'), 'root-owned content', 'the victim file is untouched');
  assert.equal(fs.readFileSync(path.join(dir, 'out.svg'), 'utf8'), 'the plot');
  assert.ok(!fs.lstatSync(path.join(dir, 'out.svg')).isSymbolicLink(), 'out.svg is a file of its own, not the planted symlink');
});

test('writeFileAtomic opens a random name with O_CREAT|O_EXCL|O_NOFOLLOW, mode 0600, and gives the result its proper mode', () => {
  const dir = tempDir();
  const opened = [];
  const openSync = fs.openSync;
  fs.openSync = (file, flags, mode) => {
    opened.push({ file, flags, mode });
    return openSync(file, flags, mode);
  };
  try {
    writeFileAtomic(path.join(dir, 'a.txt'), 'one');
    writeFileAtomic(path.join(dir, 'a.txt'), 'two');
  } finally {
    fs.openSync = openSync;
  }
  const { O_CREAT, O_EXCL, O_NOFOLLOW } = fs.constants;
  assert.equal(opened.length, 2, JSON.stringify(opened));
  for (const { file, flags, mode } of opened) {
    assert.match(path.basename(file), /^\.a\.txt\.[0-9a-f]{12}\.tmp$/, 'a random name beside the target');
    assert.equal(typeof flags, 'number');
    assert.ok((flags & O_CREAT) && (flags & O_EXCL) && (flags & O_NOFOLLOW), `flags ${flags} include O_CREAT|O_EXCL|O_NOFOLLOW`);
    assert.equal(mode, 0o600);
  }
  assert.notEqual(opened[0].file, opened[1].file, 'a new random name each time');
  assert.equal(fs.statSync(path.join(dir, 'a.txt')).mode & 0o777, 0o666 & ~process.umask(), 'a new file gets the umask mode');
  fs.chmodSync(path.join(dir, 'a.txt'), 0o640);
  writeFileAtomic(path.join(dir, 'a.txt'), 'three');
  assert.equal(fs.statSync(path.join(dir, 'a.txt')).mode & 0o777, 0o640, 'a replaced file keeps its mode');
  assert.deepEqual(fs.readdirSync(dir), ['a.txt'], 'no temporary file left');
});

test('writeExclusiveVia (--snapshot-at): a name taken, even by a planted symlink, is refused, never written through', () => {
  const dir = tempDir();
  const victim = path.join(dir, 'victim');
  fs.writeFileSync(victim, 'keep');
  const target = path.join(dir, 'memprof-1-2.heapsnapshot');
  fs.symlinkSync(victim, target);
  assert.equal(writeExclusiveVia(target, (tmp) => fs.writeFileSync(tmp, 'snapshot')), false);
  assert.equal(fs.readFileSync(victim, 'utf8'), 'keep');
  const free = path.join(dir, 'memprof-1-3.heapsnapshot');
  assert.equal(writeExclusiveVia(free, (tmp) => fs.writeFileSync(tmp, 'snapshot')), true);
  assert.equal(fs.readFileSync(free, 'utf8'), 'snapshot');
  assert.deepEqual(fs.readdirSync(dir).sort(), ['memprof-1-2.heapsnapshot', 'memprof-1-3.heapsnapshot', 'victim'], 'the private directory is removed');
});
