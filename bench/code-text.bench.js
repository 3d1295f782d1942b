'use strict';
// The lexer that tells code from comments, strings, template text and regular expressions
// (src/trace/code-text.ts: -f name in big files, the LiveEdit cost estimate, the ES module
// check), on acorn.js and typescript.js (9 MB), against acorn's tokenizer over the same file
// (what a lexer that knows the grammar costs), interleaved: median of the rounds, [min-max].
// Printed too: mayLoadEsModules on the same files (the lexer driven by import candidates).
const fs = require('node:fs');
const path = require('node:path');
const { performance } = require('node:perf_hooks');
const acorn = require('acorn');
const { nonCodeRanges } = require('../dist/trace/code-text.js');
const { mayLoadEsModules } = require('../dist/trace/esm-syntax.js');

const ROOT = path.join(__dirname, '..');
const ROUNDS = Number(process.env.BENCH_ROUNDS) || 7;
const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];
const range = (values) => `[${Math.min(...values).toFixed(1)}-${Math.max(...values).toFixed(1)}]`;

const files = [require.resolve('acorn', { paths: [ROOT] }).replace(/acorn\.mjs$/, 'acorn.js')];
try {
  files.push(require.resolve('typescript', { paths: [ROOT] }));
} catch {
  console.log('typescript.js left out: the typescript devDependency is not installed (npm ci)');
}

const timed = (fn) => {
  const start = performance.now();
  fn();
  return performance.now() - start;
};

for (const file of files) {
  const source = fs.readFileSync(file, 'utf8');
  const lexer = [];
  const tokenizer = [];
  const esm = [];
  for (let round = 0; round < ROUNDS; round++) {
    lexer.push(timed(() => nonCodeRanges(source)));
    tokenizer.push(timed(() => [...acorn.tokenizer(source, { ecmaVersion: 'latest', onComment: () => {} })]));
    esm.push(timed(() => mayLoadEsModules(source)));
  }
  console.log(`${path.basename(file)} (${(source.length / 1048576).toFixed(1)} MiB), ms, median of ${ROUNDS} [min-max]:`);
  console.log(`  nonCodeRanges     ${median(lexer).toFixed(1)} ${range(lexer)}  (first run ${lexer[0].toFixed(1)})`);
  console.log(`  acorn tokenizer   ${median(tokenizer).toFixed(1)} ${range(tokenizer)}`);
  console.log(`  mayLoadEsModules  ${median(esm).toFixed(1)} ${range(esm)}  (first run ${esm[0].toFixed(1)})`);
  console.log(`  lexer / tokenizer ${(median(lexer) / median(tokenizer)).toFixed(3)}`);
}
