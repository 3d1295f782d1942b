'use strict';
// writeFileAtomic, shared by run -o, plot -o, check baselines and .mprun -T.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { spawn, spawnSync } = require('node:child_process');
const { tempDir } = require('./helpers.js');
const { writeFileAtomic } = require('../../dist/util/write-file.js');

test('a symlink is followed: the link stays, its target gets the content', () => {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, 'real.svg'), 'old');
  fs.symlinkSync('real.svg', path.join(dir, 'link.svg'));
  writeFileAtomic(path.join(dir, 'link.svg'), 'new');
  assert.ok(fs.lstatSync(path.join(dir, 'link.svg')).isSymbolicLink(), 'link.svg is still a symlink');
  assert.equal(fs.readFileSync(path.join(dir, 'real.svg'), 'utf8'), 'new');
  assert.deepEqual(fs.readdirSync(dir).sort(), ['link.svg', 'real.svg']);
});

test('a pipe (or device, as -o /dev/stdout) is written to, not replaced by a file', { skip: spawnSync('mkfifo', ['--version']).error && 'mkfifo is not installed' }, async () => {
  const dir = tempDir();
  const fifo = path.join(dir, 'out.fifo');
  assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
  // A reader: opening the FIFO for writing waits until cat has opened it.
  const reader = spawn('cat', [fifo], { stdio: ['ignore', 'pipe', 'inherit'] });
  let received = '';
  reader.stdout.on('data', (d) => (received += d));
  const closed = new Promise((resolve) => reader.on('close', resolve));
  try {
    writeFileAtomic(fifo, 'through the pipe');
    assert.ok(fs.statSync(fifo).isFIFO(), 'still a FIFO');
    await closed;
    assert.equal(received, 'through the pipe');
    assert.deepEqual(fs.readdirSync(dir), ['out.fifo']);
  } finally {
    reader.kill(); // when the FIFO was replaced, cat would wait for a writer forever
  }
});
