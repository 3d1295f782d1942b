'use strict';
// `npm run test:stress [runs]`: the whole suite several times in a row while both cores are
// busy, the conditions under which a shared CI machine runs it. Two busy loops (one per
// core) run for the duration and end with this script, whatever happens to it.
// Prints one line per run and a closing 'N passed, N failed' line.
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const runs = Number(process.argv[2] ?? 5);
if (!Number.isInteger(runs) || runs < 1 || runs > 100) {
  process.stderr.write('usage: npm run test:stress [runs]  (runs: 1 to 100, default 5)\n');
  process.exit(2);
}
const root = path.join(__dirname, '..');
const hogCount = Math.max(1, os.availableParallelism());
// Each hog watches its parent: if this script dies (even by SIGKILL) the hog ends too.
const hogSource = `const parent = ${process.pid}; setInterval(() => { try { process.kill(parent, 0) } catch { process.exit(0) } }, 500).unref();
  (function spin() { const end = Date.now() + 50; while (Date.now() < end); setImmediate(spin); })();`;
const hogs = Array.from({ length: hogCount }, () => spawn(process.execPath, ['-e', hogSource], { stdio: 'ignore' }));
let stopSuite = () => {};
const stopHogs = () => {
  hogs.forEach((h) => h.kill('SIGKILL'));
  stopSuite();
};
process.on('exit', stopHogs);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => { stopHogs(); process.exit(128 + os.constants.signals[sig]); });

spawnSync('npm', ['run', 'build:ts', '--silent'], { cwd: root, stdio: 'inherit' });
// The suite runs as a child this script waits for without blocking, so a signal to this
// script (Ctrl+C) ends it, its hogs and the suite at once.
function runSuite() {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(__dirname, 'test.js')], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    // Its own process group: the runner and every test process end with it.
    stopSuite = () => {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {}
    };
    child.on('close', (status) => resolve({ status, output }));
  });
}
const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'memprof-stress-'));
async function main() {
  let passed = 0;
  let failed = 0;
  for (let i = 1; i <= runs; i++) {
    const started = Date.now();
    const result = await runSuite();
    const output = result.output;
    const count = (name) => Number((new RegExp(`^ℹ ${name} (\\d+)`, 'm').exec(output) ?? [])[1] ?? NaN);
    const ok = result.status === 0;
    ok ? passed++ : failed++;
    process.stdout.write(
      `run ${i}/${runs}: ${ok ? 'green' : 'RED'} in ${((Date.now() - started) / 1000).toFixed(0)} s, load ${os.loadavg()[0].toFixed(1)}: ` +
        `${count('pass')} passed, ${count('fail')} failed, ${count('cancelled')} cancelled (timed out), ${count('skipped')} skipped\n`,
    );
    // The whole output of each run, to read a red run's errors and the tests' durations.
    const log = path.join(logDir, `run${i}.txt`);
    fs.writeFileSync(log, output, { flag: 'wx', mode: 0o600 });
    process.stdout.write(`    output: ${log}\n`);
    if (!ok) {
      // The failing tests' names, so a red run names itself (its errors are in the output file).
      // (Node's reporter lists each failure twice: where it ran, and under 'failing tests:'.)
      const failures = new Set(output.split('\n').filter((line) => /^\s*✖ /.test(line) && !/✖ failing tests:/.test(line)).map((l) => l.trim()));
      process.stdout.write([...failures].slice(0, 20).map((l) => `    ${l}\n`).join(''));
    }
  }
  process.stdout.write(`stress: ${passed} passed, ${failed} failed\n`);
  // The hogs are children this process waits for: without this it never ended.
  stopHogs();
  process.exitCode = failed === 0 ? 0 : 1;
}
main();
