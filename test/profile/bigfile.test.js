'use strict';
// Big files (issue 9): profile() never freezes the program for V8's recompile of a bundle,
// and -f into a big file leaves none of the instrumenter's memory behind. The files are
// generated here (the shape that costs V8 the most: thousands of functions in one scope,
// each calling the next), not typescript.js, so the tests stay fast; `npm run bench`
// (bigfile) gives the figures on typescript.js itself.
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { memprof } = require('./helpers');
const { liveEditCost } = require('../../dist/trace/liveedit-cost');
const { parseFunctionText, parseSource, listFunctions } = require('../../dist/trace/instrument');
const { LineStarts } = require('../../dist/trace/lines');

const MiB = 1024 * 1024;
const PROFILE = path.join(__dirname, '..', '..', 'dist', 'index.js');

/** A CommonJS module of `n` functions in one scope, each calling the next, and `target`. */
function flatModule(n) {
  let s = "'use strict';\n";
  for (let i = 0; i < n; i++) s += `function f${i}(a) {\n  const b = [a, ${i}];\n  return b.length > 5 ? f${(i + 1) % n}(a) : (x) => x + b[0];\n}\n`;
  // A regular expression literal: V8 caches regular expressions by their pattern.
  return `${s}const KEY = /^key-[a-z]+-\\d{3,}$/;\nfunction target(n) {\n  const out = [];\n  for (let i = 0; i < n; i++) out.push(i);\n  return out.length + Number(KEY.test('key-a-123'));\n}\nmodule.exports = { target, f0 };\n`;
}

/** The same functions, each in a scope of its own (as webpack wraps modules). */
function nestedModule(n) {
  let s = "'use strict';\nconst mods = [];\n";
  for (let i = 0; i < n; i++) s += `mods.push(function m${i}() {\n  function f(a) {\n    const b = [a, ${i}];\n    return (x) => x + b[0];\n  }\n  return f;\n});\n`;
  return `${s}module.exports = mods;\n`;
}

function tempDir(t) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memprof-bigfile-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('the estimate of V8 recompiling a script: functions × names of their scopes; strings and comments do not count', () => {
  const flat = liveEditCost(flatModule(5000));
  assert.ok(flat.functions >= 10000, `function literals counted: ${flat.functions}`);
  assert.ok(flat.seconds > 1.5, `5,000 functions calling each other in one scope (V8: 5 s or more): estimated ${flat.seconds} s`);
  const nested = liveEditCost(nestedModule(5000));
  assert.ok(nested.seconds < 0.2, `as many functions, each in its own scope (V8: well under a second): estimated ${nested.seconds} s`);
  const noise = `${'// function f(){} var a; let b; const c; => {}\n'.repeat(4000)}const s = "function g() { var x }";\n`;
  assert.strictEqual(liveEditCost(noise).functions, 0, 'a comment or a string is not code');
});

test('a function parsed alone at its place has the lines, columns and offsets of the whole file\'s parse', () => {
  const source = `'use strict';\nconst a = 1;\n  const o = { run(x, y) {\n    return x +\n      y;\n  } };\nfunction after() {}\n`;
  const whole = listFunctions(parseSource(source)).find((f) => f.name === 'run');
  // A method's text as toString gives it: from its name (its function node starts at the '(').
  const start = source.indexOf('run(');
  const text = source.slice(start, whole.node.end);
  const alone = listFunctions(parseFunctionText(start, text, new LineStarts(source).position(start))).find((f) => f.node.start === whole.node.start);
  assert.ok(alone, 'the method is found in its own parse');
  for (const key of ['start', 'end']) assert.strictEqual(alone.node[key], whole.node[key], key);
  assert.deepStrictEqual(JSON.parse(JSON.stringify(alone.node.loc)), JSON.parse(JSON.stringify(whole.node.loc)));
  const ret = (f) => f.node.body.body[0];
  assert.deepStrictEqual(JSON.parse(JSON.stringify(ret(alone).loc)), JSON.parse(JSON.stringify(ret(whole).loc)), 'the return statement two lines down');
});

test('profile() on a function of a file V8 would take seconds to recompile: measured around each call at once, with one line saying why and naming -f', (t) => {
  const dir = tempDir(t);
  fs.writeFileSync(path.join(dir, 'big.js'), flatModule(5000));
  fs.writeFileSync(
    path.join(dir, 'main.js'),
    `const { profile, getResults } = require(${JSON.stringify(PROFILE)});\n` +
      `const big = require('./big.js');\n` +
      `const target = profile(big.target, { report: 'none' });\n` +
      `console.log(target(1000), target === big.target);\n` +
      `console.log(JSON.stringify(getResults().functions.map((f) => ({ name: f.name, calls: f.calls, rows: f.lines.filter((l) => l.occurrences > 0).length }))));\n`,
  );
  const r = spawnSync(process.execPath, ['main.js'], { cwd: dir, encoding: 'utf8', timeout: 120000 });
  assert.strictEqual(r.status, 0, r.stderr);
  const [printed, json] = r.stdout.trim().split('\n');
  assert.strictEqual(printed, '1001 false', 'the wrapper returns what the function returns');
  assert.match(
    r.stderr,
    /^memprof: target: V8 would take about \d+ s to recompile big\.js \(\d+\.\d KiB, 10,001 functions\) and swap its code; for its lines, select it as the file loads: memprof -f 'big\.js:target'; each call is measured as one row \(wrapped\)\n$/,
  );
  assert.deepStrictEqual(JSON.parse(json), [{ name: 'target', calls: 1, rows: 1 }]);
});

