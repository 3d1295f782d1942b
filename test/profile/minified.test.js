'use strict';
// Source-mapped and minified code (bundles such as marked's, TypeScript run by tsx): many
// statements share one generated line, and each row must be the original line that the
// statement's own generated position maps to.
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { memprof, parseTable, FIXTURES, MiB } = require('./helpers');
const { parseSource, listFunctions, instrument, functionKey, PROBE_GLOBAL } = require('../../dist/trace/instrument');

// esbuild comes with tsx (a dev dependency): it bundles and minifies the fixture as marked's build does.
const esbuild = require(require.resolve('esbuild', { paths: [path.dirname(require.resolve('tsx/package.json'))] }));

const LEXER = `import { Tokenizer, type Token } from './tokenizer';

export class Lexer {
  tokens: Token[] = [];
  private tokenizer = new Tokenizer();

  lex(src: string): Token[] {
    const lines = src.split('\\n');
    for (const line of lines) {
      const token = this.tokenizer.word(line);
      if (token) this.tokens.push(token);
    }
    const kept = new Array<number>(5_000_000).fill(7);
    this.tokens.push({ kind: 'end', text: String(kept.length) });
    return this.tokens;
  }

  fail(): never {
    const where = this.tokens.length;
    throw new Error(\`failed after \${where} tokens\`);
  }
}
`;

const TOKENIZER = `export interface Token { kind: string; text: string }

export class Tokenizer {
  count = 0;

  word(line: string): Token | null {
    this.count++;
    if (line.length === 0) return null;
    const text = line.trim();
    return { kind: 'word', text };
  }
}
`;

const MAIN = `import { Lexer } from './lexer';

declare const profile: (<F>(fn: F) => F) | undefined;
if (process.env.PROFILE_LEX) profile!(Lexer.prototype.lex);
const text = Array.from({ length: 1000 }, (_, i) => \`line \${i}\`).join('\\n');
const lexer = new Lexer();
console.log(\`tokens \${lexer.lex(text).length}\`);
try {
  lexer.fail();
} catch (err) {
  console.log((err as Error).stack!.split('\\n')[1].trim());
}
`;

