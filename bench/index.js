'use strict';
// `npm run bench`: runs every bench/*.bench.js in turn, each in its own process so one
// area's allocations do not disturb another's figures. Each prints ratios measured side
// by side in its own run: absolute times on a shared machine mean little.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const only = process.argv.slice(2);
const files = fs
  .readdirSync(__dirname)
  .filter((f) => f.endsWith('.bench.js'))
  .filter((f) => only.length === 0 || only.some((o) => f.startsWith(o)))
  .sort();
let failed = false;
for (const file of files) {
  process.stdout.write(`\n## ${file.replace('.bench.js', '')}\n\n`);
  const r = spawnSync(process.execPath, ['--expose-gc', path.join(__dirname, file)], { stdio: 'inherit' });
  if (r.status !== 0) failed = true;
}
process.exitCode = failed ? 1 : 0;
