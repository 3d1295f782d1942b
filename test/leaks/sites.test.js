'use strict';
// assertNoLeak's leak sites: the right line three calls below the tested function, what
// holds the objects, an empty list for clean code with a warm cache; same over 3 runs.
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const FIXTURES = path.join(__dirname, 'fixtures');
const run = (mode) =>
  JSON.parse(execFileSync(process.execPath, [path.join(FIXTURES, 'run-sites.js'), mode], { encoding: 'utf8' }));
const source = fs.readFileSync(path.join(FIXTURES, 'src', 'cache.js'), 'utf8').split('\n');
const LEAK_LINE = source.findIndex((line) => line.includes('Buffer.alloc(64 * 1024')) + 1;

for (let attempt = 1; attempt <= 3; attempt++) {
  test(`a leak three calls down is found at its line (run ${attempt} of 3)`, () => {
    const { name, message, sites } = run('leak');
    assert.strictEqual(name, 'MemoryLeakError');
    assert.ok(sites.length >= 1, `expected at least one leak site, got none; message: ${message}`);
    const [site] = sites;
    assert.deepStrictEqual([site.file, site.line, site.functionName], ['src/cache.js', LEAK_LINE, 'remember']);
    assert.ok(site.bytesPerIteration > 60 * 1024 && site.bytesPerIteration < 70 * 1024, `bytes per iteration ${site.bytesPerIteration}, expected about 64 KiB`);
    assert.ok(Math.abs(site.objectsPerIteration - 1) < 0.1, `objects per iteration ${site.objectsPerIteration}, expected 1`);
    assert.strictEqual(site.retainers.join(' → '), 'Map "entries" in module src/cache.js → Buffer');
    assert.ok(message.includes(`src/cache.js:${LEAK_LINE} remember()`), `the message names the site: ${message}`);
    for (let i = 1; i < sites.length; i++) assert.ok(sites[i - 1].bytesPerIteration >= sites[i].bytesPerIteration, 'sites are largest first');
  });

  test(`clean code with a warm cache has no leak site (run ${attempt} of 3)`, () => {
    const { leaked, sites } = run('clean');
    assert.strictEqual(leaked, false);
    assert.deepStrictEqual(sites, [], `expected no sites, got ${JSON.stringify(sites)}`);
  });
}
