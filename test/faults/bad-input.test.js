'use strict';
// Bad input, as a new user or an attacker would give it: each is refused with one line that
// says what is wrong (and what is accepted), exit 2 for usage errors and 1 for the rest,
// no stack trace, before any work is done.
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

function scratch() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memprof-bad-input-'));
  // A script that would leave a marker if it ran: a refused option must stop memprof first.
  fs.writeFileSync(path.join(dir, 'ok.js'), "require('fs').writeFileSync(__dirname + '/ran', '');\nfunction f() { return [1, 2]; }\nprofile(f)();\n");
  return dir;
}

const BIG = '99999999999999999999999GiB';

const CLI_CASES = [
  [['--precision', '101', 'ok.js'], 2, /argument '101' is invalid\. precision must be a whole number from 0 to 20/],
  [['--precision', '21', 'ok.js'], 2, /precision must be a whole number from 0 to 20/],
  [['repl', '--precision', '99'], 2, /precision must be a whole number from 0 to 20/],
  [['-f', ':', 'ok.js'], 2, /invalid function selector ":": expected name, file\.js:name, file\.js:line, file\.js:line:column or file\.js:\*/],
  [['-f', 'ok.js:0', 'ok.js'], 2, /invalid function selector "ok\.js:0": lines are numbered from 1/],
  [['-f', ':f', 'ok.js'], 2, /invalid function selector ":f"/],
  [['--break-at', BIG, 'ok.js'], 2, /invalid size "99999999999999999999999GiB": beyond the memory of any machine; sizes go from 0 B to 1024 TiB/],
  [['--snapshot-at', '1025TiB', 'ok.js'], 2, /beyond the memory of any machine; sizes go from 0 B to 1024 TiB/],
  [['check', '--max-peak', '9'.repeat(30), '--', 'true'], 2, /beyond the memory of any machine; sizes go from 0 B to 1024 TiB/],
  [['check', '--repeat', '99999999999', '--max-peak', '1GiB', '--', 'true'], 2, /expected a whole number from 1 to 10000000/],
  [['missing.js'], 1, /^memprof: cannot find script missing\.js\n$/],
  [['run', 'missing.js'], 1, /^memprof: cannot run missing\.js: no such file\n$/],
  [['run', 'no-such-program-memprof'], 1, /^memprof: cannot run no-such-program-memprof: command not found\n$/],
  [['attach', 'no-such-process-memprof'], 1, /^memprof: no process named like "no-such-process-memprof"/],
  [['plot', 'missing.dat'], 1, /^memprof: missing\.dat: no such file/],
  [['peak', 'missing.dat'], 1, /^memprof: missing\.dat: no such file/],
  [['check', '--max-peak', '1GiB', '--', 'no-such-program-memprof'], 1, /cannot run no-such-program-memprof: command not found/],
];

test('bad command lines: one line, exit 2 for usage and 1 for a missing program or file, nothing run', () => {
  const dir = scratch();
  for (const [args, code, pattern] of CLI_CASES) {
    const r = memprof(args, { cwd: dir });
    const what = `memprof ${args.join(' ')}`;
    assert.equal(r.code, code, `${what}: ${r.stderr}`);
    assert.match(r.stderr, pattern, what);
    assert.doesNotMatch(r.stderr, /^\s+at /m, `no stack trace for ${what}`);
    // check prints its own progress line before the command; every other answer is one line.
    const lines = r.stderr.split('\n').filter((l) => l !== '' && !/^memprof: checking /.test(l));
    assert.equal(lines.length, 1, `one line for ${what}: ${r.stderr}`);
    assert.ok(!fs.existsSync(path.join(dir, 'ran')), `${what} must not run the script`);
  }
});

test('sizes are parsed by one parser with one range, in the CLI and the API alike', async () => {
  const { parseSize, MAX_SIZE } = require('../../dist/units/size.js');
  const { limitMemory } = require('../../dist/testing/index.js');
  assert.equal(parseSize('1024TiB'), MAX_SIZE, 'the largest accepted size');
  for (const bad of [BIG, '1025TiB', 1024 ** 4 * 2]) {
    assert.throws(() => parseSize(bad), /beyond the memory of any machine; sizes go from 0 B to 1024 TiB/, String(bad));
  }
  await assert.rejects(limitMemory(BIG, () => {}), /memory limit "99999999999999999999999GiB": beyond the memory of any machine/);
});

test('API: unknown or misspelt options, non-object options and a bad backend are refused on every call', () => {
  const script = `
    const { profile } = require(${JSON.stringify(path.join(__dirname, '..', '..', 'dist', 'index.js'))});
    function a() { return 1; }
    function b() { return 2; }
    profile(a, { report: 'none' }); // the runtime is configured now
    const answers = [];
    for (const [fn, options] of [[b, { backend: 'bogus' }], [b, { reprot: 'none' }], [b, 'none'], [b, null], [b, [1]], [b, { precision: 21 }]]) {
      try { profile(fn, options); answers.push('accepted'); } catch (err) { answers.push(err.constructor.name + ': ' + err.message); }
    }
    console.log(JSON.stringify(answers));
  `;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), [
    'TypeError: unknown backend "bogus": choose one of native, process, heap, uss, pss',
    'TypeError: unknown profile() option "reprot": valid options are precision, stream, backend, report, mode, split',
    'TypeError: profile() options must be an object, not string',
    'TypeError: profile() options must be an object, not null',
    'TypeError: profile() options must be an object, not an array',
    'TypeError: precision must be a whole number from 0 to 20, got 21',
  ]);
});

test('API and REPL: absurd counts are refused at once instead of running for days', async () => {
  const { assertNoLeak } = require('../../dist/testing/index.js');
  const { memit } = require('../../dist/index.js');
  let calls = 0;
  await assert.rejects(assertNoLeak(() => calls++, { iterations: 1e12 }), /iterations must be a whole number from 2 to 10,000,000, got 1000000000000/);
  await assert.rejects(assertNoLeak(() => calls++, { warmup: 1e9 }), /warmup must be a whole number from 0 to 10,000,000/);
  await assert.rejects(async () => memit(() => calls++, { repeat: 1e20 }), /repeat must be a whole number from 1 to 10,000,000/);
  assert.equal(calls, 0, 'the function never ran');
  const { runMemit } = require('../../dist/repl/memit-command.js');
  await assert.rejects(runMemit(null, '-r 99999999999999999999 1 + 1'), /option -r expects a whole number from 1 to 10000000, got 99999999999999999999/);
});

test('an invalid JSON baseline is answered in one line', () => {
  const dir = scratch();
  // V8 quotes the text around the error, newlines and all.
  fs.writeFileSync(path.join(dir, 'base.json'), '{\n"tool": nope\n}\n');
  const r = memprof(['check', '--baseline', 'base.json', '--max-peak', '1GiB', '--', 'true'], { cwd: dir });
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /^memprof: base\.json: not valid JSON: Unexpected token .*"\{\\n"tool": nope\\n\}\\n" is not valid JSON\n$/);
  assert.equal(r.stderr.split('\n').filter(Boolean).length, 1, r.stderr);
});
