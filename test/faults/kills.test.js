'use strict';
// memprof killed with SIGKILL (an OOM killer, a CI timeout): the recording keeps every sample
// but the one being written, and the program it ran does not run on orphaned.
const test = require('node:test');
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { CLI, tempDir, alive, waitFor } = require('./helpers');

function memLines(file) {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.startsWith('MEM '));
  } catch {
    return [];
  }
}

/** Starts `memprof run -T interval` on a program that runs until killed; SIGKILLs memprof. */
async function killDuringRun(dir, interval, program) {
  const out = path.join(dir, `rec-${Math.random().toString(16).slice(2)}.dat`);
  const pidFile = `${out}.pid`;
  const code = `require('fs').writeFileSync(${JSON.stringify(pidFile)}, String(process.pid)); setInterval(() => {}, 1000);`;
  const argv = program === 'script' ? [path.join(dir, 'forever.js')] : [process.execPath, '-e', code];
  if (program === 'script') fs.writeFileSync(argv[0], code);
  const child = spawn(process.execPath, [CLI, 'run', '-T', String(interval), '-o', out, ...argv], { stdio: 'ignore' });
  const closed = new Promise((resolve) => child.on('close', resolve));
  await waitFor(() => fs.existsSync(pidFile) && memLines(out).length >= 30, 'samples');
  // Not right after the file grew: half a former flush period later (lines used to come in
  // batches every 100 ms, and a kill just after one lost nothing by chance).
  await new Promise((resolve) => setTimeout(resolve, 50));
  const killedAt = Date.now();
  child.kill('SIGKILL');
  await closed;
  const lines = memLines(out);
  const lastTime = Number(lines[lines.length - 1].split(' ')[2]) * 1000;
  return { out, gapMs: killedAt - lastTime, programPid: Number(fs.readFileSync(pidFile, 'utf8')), text: fs.readFileSync(out, 'utf8') };
}

test('memprof run SIGKILLed: every sample but the one being written is in the file, in whole lines', async (t) => {
  const dir = tempDir(t, 'kills');
  const interval = 0.01;
  const gaps = [];
  for (let trial = 0; trial < 3; trial++) {
    const run = await killDuringRun(dir, interval, 'command');
    gaps.push(run.gapMs);
    assert.ok(run.text.endsWith('\n'), 'whole lines only');
    process.kill(run.programPid, 'SIGKILL'); // where the OS could not stop it
  }
  // Samples are written as taken: the newest is at most one interval (plus scheduling) old.
  // Written in batches every 100 ms, as before, it was 50 ms old on average.
  const best = Math.min(...gaps);
  assert.ok(best < 3 * interval * 1000 + 15, `newest sample ${gaps.map((g) => g.toFixed(0)).join(', ')} ms before the kill (interval ${interval * 1000} ms)`);
});

test('the program does not outlive a SIGKILLed memprof run (PR_SET_PDEATHSIG on Linux)', { skip: process.platform !== 'linux' && 'PR_SET_PDEATHSIG is Linux only' }, async (t) => {
  const dir = tempDir(t, 'kills');
  for (const program of ['command', 'script']) {
    const run = await killDuringRun(dir, 0.05, program);
    try {
      await waitFor(() => !alive(run.programPid), `the ${program} to end with memprof`, 5000);
    } finally {
      if (alive(run.programPid)) process.kill(run.programPid, 'SIGKILL');
    }
  }
});