/** The three sources bundled and minified into dir/out/<outName>, with the map as `sourcemap` says. */
function bundle(format, outName, sourcemap) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memprof-min-'));
  fs.writeFileSync(path.join(dir, 'lexer.ts'), LEXER);
  fs.writeFileSync(path.join(dir, 'tokenizer.ts'), TOKENIZER);
  fs.writeFileSync(path.join(dir, 'main.ts'), MAIN);
  const out = path.join(dir, 'out', outName);
  esbuild.buildSync({ entryPoints: [path.join(dir, 'main.ts')], bundle: true, minify: true, format, platform: 'node', sourcemap, outfile: out, logLevel: 'silent' });
  const code = fs.readFileSync(out, 'utf8');
  // The point of the fixture: lex() and word() are on one generated line with many statements.
  const line = code.split('\n').find((l) => l.includes('new Array(')) ?? '';
  assert.ok(/for\(.*this\.tokens\.push\(.*new Array\(.*this\.tokens\.push\(.*fail\(\)/.test(line), `the bundle is minified: lex's statements share a line: ${line}`);
  return { dir, out };
}

function functionsOf(r) {
  assert.strictEqual(r.code, 0, r.stderr);
  assert.match(r.stdout, /^tokens 1001$/m, 'the program ran');
  return JSON.parse(r.stdout.slice(r.stdout.indexOf('{'))).functions;
}

function row(fn, line) {
  return fn.lines.find((l) => l.line === line) ?? { line, occurrences: 0, missing: true };
}

/** lex()'s rows are lexer.ts lines 7-16, counted per statement. */
function checkLex(fn, dir) {
  assert.strictEqual(fn.file, path.join(dir, 'lexer.ts'));
  assert.strictEqual(fn.line, 7, 'the header row is the line of lex( in lexer.ts');
  assert.strictEqual(fn.calls, 1);
  assert.strictEqual(row(fn, 7).source, '  lex(src: string): Token[] {');
  assert.strictEqual(row(fn, 8).occurrences, 1, 'split');
  assert.strictEqual(row(fn, 9).occurrences, 1001, 'the loop line: once at its start, once per pass');
  assert.strictEqual(row(fn, 10).occurrences, 1000, 'the loop body');
  assert.strictEqual(row(fn, 11).occurrences, 1000, 'the if (a && in minified code)');
  const kept = row(fn, 13);
  assert.strictEqual(kept.source, '    const kept = new Array<number>(5_000_000).fill(7);');
  assert.ok(kept.increment > 25 * MiB, `line 13 keeps a 38 MiB array: its row has ${kept.increment / MiB} MiB`);
  // `return this.tokens.push(...),this.tokens`: two lines from one generated statement.
  assert.strictEqual(row(fn, 14).occurrences, 1, 'push: the first part of the joined return');
  assert.strictEqual(row(fn, 15).occurrences, 1, 'return: its last part');
  assert.ok(Math.abs(row(fn, 14).increment) < 4 * MiB, `line 14 allocates little: ${row(fn, 14).increment / MiB} MiB`);
  assert.deepStrictEqual(
    fn.lines.map((l) => l.line),
    [7, 8, 9, 10, 11, 12, 13, 14, 15, 16],
    'rows run from the header to its closing brace',
  );
}

test('a minified ES module bundle with its map beside it (as marked ships): rows are the original lines', () => {
  const { dir } = bundle('esm', 'bundle.mjs', true);
  try {
    const r = memprof(['-f', 'bundle.mjs:lex', '-f', 'bundle.mjs:word', '--format', 'json', '-o', '-', 'out/bundle.mjs'], { cwd: dir });
    const functions = functionsOf(r);
    const lex = functions.find((f) => f.name === 'lex');
    checkLex(lex, dir);
    const word = functions.find((f) => f.name === 'word');
    assert.strictEqual(word.file, path.join(dir, 'tokenizer.ts'), 'word() is in the other original file of the same bundle');
    assert.strictEqual(word.line, 6);
    assert.strictEqual(word.calls, 1000);
    // esbuild turns word's body into `return this.count++,t.length===0?null:{...}`.
    for (const line of [7, 8, 10]) assert.strictEqual(row(word, line).occurrences, 1000, `tokenizer.ts line ${line} once per call`);
    assert.strictEqual(row(word, 9).occurrences, 0, 'line 9 has no code of its own (esbuild inlined `text`)');
    assert.strictEqual(row(word, 10).source, "    return { kind: 'word', text };");
    // By its generated position: the selector names bundle.mjs's line and column, the rows lexer.ts's.
    const lines = fs.readFileSync(path.join(dir, 'out', 'bundle.mjs'), 'utf8').split('\n');
    const at = lines.findIndex((l) => l.includes('lex(t){'));
    assert.ok(at >= 0, 'esbuild kept the method name lex');
    const selector = `bundle.mjs:${at + 1}:${lines[at].indexOf('lex(t){') + 'lex('.length}`; // at its '('
    const byLine = memprof(['-f', selector, '--format', 'json', '-o', '-', 'out/bundle.mjs'], { cwd: dir });
    checkLex(functionsOf(byLine).find((f) => f.name === 'lex'), dir);
    assert.doesNotMatch(byLine.stderr, /never called|no function matching/, `${selector} is known to have run: ${byLine.stderr}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a minified CommonJS bundle with an inline map: the text table names lexer.ts and its lines', () => {
  const { dir } = bundle('cjs', 'bundle.cjs', 'inline');
  try {
    const r = memprof(['-f', 'bundle.cjs:lex', 'out/bundle.cjs'], { cwd: dir });
    assert.strictEqual(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Filename: lexer\.ts$/m);
    const rows = parseTable(r.stdout, 'lex');
    assert.strictEqual(rows[10].occ, 1000, 'lexer.ts line 10, once per pass');
    assert.strictEqual(rows[11].source, '      if (token) this.tokens.push(token);');
    assert.ok(rows[13].inc > 25, `line 13 keeps 38 MiB: ${rows[13].inc} MiB`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

for (const [format, outName] of [['cjs', 'bundle.cjs'], ['esm', 'bundle.mjs']]) {
  test(`profile() of a method of a minified bundle (${format}): one line saying why not and what works (-f)`, () => {
    // V8's LiveEdit diffs a changed line as a whole past 800 characters (and slides a short
    // one's edit past the method's brace): the edit lands on the module's own code.
    const { dir } = bundle(format, outName, true);
    try {
      const r = memprof(['out/' + outName], { cwd: dir, env: { ...process.env, PROFILE_LEX: '1' } });
      assert.strictEqual(r.code, 0, r.stderr);
      assert.match(r.stdout, /^tokens 1001$/m, 'the program runs as without memprof');
      assert.match(r.stderr, new RegExp(`^memprof: (cannot profile )?lex: its closing brace shares its line with other code \\(minified, or compiled by tsx\\), which V8's LiveEdit replaces only as a whole; -f ${outName.replace('.', '\\.')}:lex profiles it as the file loads;`, 'm'));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('stack traces through the source map name the same line and column profiled as not', () => {
  // The probes move the columns of a minified line; the probed code carries its map moved along.
  const { dir } = bundle('esm', 'bundle.mjs', true);
  try {
    const env = { ...process.env, NODE_OPTIONS: '--enable-source-maps' };
    const plain = require('node:child_process').spawnSync(process.execPath, ['out/bundle.mjs'], { cwd: dir, env, encoding: 'utf8' });
    const frame = /^at \S+ \((.*lexer\.ts:\d+:\d+)\)$/m.exec(plain.stdout);
    assert.ok(frame, `plain node names lexer.ts in the stack: ${plain.stdout}`);
    assert.match(frame[1], /lexer\.ts:20:11$/);
    const r = memprof(['-f', 'bundle.mjs:fail', '-f', 'bundle.mjs:lex', 'out/bundle.mjs'], { cwd: dir, env });
    assert.strictEqual(r.code, 0, r.stderr);
    assert.ok(r.stdout.includes(`(${frame[1]})`), `profiled, the frame is still ${frame[1]}: ${r.stdout.split('\n')[1]}`);
    assert.match(r.stdout, /^Filename: lexer\.ts$/m, 'fail() was profiled');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('memprof --import tsx -f: tsx emits a function per generated line; rows are the .ts lines', () => {
  const r = memprof(['--import', 'tsx', '-f', 'typed.ts:build', 'typed.ts']);
  assert.strictEqual(r.code, 0, r.stderr);
  assert.match(r.stdout, /^rows 1000$/m, 'the program ran');
  assert.match(r.stdout, /^Filename: typed\.ts$/m);
  const rows = parseTable(r.stdout, 'build');
  assert.strictEqual(rows[3].source, 'function build(n: number): Row[] {');
  assert.strictEqual(rows[4].occ, 1);
  assert.strictEqual(rows[5].occ, 1001, 'the loop line: start and 1000 passes');
  assert.ok(rows[6].inc > 25, `line 6 keeps 30 MiB: ${rows[6].inc} MiB`);
  assert.strictEqual(rows[7].occ, 1);
  // profile(build) in typed.ts meets a function already probed: no second table, no warning.
  assert.strictEqual(r.stdout.split(/^Filename: /m).length, 2, 'one table');
});

test('memprof --import tsx -f on an ES module (.mts, loaded through the load hooks)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memprof-tsx-'));
  try {
    fs.writeFileSync(path.join(dir, 'typed.mts'), fs.readFileSync(path.join(FIXTURES, 'typed.ts'), 'utf8').replace(/^declare const profile.*\nconst profiled = profile\(build\);\n/m, 'const profiled = build;\n'));
    fs.symlinkSync(path.join(__dirname, '..', '..', 'node_modules'), path.join(dir, 'node_modules'), 'dir');
    const r = memprof(['--import', 'tsx', '-f', 'typed.mts:build', 'typed.mts'], { cwd: dir });
    assert.strictEqual(r.code, 0, r.stderr);
    assert.match(r.stdout, /^rows 1000$/m, 'the program ran');
    const rows = parseTable(r.stdout, 'build');
    assert.strictEqual(rows[5].occ, 1001, 'the loop line is line 5 of the .mts file');
    assert.ok(rows[6].inc > 25, `line 6 keeps 30 MiB: ${rows[6].inc} MiB`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('statements joined by a minifier: each part probed by its own row, values unchanged', () => {
  // Rows given by a stand-in map: the line number written in a comment-free table by offset.
  const source = 'function f(a,b){let x=a(),y=b?null:{v:b};return g(),x&&h(y),y}';
  const rowsAt = new Map([
    [source.indexOf('let'), 2],
    [source.indexOf('y='), 3],
    [source.indexOf('b?'), 3],
    [source.indexOf('{v:'), 4],
    [source.indexOf('return'), 6],
    [source.indexOf('g()'), 5],
    [source.indexOf('x&&'), 6],
    [source.indexOf('h(y)'), 7],
    [source.lastIndexOf('y}'), 8],
  ]);
  const rows = { row: (node) => rowsAt.get(node.start) ?? null };
  const [fn] = listFunctions(parseSource(source));
  const probed = instrument(source, [{ node: fn.node, key: functionKey('/x.js', 'f', 1, 8, 0, '/x.ts'), rows }]);
  const events = [];
  const global = Symbol.for(PROBE_GLOBAL);
  // The frame probe (runtime.ts FrameProbe): $mp$f(line), $mp$f(-line), $mp$f(line, kind), $mp$f() the exit.
  const frame = (line) => (line !== undefined && events.push(Math.abs(line)), false);
  frame.s = (v) => v;
  frame.r = (v) => v;
  globalThis[global] = { e: () => frame };
  try {
    const calls = [];
    const run = new Function('g', 'h', `${probed}; return f;`)(() => calls.push('g'), (y) => calls.push(['h', y]));
    assert.strictEqual(run(() => 1, 2), null, 'the function returns what it returned');
    assert.deepStrictEqual(calls, ['g', ['h', null]]);
    assert.deepStrictEqual(events, [2, 3, 5, 6, 7, 8], 'one probe per original line, in the order the parts run');
    events.length = 0;
    calls.length = 0;
    assert.deepStrictEqual(run(() => 0, 0), { v: 0 });
    assert.deepStrictEqual(calls, ['g']);
    assert.deepStrictEqual(events, [2, 3, 4, 5, 6, 8], 'the other branches: h() not called, its line not counted');
  } finally {
    delete globalThis[global];
  }
});

test('marked (minified ESM with its map): Lexer.lex reads Lexer.ts, not the line of the bundle\'s first mapping', (t) => {
  let markedDir;
  try {
    markedDir = path.dirname(require.resolve('marked/package.json', { paths: [process.cwd(), __dirname] }));
  } catch {
    t.skip('marked is not installed (a dev dependency: npm install)');
    return;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memprof-marked-'));
  try {
    fs.symlinkSync(path.dirname(markedDir), path.join(dir, 'node_modules'), 'dir');
    fs.writeFileSync(
      path.join(dir, 'app.mjs'),
      "import { marked } from 'marked';\nconsole.log(marked.parse('# Title\\n\\nSome *text* and `code`.\\n\\n- a\\n- b\\n'.repeat(50)).length);\n",
    );
    const plain = require('node:child_process').spawnSync(process.execPath, ['app.mjs'], { cwd: dir, encoding: 'utf8' });
    const r = memprof(['-f', 'marked.esm.js:lex', '--format', 'json', '-o', '-', 'app.mjs'], { cwd: dir });
    assert.strictEqual(r.code, 0, r.stderr);
    assert.strictEqual(r.stdout.slice(0, r.stdout.indexOf('{')), plain.stdout, 'marked prints the same');
    const lexers = JSON.parse(r.stdout.slice(r.stdout.indexOf('{'))).functions.filter((f) => f.file.endsWith(`${path.sep}Lexer.ts`));
    assert.ok(lexers.length >= 1, `lex() rows name Lexer.ts: ${JSON.parse(r.stdout.slice(r.stdout.indexOf('{'))).functions.map((f) => f.file)}`);
    const lex = lexers.find((f) => /^\s*lex\(/.test(f.lines[0].source));
    assert.ok(lex, 'the instance method lex() has its own table');
    assert.ok(lex.lines.length > 5, `lex() spans its lines of Lexer.ts: ${lex.lines.length}`);
    assert.ok(lex.lines.filter((l) => l.occurrences > 0).length >= 4, 'several rows counted');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
