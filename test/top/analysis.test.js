'use strict';
// analyse() on a hand-made V8 SamplingHeapProfile: what each frame is charged, what is
// memprof's own, and the allocation tree's self/total bytes.
const assert = require('node:assert');
const path = require('node:path');
const { test } = require('node:test');
const { analyse, pickZoomTargets, addRetained, packageOf } = require('../../dist/top/analysis');
const { describe } = require('../../dist/top/report/text');

const OWN = '/opt/memprof';
const APP = '/home/u/app';
let nextId = 1;
function node(functionName, url, lineNumber, selfSize, children = []) {
  return { callFrame: { functionName, scriptId: url ? '42' : '0', url, lineNumber, columnNumber: 0 }, selfSize, id: nextId++, children };
}

function profile() {
  // root -> memprof launcher -> app top level -> main -> { build -> lodash -> (builtin push), probe (memprof) }
  //                                              -> fib -> fib (recursion)
  return {
    head: node('(root)', '', -1, 0, [
      node('load', `${OWN}/dist/util/run-script.js`, 70, 500, [
        node('', `${APP}/index.js`, 0, 100, [
          node('main', `${APP}/index.js`, 3, 1000, [
            node('build', `${APP}/index.js`, 10, 2000, [
              node('groupBy', `${APP}/node_modules/lodash/lodash.js`, 900, 5000, [node('push', '', -1, 700)]),
            ]),
            node('e', `${OWN}/dist/trace/runtime.js`, 300, 9999, [node('parse', `${OWN}/node_modules/acorn/dist/acorn.js`, 1, 9999)]),
            node('fib', `${APP}/index.js`, 20, 300, [node('fib', `${APP}/index.js`, 20, 200)]),
          ]),
        ]),
      ]),
      node('listOnTimeout', 'node:internal/timers', 500, 0, [node('tick', `${OWN}/dist/top/run.js`, 80, 4000, [node('post', 'node:inspector', 10, 3000)])]),
    ]),
    samples: [],
  };
}

test('frames are charged to functions, packages (with their caller) and callers of builtins; memprof stays out', () => {
  const a = analyse(profile(), { ownDirs: [`${OWN}/dist`, `${OWN}/node_modules`] });
  const by = Object.fromEntries(a.functions.map((f) => [f.package ? `pkg ${f.package}<-${f.caller ?? ''}` : f.name, f]));
  assert.deepStrictEqual(Object.keys(by).sort(), ['(top level)', 'build', 'fib', 'main', 'pkg lodash<-build'].sort(), `entries: ${Object.keys(by)}`);
  assert.strictEqual(by['pkg lodash<-build'].allocated, 5700, 'lodash with the push it called');
  assert.strictEqual(by['pkg lodash<-build'].file, path.join(APP, 'index.js'), "a package's file is its caller's");
  assert.strictEqual(by['pkg lodash<-build'].line, 11, "and its caller's line (1-based)");
  assert.strictEqual(by.build.allocated, 2000);
  assert.strictEqual(by.build.total, 7700, 'build with what it called');
  assert.strictEqual(by.fib.allocated, 500, 'both recursive frames');
  assert.strictEqual(by.fib.total, 500, 'recursion counted once in total');
  assert.strictEqual(by.main.total, 1000 + 7700 + 500, "main's total leaves out the probe's 19,998 bytes");
  assert.strictEqual(a.allocated, 100 + 1000 + 7700 + 500, 'memprof launcher (500), probe (19,998) and inspector (7,000) bytes left out');
  assert.strictEqual(a.stacks.total, a.allocated, 'the tree holds the same bytes');
  assert.deepStrictEqual(a.functions.map((f) => f.allocated), [...a.functions.map((f) => f.allocated)].sort((x, y) => y - x), 'sorted by allocated');
  // The tree: all -> (top level) -> main -> build -> lodash groupBy -> push.
  const top = a.stacks.children[0];
  assert.strictEqual(top.name, '(top level)');
  const main = top.children[0];
  assert.deepStrictEqual(main.children.map((c) => [c.name, c.self, c.total]), [['build', 2000, 7700], ['fib', 300, 500]]);
  assert.deepStrictEqual(main.children[0].children.map((c) => [c.name, c.self, c.total]), [['lodash groupBy', 5000, 5700]]);
});

