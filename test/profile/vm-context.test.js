'use strict';
// profile() of functions that live in vm contexts: memprof loaded inside the context (as
// jest and vitest's vm pools load it: test/testing/runners.test.js runs the real runners), and
// memprof in the main context profiling a function made in a sandbox.
const test = require('node:test');
const assert = require('node:assert');
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const vm = require('node:vm');
const { profile, getResults } = require('../../dist');

const DIST = path.join(__dirname, '..', '..', 'dist');

function rows(name) {
  const fn = getResults().functions.find((f) => f.name === name);
  assert.ok(fn, `${name} was profiled`);
  return fn.lines.map((l) => [l.line, l.occurrences]);
}

test('a function made in another vm context, profiled from the main one, has its rows', () => {
  const sum = vm.runInNewContext('(function sumTo(n) {\n  let s = 0;\n  for (let i = 0; i < n; i++) s += i;\n  return s;\n})', {}, { filename: path.join(__dirname, 'sandbox-code.js') });
  assert.strictEqual(profile(sum, { report: 'none' }), sum);
  assert.strictEqual(sum(5), 10);
  assert.deepStrictEqual(rows('sumTo'), [[1, 1], [2, 1], [3, 6], [4, 1], [5, 0]]);
});

test('a vm context that forbids code from strings: profile() says why and the function runs as it was', () => {
  const script = `
    const context = vm.createContext({}, { codeGeneration: { strings: false } });
    const twice = vm.runInContext('(function twice(n) {\\n  return n * 2;\\n})', context, { filename: 'locked.js' });
    require(${JSON.stringify(DIST)}).profile(twice, { report: 'none' });
    console.log(twice(21));`;
  const r = spawnSync(process.execPath, ['-e', `const vm = require('node:vm');${script}`], { encoding: 'utf8', timeout: 30000 });
  assert.strictEqual(r.status, 0, r.stderr);
  assert.strictEqual(r.stdout, '42\n');
  assert.match(r.stderr, /^memprof: cannot profile twice: it belongs to another vm context, whose global memprof cannot reach; it runs unprofiled$/m);
});

test('memprof loaded inside a vm context (as jest loads it) profiles a function of that context', () => {
  // A module system inside the sandbox, as a runner's: memprof's files run in the context.
  const script = `
    const vm = require('node:vm');
    const Module = require('node:module');
    const path = require('node:path');
    const context = vm.createContext({ console, process, Buffer, setTimeout, clearTimeout, setInterval, clearInterval, queueMicrotask, performance });
    const cache = new Map();
    function load(file) {
      if (cache.has(file)) return cache.get(file).exports;
      if (file.endsWith('.json') || file.endsWith('.node') || !path.isAbsolute(file)) return require(file);
      const module = { exports: {} };
      cache.set(file, module);
      const wrapper = vm.runInContext(Module.wrap(require('node:fs').readFileSync(file, 'utf8')), context, { filename: file });
      const local = (request) => (Module.isBuiltin(request) ? require(request) : load(Module.createRequire(file).resolve(request)));
      local.resolve = (request) => Module.createRequire(file).resolve(request);
      wrapper.call(module.exports, module.exports, local, module, file, path.dirname(file));
      return module.exports;
    }
    const memprof = load(${JSON.stringify(path.join(DIST, 'index.js'))});
    const inside = vm.runInContext('(function inside(n) {\\n  const a = [];\\n  for (let i = 0; i < n; i++) a.push(i);\\n  return a.length;\\n})', context, { filename: 'inside.js' });
    memprof.profile(inside, { report: 'none' });
    inside(3);
    console.log(JSON.stringify(memprof.getResults().functions[0].lines.map((l) => [l.line, l.occurrences])));`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 30000 });
  assert.strictEqual(r.status, 0, r.stderr);
  assert.ok(!r.stderr.includes('cannot profile'), `profiled: ${r.stderr}`);
  assert.deepStrictEqual(JSON.parse(r.stdout), [[1, 1], [2, 1], [3, 4], [4, 1], [5, 0]]);
});
