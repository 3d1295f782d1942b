'use strict';
// Full disks: every write is checked, a report that does not fit leaves the previous file
// as it was, a recording keeps whole lines and stops the program, and memprof says so in one
// line and exits 1. Run on a tmpfs of a few hundred KiB that the test mounts (root only).
const test = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const CLI = path.join(__dirname, '..', '..', 'bin', 'memprof.js');

function memprof(args, options = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 60000, ...options });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Mounts a tmpfs of `kib` KiB; a reason to skip when this machine cannot. */
function mountSmallDisk(kib) {
  if (process.platform !== 'linux') return { skip: 'tmpfs mounts are Linux only' };
  if (process.getuid() !== 0) return { skip: 'mounting a small tmpfs needs root (mount -t tmpfs)' };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memprof-full-disk-'));
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${kib}k,mode=0755`, 'tmpfs', dir], { encoding: 'utf8' });
  if (r.status !== 0) {
    fs.rmdirSync(dir);
    return { skip: `cannot mount a tmpfs here: ${(r.stderr || r.error?.message || '').trim()}` };
  }
  return { dir, unmount: () => (spawnSync('umount', [dir]), fs.rmdirSync(dir)) };
}

/** Fills the disk at `dir` until `leaveBytes` or fewer are free. */
function fill(dir, leaveBytes) {
  const { bavail, bsize } = fs.statfsSync(dir);
  const free = bavail * bsize;
  if (free > leaveBytes) fs.writeFileSync(path.join(dir, 'filler'), Buffer.alloc(free - leaveBytes));
}

const probe = mountSmallDisk(64);
if (probe.unmount) probe.unmount();
const SKIP = probe.skip ?? false;

/** A script whose report is about 20 KiB: one profiled function of 200 lines. */
function bigReportScript(dir) {
  const body = Array.from({ length: 200 }, (_, i) => `  total += ${i}; // line ${i} of a long function, to make a long report`).join('\n');
  const file = path.join(dir, 'long.js');
  fs.writeFileSync(file, `function long() {\n  let total = 0;\n${body}\n  return total;\n}\nprofile(long)();\n`);
  return file;
}

test('text -o on a full disk: one line, exit 1, the previous report intact', { skip: SKIP }, () => {
  const disk = mountSmallDisk(256);
  try {
    const script = bigReportScript(os.tmpdir());
    const out = path.join(disk.dir, 'report.txt');
    const before = 'Filename: an earlier report\n'.repeat(100);
    fs.writeFileSync(out, before);
    fill(disk.dir, 8 * 1024);
    const r = memprof(['-o', out, script]);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stderr, `memprof: cannot write ${out}: no space left on the device\n`);
    assert.equal(fs.readFileSync(out, 'utf8'), before, 'the previous content, with nothing half-appended');
  } finally {
    disk.unmount();
  }
});

test('--timestamp -o on a full disk leaves no 0-byte file', { skip: SKIP }, () => {
  const disk = mountSmallDisk(256);
  try {
    const script = bigReportScript(os.tmpdir());
    const out = path.join(disk.dir, 'func.txt');
    fill(disk.dir, 0);
    const r = memprof(['--timestamp', '-o', out, script]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /^memprof: cannot write .*func\.txt: no space left on the device\n$/);
    assert.ok(!fs.existsSync(out), 'no empty file created');
  } finally {
    disk.unmount();
  }
});

test('plot -o on a full disk: one line, exit 1, no temporary file left', { skip: SKIP }, () => {
  const disk = mountSmallDisk(256);
  try {
    const dat = path.join(os.tmpdir(), `memprof-full-disk-${process.pid}.dat`);
    fs.writeFileSync(dat, `CMDLINE x\n${Array.from({ length: 3000 }, (_, i) => `MEM ${(i % 97) + 10}.0 ${1700000000 + i / 100}\n`).join('')}`);
    fill(disk.dir, 4 * 1024);
    const r = memprof(['plot', dat, '-o', path.join(disk.dir, 'p.html')]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /^memprof: cannot write .*p\.html: no space left on the device\n$/);
    assert.deepEqual(fs.readdirSync(disk.dir), ['filler']);
    fs.rmSync(dat);
  } finally {
    disk.unmount();
  }
});

test('run -o on a disk that fills up: one line, exit 1, the program stopped, whole lines only', { skip: SKIP }, () => {
  const disk = mountSmallDisk(256);
  const pidFile = path.join(os.tmpdir(), `memprof-full-disk-pid-${process.pid}`);
  try {
    const out = path.join(disk.dir, 'rec.dat');
    fill(disk.dir, 24 * 1024);
    // Runs until stopped; each 1 ms sample is a line of about 30 bytes.
    const program = `require('fs').writeFileSync(${JSON.stringify(pidFile)}, String(process.pid)); setInterval(() => {}, 1000);`;
    const r = memprof(['run', '-T', '0.001', '-o', out, process.execPath, '-e', program]);
    assert.equal(r.code, 1, r.stderr);
    const lines = r.stderr.split('\n').filter((l) => l !== '' && !/^memprof: recording /.test(l));
    assert.deepEqual(lines.length, 1, r.stderr);
    assert.match(lines[0], /^memprof: cannot write .*rec\.dat: no space left on the device; stopped the program; the file keeps the whole lines written before$/);
    const text = fs.readFileSync(out, 'utf8');
    assert.ok(text.endsWith('\n'), 'no line cut in the middle');
    const records = text.split('\n').slice(0, -1);
    assert.ok(records.length > 100, `samples written before the disk filled: ${records.length}`);
    for (const line of records) assert.match(line, /^(CMDLINE .*|MEM \d+\.\d{6} \d+\.\d{4})$/);
    const pid = Number(fs.readFileSync(pidFile, 'utf8'));
    assert.throws(() => process.kill(pid, 0), { code: 'ESRCH' }, 'the program was stopped');
  } finally {
    fs.rmSync(pidFile, { force: true });
    disk.unmount();
  }
});
