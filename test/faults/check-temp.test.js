'use strict';
// memprof check keeps a temporary directory while a command runs (the heap reports). Killed
// with SIGKILL it cannot remove it: the next check does, so /tmp never grows without bound.
const test = require('node:test');
const assert = require('node:assert/strict');
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const CLI = path.join(__dirname, '..', '..', 'bin', 'memprof.js');

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function checkDirs(tmp) {
  return fs.readdirSync(tmp).filter((n) => n.startsWith('memprof-check-'));
}

test('a SIGKILLed check takes its command with it and leaves its temporary directory; the next check removes it, and only such ones', async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'memprof-tmpdir-'));
  const env = { ...process.env, TMPDIR: tmp };
  const pidFile = path.join(tmp, 'command.pid');
  const command = [process.execPath, '-e', `require('fs').writeFileSync(${JSON.stringify(pidFile)}, String(process.pid)); setTimeout(() => {}, 30000)`];
  for (let i = 0; i < 3; i++) {
    const check = spawn(process.execPath, [CLI, 'check', '--max-peak', '1GiB', '--', ...command], { env, stdio: 'ignore' });
    const closed = new Promise((resolve) => check.on('close', resolve));
    const started = Date.now();
    while (!fs.existsSync(pidFile) && Date.now() - started < 20000) await new Promise((r) => setTimeout(r, 20));
    assert.equal(checkDirs(tmp).length, 1, `one temporary directory while check ${i + 1} runs: ${checkDirs(tmp).join(' ')}`);
    check.kill('SIGKILL');
    await closed;
    const commandPid = Number(fs.readFileSync(pidFile, 'utf8'));
    if (process.platform === 'linux') {
      // The command does not outlive memprof (PR_SET_PDEATHSIG).
      const until = Date.now() + 5000;
      while (alive(commandPid) && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      assert.ok(!alive(commandPid), 'the command ended with the killed check');
    }
    if (alive(commandPid)) process.kill(commandPid, 'SIGKILL');
    fs.rmSync(pidFile);
  }
  // A directory of a running process (this test) is not touched.
  const live = path.join(tmp, `memprof-check-${process.pid}-keep`);
  fs.mkdirSync(live);
  const r = spawnSync(process.execPath, [CLI, 'check', '--max-peak', '1GiB', '--', 'true'], { env, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(checkDirs(tmp), [path.basename(live)], 'the killed checks\' directories are gone');
});
