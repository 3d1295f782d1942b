'use strict';
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const { parseSource, listFunctions, instrument, functionKey } = require('../../dist/trace/instrument');

/**
 * A stand-in for the runtime's probes: the frame probe probed code calls (runtime.ts
 * FrameProbe), reporting each line event (line number) and exit ('exit') to `on`.
 */
function fakeProbes(on = () => {}) {
  const frame = (line, kind) => {
    if (line === undefined) on('exit');
    else {
      on(Math.abs(line));
      if (kind === 3) on('exit'); // a return's probe without a finally block: the exit too
    }
    return false;
  };
  frame.s = (v) => v;
  frame.r = (v) => v;
  return { e: () => frame };
}

/** The probes of `line` in probed text, by kind: l (statement), n (right after a probe), m (in an expression), t (a plain return), u (the same, exiting). */
function kindOf(out, line) {
  const kinds = { undefined: 'l', 1: 'm', 2: 't', 3: 'u' };
  return [...out.matchAll(/\$mp\$f\((-?\d+)(?:,(\d))?\)/g)]
    .filter((m) => Math.abs(Number(m[1])) === line)
    .map((m) => (Number(m[1]) < 0 ? 'n' : kinds[m[2]]));
}

function probe(source, name) {
  const fns = listFunctions(parseSource(source)).filter((f) => f.name === name);
  assert.strictEqual(fns.length, 1, `one function named ${name}`);
  const f = fns[0];
  return instrument(source, [{ node: f.node, key: functionKey('/x.js', f.name, f.line, f.endLine) }]);
}

const SOURCE = `'use strict';
function work(n, items) {
  'use strict';
  const a = [];
  for (let i = 0; i < n; i++) a.push(i);
  for (const x of items) {
    if (x) continue; else a.length;
  }
  label: while (a.length) { a.pop(); break label; }
  do { a.push(1); } while (a.length < 2);
  switch (n) { case 1: a.push(2); break; default: a.push(3); }
  try { JSON.parse('{'); } catch { a.push(4); } finally { a.push(5); }
  const inner = () => a.length;
  return a.concat(inner());
}
const arrow = (x) => ({ x });
async function later(p) {
  const v = await p;
  return v + (await Promise.resolve(1));
}
function* gen() { yield 1; const z = yield; yield* [z]; }
`;

test('instrumenting keeps every line on its line and the function still parses', () => {
  for (const name of ['work', 'arrow', 'later', 'gen']) {
    const out = probe(SOURCE, name);
    const before = SOURCE.split('\n');
    const after = out.split('\n');
    assert.strictEqual(after.length, before.length, name);
    for (let i = 0; i < before.length; i++) {
      // Each original line's code is still there, on the same line (probes only add text).
      const words = before[i].match(/[A-Za-z_]\w*/g) ?? [];
      for (const w of words) assert.ok(after[i].includes(w), `${name}: line ${i + 1} lost "${w}": ${after[i]}`);
    }
    assert.doesNotThrow(() => parseSource(out), name);
  }
});

test('the directive prologue stays first and nested functions are left alone', () => {
  const out = probe(SOURCE, 'work').split('\n');
  assert.match(out[2], /^  'use strict';const \$mp\$f=/);
  assert.doesNotMatch(out[12], /\$mp\$f\(13\)\)debugger;.*=> .*\$mp\$f/);
  // A loop counts its line at its start and once per pass, here after the body on the header's line.
  assert.match(out[4], /^  for \(let i = 0; i < n; i\+\+\) a\.push\(i\),\$mp\$f\(5,1\);/);
  assert.match(probe(SOURCE, 'later').split('\n')[17], /\$mp\$f\.r\(await \$mp\$f\.s\(p\)\)/);
});

