'use strict';
// memprof check keeps a temporary directory while a command runs (the heap reports). Killed
// with SIGKILL it cannot remove it: the next check does, so /tmp never grows without bound.
const test = require('node:test');
const assert = require('node:assert/strict');
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { CLI, tempDir, alive, waitFor } = require('./helpers');

function checkDirs(tmp) {
  return fs.readdirSync(tmp).filter((n) => n.startsWith('memprof-check-'));
}

test('a SIGKILLed check takes its command with it and leaves its temporary directory; the next check removes it, and only such ones', async (t) => {
  const tmp = tempDir(t, 'tmpdir');
  const env = { ...process.env, TMPDIR: tmp };
  const pidFile = path.join(tmp, 'command.pid');
  const command = [process.execPath, '-e', `require('fs').writeFileSync(${JSON.stringify(pidFile)}, String(process.pid)); setTimeout(() => {}, 30000)`];
  for (let i = 0; i < 3; i++) {
    const check = spawn(process.execPath, [CLI, 'check', '--max-peak', '1GiB', '--', ...command], { env, stdio: 'ignore' });
    const closed = new Promise((resolve) => check.on('close', resolve));
    await waitFor(() => fs.existsSync(pidFile), `the command of check ${i + 1} to start`);
    assert.equal(checkDirs(tmp).length, 1, `one temporary directory while check ${i + 1} runs: ${checkDirs(tmp).join(' ')}`);
    check.kill('SIGKILL');
    await closed;
    const commandPid = Number(fs.readFileSync(pidFile, 'utf8'));
    try {
      // The command does not outlive memprof (PR_SET_PDEATHSIG, Linux only).
      if (process.platform === 'linux') await waitFor(() => !alive(commandPid), 'the command to end with the killed check', 5000);
    } finally {
      if (alive(commandPid)) process.kill(commandPid, 'SIGKILL');
    }
    fs.rmSync(pidFile);
  }
  // A directory of a running process (this test) is not touched.
  const live = path.join(tmp, `memprof-check-${process.pid}-keep`);
  fs.mkdirSync(live);
  const r = spawnSync(process.execPath, [CLI, 'check', '--max-peak', '1GiB', '--', 'true'], { env, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(checkDirs(tmp), [path.basename(live)], 'the killed checks\' directories are gone');
});
