'use strict';
// `npm run corpus`: instruments every function of every .js/.cjs/.mjs file under the
// project's node_modules and checks that V8 still compiles each file as it compiled it
// before (CommonJS as Node wraps it, ES modules as modules). Files V8 does not compile as
// they are (TypeScript sources, browser bundles with syntax Node lacks) are skipped.
//   node --experimental-vm-modules scripts/corpus.js [--sample N] [--root DIR]
// --sample N checks every k-th file of 4 KiB or more so that about N are checked (what `npm test` runs).
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const { instrumentEach, listFunctions, parseSource } = require('../dist/trace/instrument');
const { probeTarget } = require('../dist/trace/mapped-rows');
const { isModule } = require('../dist/util/run-script');

const args = process.argv.slice(2);
const option = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const root = path.resolve(option('--root') ?? path.join(__dirname, '..', 'node_modules'));
const sample = option('--sample') === undefined ? 0 : Number(option('--sample'));
if (!Number.isInteger(sample) || sample < 0) {
  process.stderr.write(`corpus: --sample needs a whole number, got ${option('--sample')}\n`);
  process.exit(2);
}
if (typeof vm.SourceTextModule !== 'function') {
  process.stderr.write('corpus: run with node --experimental-vm-modules (ES modules are compiled as modules)\n');
  process.exit(2);
}

function walk(dir, out) {
  let entries;
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (e.isFile() && /\.(c|m)?js$/.test(e.name)) out.push(p);
  }
  return out;
}

const CJS_PARAMS = ['exports', 'require', 'module', '__filename', '__dirname'];

/** The compile error of `code`, or null. */
function compileError(code, file, module) {
  try {
    if (module) new vm.SourceTextModule(code, { identifier: file });
    else vm.compileFunction(code, CJS_PARAMS, { filename: file });
    return null;
  } catch (err) {
    return err;
  }
}

// A sample skips files under 4 KiB (index files, re-exports, type stubs: most of a package
// like jest), so that what it checks is code; which packages are installed changes less.
const MIN_SAMPLED_BYTES = 4096;
const all = walk(root, []).sort();
const candidates = sample > 0 ? all.filter((f) => fs.statSync(f).size >= MIN_SAMPLED_BYTES) : all;
const step = sample > 0 ? Math.max(1, Math.floor(candidates.length / sample)) : 1;
const files = candidates.filter((f, i) => i % step === 0);
const totals = { files: 0, skipped: 0, functions: 0, refused: 0 };
const reasons = new Map();
const failures = [];
const started = Date.now();
for (const file of files) {
  const source = fs.readFileSync(file, 'utf8');
  const module = isModule(file);
  if (compileError(source, file, module)) {
    totals.skipped++;
    continue;
  }
  let program;
  try {
    program = parseSource(source, module);
  } catch {
    totals.skipped++;
    continue;
  }
  const fns = listFunctions(program);
  // A file with a source map gets original-line rows (a probe per statement, as -f gives it).
  const targets = fns.map((f) => {
    const { key, rows } = probeTarget(file, source, f);
    return { node: f.node, key, rows, insideWith: f.insideWith };
  });
  const { code, refused } = instrumentEach(source, targets);
  totals.files++;
  totals.functions += fns.length - refused.length;
  totals.refused += refused.length;
  for (const r of refused) reasons.set(r.reason.replace(/\b\w+\(\)/, 'f()'), (reasons.get(r.reason.replace(/\b\w+\(\)/, 'f()')) ?? 0) + 1);
  const lines = (text) => text.split(/\r\n|[\n\r\u2028\u2029]/).length;
  const err = compileError(code, file, module);
  if (err || lines(code) !== lines(source)) {
    failures.push(`${path.relative(root, file)}: ${err ? err.message : 'line count changed'}`);
  }
}
const seconds = ((Date.now() - started) / 1000).toFixed(1);
process.stdout.write(
  `corpus: ${totals.files} files compiled with ${totals.functions} functions instrumented (${totals.refused} refused), ` +
    `${totals.skipped} skipped (not compiled by V8 as they are), ${failures.length} broken, ${seconds} s\n`,
);
for (const [reason, n] of reasons) process.stdout.write(`  refused ${n}: ${reason}\n`);
for (const f of failures) process.stdout.write(`  BROKEN ${f}\n`);
process.exitCode = failures.length > 0 ? 1 : 0;