test('profile() on a function of a file V8 takes a while to recompile: a line on stderr first, then the lines profiled', (t) => {
  const dir = tempDir(t);
  fs.writeFileSync(path.join(dir, 'mid.js'), flatModule(2000));
  fs.writeFileSync(
    path.join(dir, 'main.js'),
    `const { profile, getResults } = require(${JSON.stringify(PROFILE)});\n` +
      `const mid = require('./mid.js');\n` +
      `profile(mid.target, { report: 'none' });\n` +
      `mid.target(10);\n` +
      `console.log(JSON.stringify(getResults().functions[0].lines.map((l) => l.occurrences)));\n`,
  );
  const r = spawnSync(process.execPath, ['main.js'], { cwd: dir, encoding: 'utf8', timeout: 120000 });
  assert.strictEqual(r.status, 0, r.stderr);
  assert.match(r.stderr, /^memprof: target: V8 recompiles mid\.js \(\d+\.\d KiB, 4,001 functions\) to swap its code, about \d+ s\n$/);
  assert.deepStrictEqual(JSON.parse(r.stdout), [1, 1, 11, 1, 0], 'every line of target counted (the loop header its 11 tests)');
});

test('-f into a big file: at the program\'s next line, no instrumenter garbage in the heap and no more RSS than memprof without it', (t) => {
  const dir = tempDir(t);
  // About 4 MiB: a big file (≥ 1 MiB) whose original text, kept until the module is loaded, is measurable.
  fs.writeFileSync(path.join(dir, 'big.js'), flatModule(45000));
  fs.writeFileSync(
    path.join(dir, 'main.js'),
    `const big = require('./big.js');\n` +
      `const m = process.memoryUsage();\n` +
      `console.error(JSON.stringify({ heap: m.heapUsed, rss: m.rss, peak: process.resourceUsage().maxRSS * 1024 }));\n` +
      `console.log(big.target(3), big.target.toString().includes('KEY'));\n`,
  );
  const run = (selector) => {
    const r = memprof(['-f', selector, 'main.js'], { cwd: dir, timeout: 120000 });
    assert.strictEqual(r.code, 0, r.stderr);
    return JSON.parse(r.stderr.split('\n')[0]);
  };
  const without = run('elsewhere.js:target');
  const probed = run('big.js:target');
  const figures = `heap ${(probed.heap / MiB).toFixed(1)} MiB against ${(without.heap / MiB).toFixed(1)} MiB, RSS ${(probed.rss / MiB).toFixed(1)} MiB against ${(without.rss / MiB).toFixed(1)} MiB`;
  assert.ok(probed.heap < without.heap + 1 * MiB, `the heap after loading the probed file is the unprobed run's (its 4 MiB original text collected): ${figures}`);
  assert.ok(probed.rss < without.rss + 5 * MiB, `RSS within 5 MiB of the same run with nothing instrumented: ${figures}`);
  // By line and by column: found without parsing the whole file either (its syntax tree would
  // take 150 MiB at the peak here; 200 MiB and 2 s more for typescript.js).
  const line = flatModule(45000).split('\n').findIndex((l) => l.startsWith('function target')) + 2;
  for (const selector of [`big.js:${line}`, `big.js:${line - 1}:10`]) {
    const byLine = run(selector);
    const lineFigures = `heap ${(byLine.heap / MiB).toFixed(1)} MiB against ${(without.heap / MiB).toFixed(1)} MiB, RSS ${(byLine.rss / MiB).toFixed(1)} MiB against ${(without.rss / MiB).toFixed(1)} MiB`;
    assert.ok(byLine.heap < without.heap + 1 * MiB, `${selector}: the original text is collected too: ${lineFigures}`);
    assert.ok(byLine.rss < without.rss + 5 * MiB, `${selector}: RSS within 5 MiB of the same run with nothing instrumented: ${lineFigures}`);
    assert.ok(byLine.peak < probed.peak + 40 * MiB, `${selector}: the peak RSS while loading is the name selector's (no whole-file parse): ${(byLine.peak / MiB).toFixed(1)} MiB against ${(probed.peak / MiB).toFixed(1)} MiB by name`);
  }
});

test('LineStarts gives the lines splitLines gives (\\r\\n, \\n, \\r, U+2028, U+2029), and offsets and positions back and forth', () => {
  const { splitLines } = require('../../dist/trace/lines');
  for (const text of ['a\nb\r\nc\rd\u2028e\u2029f', '', 'x\n', '\n\n', 'one']) {
    const lines = new LineStarts(text);
    const expected = splitLines(text);
    assert.deepStrictEqual(expected.map((_, i) => lines.lineText(i + 1)), expected, JSON.stringify(text));
    assert.strictEqual(lines.lineText(expected.length + 1), '', 'past the last line');
  }
  const lines = new LineStarts('ab\r\ncd\nef');
  assert.deepStrictEqual([lines.offset(2, 1), lines.offset(3, 0)], [5, 7]);
  assert.deepStrictEqual([lines.position(5), lines.position(7), lines.position(0)], [{ line: 2, column: 1 }, { line: 3, column: 0 }, { line: 1, column: 0 }]);
});
