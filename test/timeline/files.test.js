'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { tempDir, memprof, memprofAsync, MPROF, MPROF_SKIP } = require('./helpers.js');
const { defaultProfileName, claimProfileName } = require('../../dist/timeline/files.js');

const NAMES = ['mprofile_20260101120000.dat', 'mprofile_20260101120005.dat', 'mprofile_20260102093000.dat'];

/** A directory with three recordings whose peaks are 10, 20 and 30 MiB, and one other file. */
function fixture() {
  const dir = tempDir();
  NAMES.forEach((name, i) => {
    const peak = (i + 1) * 10;
    fs.writeFileSync(
      path.join(dir, name),
      `CMDLINE prog ${i}\nMEM 1.000000 1700000000.0000\nMEM ${peak}.000000 1700000000.1000\nMEM 2.000000 1700000000.2000\n` +
        `CHLD 77 ${peak / 2}.000000 1700000000.1000\n` +
        `FUNC prog.f 1.0000 1700000000.0500 3.0000 1700000000.1500 0\n` +
        `FUNC prog.g 1.0000 1700000000.0500 3.0000 1700000000.0600 1\n`,
    );
  });
  fs.writeFileSync(path.join(dir, 'other.dat'), 'MEM 5.0 1700000000.0\n');
  return dir;
}

test('default output names sort by time and match mprof', () => {
  assert.equal(defaultProfileName(new Date(2026, 0, 2, 3, 4, 5)), 'mprofile_20260102030405.dat');
});

test('a second recording in the same second takes the next free name', () => {
  const dir = tempDir();
  const now = new Date(2026, 0, 1, 12, 0, 5);
  assert.equal(claimProfileName('CMDLINE a\n', dir, now), path.join(dir, 'mprofile_20260101120005.dat'));
  fs.writeFileSync(path.join(dir, 'mprofile_20260101120006.dat'), '');
  // Taken with O_EXCL: the file of this second and the next exist, the one after is new.
  assert.equal(claimProfileName('CMDLINE b\n', dir, now), path.join(dir, 'mprofile_20260101120007.dat'));
  assert.equal(fs.readFileSync(path.join(dir, 'mprofile_20260101120005.dat'), 'utf8'), 'CMDLINE a\n');
  assert.equal(fs.readFileSync(path.join(dir, 'mprofile_20260101120007.dat'), 'utf8'), 'CMDLINE b\n');
  // A symlink planted under the next name is a taken name, never written through.
  fs.writeFileSync(path.join(dir, 'victim'), 'keep');
  fs.symlinkSync('victim', path.join(dir, 'mprofile_20260101120008.dat'));
  assert.equal(claimProfileName('CMDLINE c\n', dir, now), path.join(dir, 'mprofile_20260101120009.dat'));
  assert.equal(fs.readFileSync(path.join(dir, 'victim'), 'utf8'), 'keep');
});

test('run without -o writes mprofile_<time>.dat in the working directory; two quick runs keep both', () => {
  const dir = tempDir();
  for (let i = 0; i < 2; i++) assert.equal(memprof(['run', process.execPath, '-e', 'setTimeout(() => {}, 50)'], { cwd: dir }).code, 0);
  const names = fs.readdirSync(dir);
  assert.equal(names.length, 2, names.join(' '));
  for (const name of names) assert.match(name, /^mprofile_\d{14}\.dat$/);
  assert.equal(memprof(['list'], { cwd: dir }).stdout.trim().split('\n').length, 2);
});

test('runs started at the same moment in one directory take different files (O_EXCL)', async () => {
  const dir = tempDir();
  const runs = Array.from({ length: 4 }, (_, i) =>
    memprofAsync(['run', process.execPath, '-e', `setTimeout(() => {}, 300); // run ${i}`], { cwd: dir }),
  );
  const codes = await Promise.all(runs.map((child) => new Promise((resolve) => child.on('close', resolve))));
  assert.deepEqual(codes, [0, 0, 0, 0]);
  const names = fs.readdirSync(dir).sort();
  assert.equal(names.length, 4, `four recordings: ${names.join(' ')}`);
  const cmdlines = names.map((n) => fs.readFileSync(path.join(dir, n), 'utf8').split('\n').filter((l) => l.startsWith('CMDLINE')));
  for (const lines of cmdlines) assert.equal(lines.length, 1, `one run a file, not interleaved: ${lines.join(' | ')}`);
  assert.deepEqual(cmdlines.map((l) => /run (\d)/.exec(l[0])[1]).sort(), ['0', '1', '2', '3']);
});