test('the columns of the user code stay where they were: probes go after the code of the line before', () => {
  const acorn = require('acorn');
  const branches = fs.readFileSync(__filename, 'utf8').match(/const source = `(function branches[^`]*)`/)[1];
  for (const [source, name] of [[SOURCE, 'work'], [branches, 'branches']]) {
    const out = probe(source, name).split('\n');
    const lines = source.split('\n');
    let checked = 0;
    for (const token of acorn.tokenizer(source, { ecmaVersion: 'latest', locations: true })) {
      if (token.type.label !== 'name' && token.type.label !== 'string' && token.type.label !== 'num') continue;
      const { line, column } = token.loc.start;
      const text = source.slice(token.start, token.end);
      assert.strictEqual(out[line - 1].slice(column, column + text.length), text, `${name}: ${text} at ${line}:${column} moved: ${out[line - 1]} (was ${lines[line - 1]})`);
      checked++;
    }
    assert.ok(checked > 30, `${checked} tokens checked`);
  }
});

test('one-line loops whose bodies end without a semicolon: the pass probe ends the body, before the next statement', () => {
  const source = 'function cksum(block) {\n  var sum = 8\n  for (var i = 0; i < 3; i++) sum += block[i]\n  for (var j = 3; j < 5; j++) sum += block[j]\n  return sum\n}\n';
  const lines = [];
  globalThis[Symbol.for('memprof.probe')] = fakeProbes((event) => event !== 'exit' && lines.push(event));
  try {
    const out = probe(source, 'cksum');
    assert.strictEqual(new Function(`${out}\nreturn cksum;`)()([1, 2, 3, 4, 5]), 23, out);
    assert.deepStrictEqual([lines.filter((l) => l === 3).length, lines.filter((l) => l === 4).length], [4, 3], 'a loop line: its start and each pass');
  } finally {
    delete globalThis[Symbol.for('memprof.probe')];
  }
});

test('a directive without its semicolon still parses once probed (ASI ended it at the newline)', () => {
  const source = "function strict(x) {\n  'use strict'\n  return this === undefined && x;\n}\nfunction bare() { 'use strict' }\n";
  for (const name of ['strict', 'bare']) {
    const out = probe(source, name);
    assert.doesNotThrow(() => parseSource(out), `probed ${name} parses:\n${out}`);
    assert.deepStrictEqual(
      out.split('\n').map((l) => l.includes('use strict')),
      source.split('\n').map((l) => l.includes('use strict')),
    );
  }
  // Still a directive: `this` stays undefined in a plain call.
  globalThis[Symbol.for('memprof.probe')] = fakeProbes();
  try {
    assert.strictEqual(new Function(probe(source, 'strict') + '\nreturn strict;')()(5), 5);
  } finally {
    delete globalThis[Symbol.for('memprof.probe')];
  }
});

test('instrumented code behaves like the original (results, throws, generators)', () => {
  const calls = [];
  globalThis[Symbol.for('memprof.probe')] = fakeProbes((event) => calls.push(event));
  try {
    const out = probe(SOURCE, 'work') + '\nmodule.exports = { work, gen };';
    const m = { exports: {} };
    new Function('module', out)(m);
    const plain = { exports: {} };
    new Function('module', SOURCE + '\nmodule.exports = { work, gen };')(plain);
    assert.deepStrictEqual(m.exports.work(3, [0, 1, 0]), plain.exports.work(3, [0, 1, 0]));
    assert.deepStrictEqual([...m.exports.gen()], [...plain.exports.gen()]);
    // for over 3 iterations: 4 tests of the header line (memory_profiler counts the same way)
    assert.strictEqual(calls.filter((l) => l === 5).length, 4);
    // for-of over 3 items: 3 + 1
    assert.strictEqual(calls.filter((l) => l === 6).length, 4);
    assert.ok(calls.includes('exit'), JSON.stringify(calls));
  } finally {
    delete globalThis[Symbol.for('memprof.probe')];
  }
});

test('a block on its own line (else, if, loop bodies) keeps its meaning: its probe goes inside the braces', () => {
  const source = `function branches(xs) {
  const out = [];
  for (const x of xs)
  {
    if (x > 1)
    {
      out.push('big');
    }
    else
    {
      out.push('small');
    }
  }
  let n = 0;
  while (n < 2)
  {
    n++;
  }
  for (let i = 0; i < 2; i++)
  {
    out.push(i);
  }
  outer:
  {
    out.push('labeled');
  }
  return [out, n];
}
`;
  globalThis[Symbol.for('memprof.probe')] = fakeProbes();
  try {
    const run = (code) => new Function(`${code}\nreturn branches([1, 2, 0]);`)();
    const out = probe(source, 'branches');
    assert.strictEqual(out.split('\n').length, source.split('\n').length);
    assert.doesNotMatch(out, /else \$mp\$f|\) if\(\$mp\$f\(-?\d+\)\)debugger;\{/);
    assert.deepStrictEqual(run(out), run(source));
  } finally {
    delete globalThis[Symbol.for('memprof.probe')];
  }
});

test('every function of a real library instrumented at once still behaves the same (acorn parses alike)', () => {
  const Module = require('node:module');
  const path = require('node:path');
  const file = require.resolve('acorn').replace(/acorn\.mjs$/, 'acorn.js');
  const source = fs.readFileSync(file, 'utf8');
  const fns = listFunctions(parseSource(source, false));
  const out = instrument(source, fns.map((f, i) => ({ node: f.node, key: functionKey(file, f.name, f.line, f.endLine) + i })));
  assert.strictEqual(out.split('\n').length, source.split('\n').length);
  globalThis[Symbol.for('memprof.probe')] = fakeProbes();
  try {
    const probed = new Module(file);
    probed.filename = file;
    probed._compile(out, file);
    const plain = require('acorn');
    for (const target of [path.join(__dirname, '..', '..', 'dist', 'trace', 'instrument.js'), require.resolve('commander')]) {
      const text = fs.readFileSync(target, 'utf8');
      const options = { ecmaVersion: 'latest', locations: true };
      const json = (parser) => JSON.stringify(parser.parse(text, options)); // each module has its own Node class
      assert.strictEqual(json(probed.exports), json(plain), target);
    }
    assert.ok(fns.length > 300, `${fns.length} functions`);
  } finally {
    delete globalThis[Symbol.for('memprof.probe')];
  }
});

test("a ')' in a comment between an if's test and its body is no anchor for the body's probe", () => {
  // From vite-node's bundle: the probe went after the comment's last ')', inside the comment.
  const source = [
    'function accept(deps, cb) {',
    '  if (typeof deps === "function" || !deps)',
    ' // self-accept: hot.accept(() => {})',
    '    cb(deps);',
    '  else if (typeof deps === "string")',
    ' /* explicit deps (a) */',
    '    cb([deps]);',
    '  while (deps && false) // loop (x)',
    '    cb(0);',
    '  return 1;',
    '}',
  ].join('\n');
  const out = probe(source, 'accept');
  const calls = [];
  globalThis[Symbol.for('memprof.probe')] = fakeProbes();
  try {
    const run = (code) => new Function(`${code}\nreturn accept;`)();
    assert.strictEqual(run(out)('s', (v) => calls.push(v)), 1, out);
    assert.deepStrictEqual(calls, [['s']], 'the else-if branch ran once, as in the original');
  } finally {
    delete globalThis[Symbol.for('memprof.probe')];
  }
});

test('a probe with no code before it since the previous one reuses that reading (n); a plain return lends its reading to the exit (t)', () => {
  const source = [
    'function kinds(items, f) {', // 1
    '  let total = 0;', // 2: right after the entry
    '  for (let i = 0; i < items.length; i++) {', // 3
    '    total += items[i];', // 4: right after the pass probe
    '  }', // 5
    '  for (const x of items) {', // 6
    '    if (x > 2) return x;', // 7
    '    return total;', // 8: leaving a for-of calls its iterator's return()
    '  }', // 9
    '  try {', // 10
    '    return total;', // 11: a finally runs before the exit
    '  } finally {', // 12
    '    f();', // 13
    '  }', // 14
    '}', // 15
    'function plain(a) {', // 16
    '  a.push(1);', // 17
    '  return a;', // 18
    '}', // 19
    'function called(a) {', // 20
    '  a.push(1);', // 21
    '  return a.concat([2]);', // 22
    '}', // 23
  ].join('\n');
  const k = probe(source, 'kinds');
  assert.deepStrictEqual(kindOf(k, 2), ['n'], `the first statement follows the entry:\n${k}`);
  assert.deepStrictEqual(kindOf(k, 3), ['l', 'l'], 'the loop statement and its pass');
  assert.deepStrictEqual(kindOf(k, 4), ['n'], "the body's first statement follows the pass probe");
  assert.deepStrictEqual(kindOf(k, 8), ['l'], 'a return inside a for-of runs its iterator');
  assert.ok(!kindOf(k, 11).includes('t'), 'a return inside a try with finally runs the finally');
  const p = probe(source, 'plain');
  assert.deepStrictEqual(kindOf(p, 18), ['t'], `return of a name runs no code:\n${p}`);
  assert.deepStrictEqual(kindOf(probe(source, 'called'), 22), ['l'], 'return of a call runs code');
  // Same behaviour, and every line counted.
  const lines = [];
  let exits = 0;
  globalThis[Symbol.for('memprof.probe')] = fakeProbes((event) => (event === 'exit' ? exits++ : lines.push(event)));
  try {
    const run = (text) => new Function(`${text}\nreturn [kinds, plain];`)();
    const [ok, op] = run(source);
    assert.deepStrictEqual(run(k)[0]([1, 2], () => {}), ok([1, 2], () => {}));
    assert.deepStrictEqual(lines, [2, 3, 3, 4, 3, 4, 6, 6, 7, 8], 'every line counted in order (a loop line: its start and each pass)');
    assert.strictEqual(exits, 1, 'one exit for the profiled call');
    lines.length = 0;
    assert.deepStrictEqual(run(p)[1]([]), op([]));
    assert.deepStrictEqual(lines, [17, 18], 'plain(): both lines counted');
    assert.strictEqual(exits, 2, 'plain() exits');
  } finally {
    delete globalThis[Symbol.for('memprof.probe')];
  }
});

test('a function that calls itself, whose returns run no code, has no try block: an exit before each return and after its last statement', () => {
  const source = [
    'function walk(node, out) {', // 1
    '  if (!node) return; // none', // 2: its line probed by the if: the exit alone before the return
    '  out.push(node.v);', // 3
    '  if (out.length > 9)', // 4
    '    return out;', // 5: a return probe that ends the call
    '  for (const c of node.kids) walk(c, out);', // 6
    '}', // 7
    'function fib(n) {', // 8
    '  if (n < 2) return n;', // 9
    '  return fib(n - 1) + fib(n - 2);', // 10: a return that runs code: the try/finally stays
    '}', // 11
    'function skip(n) { if (n) return; skip(n + 1); }', // 12: code after a return on its line
    'async function later(n) { if (n) await later(n - 1); }', // 13: async: suspends
    'function once(a) { a.push(1); }', // 14: does not call itself
    'function within(o) { with (o) { if (a) return; } within(o.b); }', // 15: a with body gets no probes
  ].join('\n');
  const w = probe(source, 'walk');
  assert.doesNotMatch(w, /try\{|finally/, `no try block:\n${w}`);
  assert.match(w.split('\n')[1], /^  if \(!node\) \{\$mp\$f\(\);return;\} \/\/ none$/);
  assert.deepStrictEqual(kindOf(w, 5), ['u'], 'the return probe ends the call');
  assert.match(w.split('\n')[5], /walk\(c, out\),\$mp\$f\(6,1\);\$mp\$f\(\)$/, 'the exit after the last statement, on its line');
  for (const name of ['fib', 'skip', 'later', 'once', 'within']) assert.match(probe(source, name), /try\{[^]*\}finally\{\$mp\$f\(\)\}/, `${name} keeps its try/finally`);
  // One exit per call, however it ends; the same result as unprobed.
  const events = [];
  globalThis[Symbol.for('memprof.probe')] = fakeProbes((event) => events.push(event));
  try {
    const tree = { v: 1, kids: [{ v: 2, kids: [null] }, { v: 3, kids: [] }] };
    const run = (text) => new Function(`${text}\nreturn walk;`)()(tree, []);
    assert.deepStrictEqual(run(w), run(source));
    assert.strictEqual(events.filter((e) => e === 'exit').length, 4, `4 calls (one with null), 4 exits: ${events}`);
    // A loop's line: at its start and after each pass (the pass probe follows the body on its line).
    assert.deepStrictEqual(events.join(' '), '2 3 4 6 2 3 4 6 2 exit 6 exit 6 2 3 4 6 exit 6 exit', 'every line counted, each call exited once');
  } finally {
    delete globalThis[Symbol.for('memprof.probe')];
  }
});
