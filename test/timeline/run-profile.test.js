'use strict';
// End to end: the line profiler's profile() in a script run by `memprof run` reports its
// calls to the recorder, which writes them as FUNC brackets.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { tempDir, memprof } = require('./helpers.js');
const { readDat } = require('../../dist/timeline/dat.js');

const SCRIPT = `
const build = profile(function build(n) {
  const parts = [];
  for (let i = 0; i < n; i++) parts.push(Buffer.alloc(10e6, 1));
  return parts;
});
const outer = profile(function outer() {
  const a = build(3);
  const b = build(5);
  return a.length + b.length;
});
console.log('result', outer());
`;

for (const ext of ['js', 'mjs']) {
  test(`memprof run of a .${ext} script: profile()d calls become FUNC brackets, no tables printed`, () => {
    const dir = tempDir();
    const file = path.join(dir, `work.${ext}`);
    fs.writeFileSync(file, SCRIPT);
    const out = path.join(dir, 'p.dat');
    const r = memprof(['run', '-E', '-o', out, file]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'result 8\n', 'the program prints its own output and no line table');
    const funcs = readDat(out).funcs;
    const outer = funcs.filter((f) => f.name === 'work.outer');
    const builds = funcs.filter((f) => f.name === 'work.build');
    assert.equal(outer.length, 1, JSON.stringify(funcs));
    assert.equal(builds.length, 2);
    assert.equal(outer[0].depth, 0);
    assert.deepEqual(builds.map((b) => b.depth), [1, 1]);
    for (const b of builds) assert.ok(outer[0].start <= b.start && b.end <= outer[0].end, 'nested in time');
    assert.ok(builds[0].end <= builds[1].start, 'in call order');
    assert.ok(builds[1].memEnd - builds[1].memStart > 40, `the second build holds 50 MB more: ${builds[1].memStart} -> ${builds[1].memEnd}`);
    assert.ok(outer[0].memEnd - outer[0].memStart > 65, 'outer holds both');
  });
}

test('memprof run: @profile as a legacy (experimentalDecorators) method decorator gives FUNC brackets, no table', () => {
  const dir = tempDir();
  const file = path.join(dir, 'deco.js');
  // What tsc --experimentalDecorators emits for `@profile work() {...}`.
  fs.writeFileSync(
    file,
    `var __decorate = function (decorators, target, key, desc) {
  var c = arguments.length, r = c < 3 ? target : desc === null ? desc = Object.getOwnPropertyDescriptor(target, key) : desc, d;
  for (var i = decorators.length - 1; i >= 0; i--) if (d = decorators[i]) r = (c < 3 ? d(r) : c > 3 ? d(target, key, r) : d(target, key)) || r;
  return c > 3 && r && Object.defineProperty(target, key, r), r;
};
class Job {
  work() {
    const a = Buffer.alloc(30 * 1024 * 1024, 1);
    return a.length;
  }
}
__decorate([profile], Job.prototype, 'work', null);
console.log('result', new Job().work());
`,
  );
  const out = path.join(dir, 'p.dat');
  const r = memprof(['run', '-E', '-o', out, file]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'result 31457280\n');
  assert.deepEqual(readDat(out).funcs.map((f) => f.name), ['deco.work']);
});