test('list numbers recordings oldest first, as mprof list', () => {
  const dir = fixture();
  const r = memprof(['list'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.stdout.trim().split('\n'), [
    '0 mprofile_20260101120000.dat 12:00:00 01/01/2026',
    '1 mprofile_20260101120005.dat 12:00:05 01/01/2026',
    '2 mprofile_20260102093000.dat 09:30:00 02/01/2026',
  ]);
  if (MPROF) {
    const py = require('node:child_process').spawnSync(MPROF, ['list'], { cwd: dir, encoding: 'utf8' });
    assert.equal(py.stdout, r.stdout, 'same output as python3-mprof list');
  }
});

test('peak takes the newest file by default, files or indices otherwise, children too', () => {
  const dir = fixture();
  let r = memprof(['peak'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'mprofile_20260102093000.dat\t30.000 MiB\n  Child 77\t\t\t15.000 MiB\n');
  r = memprof(['peak', '0', '-2', 'other.dat'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.stdout.split('\n').filter((l) => !l.startsWith(' ')), [
    'mprofile_20260101120000.dat\t10.000 MiB',
    'mprofile_20260101120005.dat\t20.000 MiB',
    'other.dat\t5.000 MiB',
    '',
  ]);
  r = memprof(['peak', '--func', 'prog.f', '1'], { cwd: dir });
  assert.equal(r.stdout, 'mprofile_20260101120005.dat\t20.000 MiB\n  Child 77\t\t\t10.000 MiB\n', 'the sample inside the call');
  // A call between two samples: its own entry/exit values (python's mprof fails on max([])).
  r = memprof(['peak', '--func', 'prog.g', '1'], { cwd: dir });
  assert.match(r.stdout, /^mprofile_20260101120005.dat\t3.000 MiB\n/);
  r = memprof(['peak', '--func', 'nope', '1'], { cwd: dir });
  assert.equal(r.code, 1, 'an error exits 1, never 0');
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^memprof: mprofile_20260101120005\.dat has no function nope \(it has prog\.f, prog\.g\)\n$/);
  // Each file is answered; the one that cannot be makes the exit code 1.
  r = memprof(['peak', '--func', 'prog.f', '1', 'other.dat'], { cwd: dir });
  assert.equal(r.code, 1);
  assert.match(r.stdout, /^mprofile_20260101120005\.dat\t20\.000 MiB\n/);
  assert.match(r.stderr, /other\.dat has no function prog\.f \(it has no FUNC records\)/);
});

test('peak matches python3-mprof peak on the same files', { skip: MPROF_SKIP }, () => {
  const dir = fixture();
  for (const args of [['0'], ['2'], ['--func', 'prog.f', '1']]) {
    const ours = memprof(['peak', ...args], { cwd: dir });
    const theirs = require('node:child_process').spawnSync(MPROF, ['peak', ...args], { cwd: dir, encoding: 'utf8' });
    assert.equal(ours.stdout, theirs.stdout.replace(/^Using last profile data\.\n/, ''), args.join(' '));
  }
});

test('bad indices and missing files are one-line errors, exit 1', () => {
  const dir = fixture();
  for (const args of [['peak', '7'], ['peak', 'missing.dat'], ['rm', '-9'], ['plot', '3'], ['plot', 'missing.dat']]) {
    const r = memprof(args, { cwd: dir });
    assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stderr.trim().split('\n').length, 1);
    assert.match(r.stderr, /^memprof: (no recording with index|missing\.dat: no such file)/);
  }
  const empty = tempDir();
  const r = memprof(['peak'], { cwd: empty });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /no mprofile_\*\.dat file in this directory/);
});

test('peak of a recording without samples says why and exits 1', () => {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, 'none.dat'), 'CMDLINE true\n');
  fs.writeFileSync(path.join(dir, 'empty.dat'), '');
  for (const name of ['none.dat', 'empty.dat']) {
    const r = memprof(['peak', name], { cwd: dir });
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, new RegExp(`^memprof: ${name.replace('.', '\\.')} has no MEM samples \\(the program ended before the first sample`));
  }
});

test('rm removes by index or name; --dry-run only lists', () => {
  const dir = fixture();
  let r = memprof(['rm', '--dry-run', '0', 'other.dat'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'Files to be removed: \nmprofile_20260101120000.dat\nother.dat\n');
  assert.equal(fs.readdirSync(dir).length, 4, 'nothing removed by a dry run');
  r = memprof(['rm', '-1', 'other.dat'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(fs.readdirSync(dir).sort(), NAMES.slice(0, 2));
  r = memprof(['rm'], { cwd: dir });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /name the recordings to remove/);
});

test('clean removes every recording and nothing else; --dry-run only lists', () => {
  const dir = fixture();
  let r = memprof(['clean', '--dry-run'], { cwd: dir });
  assert.equal(r.stdout, `Files to be removed: \n${NAMES.join('\n')}\n`);
  assert.equal(fs.readdirSync(dir).length, 4);
  r = memprof(['clean'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(fs.readdirSync(dir), ['other.dat']);
});

test('a reader that closes the pipe early (memprof list | head -1) ends memprof quietly', async () => {
  const dir = fixture();
  const { spawn } = require('node:child_process');
  const bin = path.join(__dirname, '..', '..', 'bin', 'memprof.js');
  for (const args of [['list'], ['peak', '0', '1', '2']]) {
    const child = spawn(process.execPath, [bin, ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    // Closed before memprof has started: its first write to stdout fails with EPIPE.
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const [code] = await require('node:events').once(child, 'exit');
    assert.doesNotMatch(stderr, /EPIPE|at .*\.js:\d+/, `${args.join(' ')}: no stack trace`);
    assert.equal(code, 0, `${args.join(' ')}: ${stderr}`);
  }
});

test('clean removes what it can and says in one line what it cannot (a directory named like a recording)', () => {
  const dir = fixture();
  fs.mkdirSync(path.join(dir, 'mprofile_20991231000000.dat'));
  const r = memprof(['clean'], { cwd: dir });
  assert.equal(r.code, 1);
  assert.equal(r.stderr, 'memprof: cannot remove mprofile_20991231000000.dat: it is a directory\n');
  assert.deepEqual(fs.readdirSync(dir).filter((f) => f.startsWith('mprofile_')), ['mprofile_20991231000000.dat']);
});