test('zoom targets: a package stands for its caller; top level is never a target; retained joins by function', () => {
  const a = analyse(profile(), { ownDirs: [`${OWN}/dist`, `${OWN}/node_modules`] });
  const targets = pickZoomTargets(a, 2).map((k) => a.byKey.get(k).name);
  assert.deepStrictEqual(targets, ['build'], `lodash (by build) and build both zoom into build: ${targets}`);
  const three = pickZoomTargets(a, 5).map((k) => a.byKey.get(k).name);
  assert.ok(!three.includes('(top level)'), `no top level: ${three}`);
  const live = analyse(profile(), { ownDirs: [`${OWN}/dist`, `${OWN}/node_modules`] });
  addRetained(a, live);
  assert.strictEqual(a.functions.find((f) => f.name === 'build').retained, 2000, 'retained from the live profile, by function');
  assert.strictEqual(a.retained, a.allocated);
});

test('--include-deps ranks package functions themselves; package names', () => {
  const a = analyse(profile(), { ownDirs: [`${OWN}/dist`, `${OWN}/node_modules`], includeDeps: true });
  const groupBy = a.functions.find((f) => f.name === 'groupBy');
  assert.ok(groupBy && !groupBy.package && groupBy.allocated === 5700, `groupBy itself: ${JSON.stringify(groupBy)}`);
  assert.strictEqual(packageOf('/a/node_modules/@scope/pkg/x.js'), '@scope/pkg');
  assert.strictEqual(packageOf('/a/node_modules/x/node_modules/y/z.js'), 'y');
  assert.strictEqual(packageOf('/a/src/x.js'), null);
});

test("a nameless frame whose script was collected (line -1) is an anonymous function of unknown line, never the top level", () => {
  // V8 names no script a collected module's frames: memprof's capture gives them their URL
  // back, finds named functions by name, and leaves the nameless ones (arrow callbacks) at -1.
  const lost = (functionName, lineNumber, selfSize, children = []) => {
    const n = node(functionName, `${APP}/index.js`, lineNumber, selfSize, children);
    n.callFrame.columnNumber = lineNumber < 0 ? -1 : 0;
    return n;
  };
  const raw = {
    head: node('(root)', '', -1, 0, [
      node('Module._compile', 'node:internal/modules/cjs/loader', 1400, 0, [
        lost('', 0, 100, [
          lost('analyse', 7, 0, [
            node('mapValues', `${APP}/node_modules/lodash/lodash.js`, 13494, 0, [lost('', -1, 3000, [node('orderBy', `${APP}/node_modules/lodash/lodash.js`, 9684, 8000)])]),
          ]),
        ]),
      ]),
    ]),
    samples: [],
  };
  const a = analyse(raw, { ownDirs: [`${OWN}/dist`] });
  const by = Object.fromEntries(a.functions.map((f) => [f.package ? `pkg ${f.package}<-${f.caller ?? ''}` : f.name, f]));
  assert.deepStrictEqual(Object.keys(by).sort(), ['(anonymous)', '(top level)', 'pkg lodash<-(anonymous)'].sort(), `entries: ${Object.keys(by)}`);
  assert.strictEqual(by['(top level)'].allocated, 100, 'only the module body is the top level');
  assert.strictEqual(by['(anonymous)'].allocated, 3000, 'the callback is an anonymous function');
  assert.strictEqual(by['(anonymous)'].line, 0, 'whose line is unknown (0), not line 1');
  assert.strictEqual(describe(by['pkg lodash<-(anonymous)']), `lodash  (called by (anonymous), ${path.join(APP, 'index.js')})`, 'described without a line');
  const targets = pickZoomTargets(a, 5).map((k) => a.byKey.get(k).name);
  assert.deepStrictEqual(targets, [], `a function of unknown line cannot be instrumented: ${targets}`);
});
