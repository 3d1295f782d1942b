'use strict';
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const ts = require('typescript');
const { memprof, MiB } = require('./helpers');

const TS = `// compiled by the test: rows must name this file's lines
interface Options {
  size: number;
  label?: string;
}

type Sized = { length: number };

function work(options: Options): number {
  const buf: Sized = Buffer.alloc(options.size * 1024 * 1024, 1);
  const label: string = options.label ?? 'none';
  return buf.length + label.length;
}

declare const profile: <F>(fn: F) => F;
console.log(profile(work)({ size: 60 }));
`;

function compile(dir, inline) {
  const tsFile = path.join(dir, 'work.ts');
  fs.writeFileSync(tsFile, TS);
  const out = ts.transpileModule(TS, {
    fileName: 'work.ts',
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS, sourceMap: !inline, inlineSourceMap: inline, inlineSources: inline },
  });
  const jsFile = path.join(dir, 'work.js');
  let js = out.outputText;
  if (!inline) {
    fs.writeFileSync(path.join(dir, 'work.js.map'), out.sourceMapText);
    js = js.replace(/\/\/# sourceMappingURL=.*$/m, '//# sourceMappingURL=work.js.map');
  }
  fs.writeFileSync(jsFile, js);
  return { tsFile, jsFile };
}

for (const inline of [true, false]) {
  test(`rows name the TypeScript file, lines and text (${inline ? 'inline map' : 'map beside the file'})`, () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memprof-ts-'));
    try {
      const { tsFile, jsFile } = compile(dir, inline);
      // The compiled file's lines differ: the interface and type are gone.
      assert.notStrictEqual(fs.readFileSync(jsFile, 'utf8').split('\n').findIndex((l) => l.includes('Buffer.alloc')) + 1, 10);
      const r = memprof(['--format', 'json', '-o', '-', jsFile]);
      assert.strictEqual(r.code, 0, r.stderr);
      const [fn] = JSON.parse(r.stdout.slice(r.stdout.indexOf('{'))).functions;
      assert.strictEqual(fn.file, tsFile);
      assert.strictEqual(fn.line, 9);
      const alloc = fn.lines.find((l) => l.line === 10);
      assert.strictEqual(alloc.source, '  const buf: Sized = Buffer.alloc(options.size * 1024 * 1024, 1);');
      assert.strictEqual(alloc.occurrences, 1);
      assert.ok(Math.abs(alloc.increment - 60 * MiB) < 4 * MiB, `increment ${alloc.increment / MiB} MiB`);
      assert.strictEqual(fn.lines.find((l) => l.line === 11).source, "  const label: string = options.label ?? 'none';");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('a map in another folder: its sources are relative to the map (and its sourceRoot), not to the script', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memprof-mapdir-'));
  try {
    // dir/src/work.ts, dir/out/js/work.js, dir/maps/work.js.map naming "../src" + "work.ts"
    for (const d of ['src', 'out/js', 'maps']) fs.mkdirSync(path.join(dir, d), { recursive: true });
    const tsFile = path.join(dir, 'src', 'work.ts');
    fs.writeFileSync(tsFile, TS);
    const out = ts.transpileModule(TS, {
      fileName: 'work.ts',
      compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS, sourceMap: true },
    });
    const map = JSON.parse(out.sourceMapText);
    map.sourceRoot = '../src/';
    map.sources = ['work.ts'];
    fs.writeFileSync(path.join(dir, 'maps', 'work.js.map'), JSON.stringify(map));
    const jsFile = path.join(dir, 'out', 'js', 'work.js');
    fs.writeFileSync(jsFile, out.outputText.replace(/\/\/# sourceMappingURL=.*$/m, '//# sourceMappingURL=../../maps/work.js.map'));
    const r = memprof(['--format', 'json', '-o', '-', jsFile]);
    assert.strictEqual(r.code, 0, r.stderr);
    const [fn] = JSON.parse(r.stdout.slice(r.stdout.indexOf('{'))).functions;
    assert.strictEqual(fn.file, tsFile);
    assert.strictEqual(fn.lines.find((l) => l.line === 10).source, '  const buf: Sized = Buffer.alloc(options.size * 1024 * 1024, 1);');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

const DECORATED = `declare const profile: any;
class Builder {
  @profile
  build(n: number): number[] {
    const out: number[] = [];
    for (let i = 0; i < n; i++) out.push(i);
    return out;
  }
}
console.log(new Builder().build(4).length);
`;

/** Compiles DECORATED with `compilerOptions`, runs it under memprof, checks build()'s rows map to the .ts. */
function decoratedMethodProfiled(name, compilerOptions, emitted) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `memprof-${name}-`));
  try {
    const out = ts.transpileModule(DECORATED, {
      fileName: `${name}.ts`,
      compilerOptions: { module: ts.ModuleKind.CommonJS, inlineSourceMap: true, inlineSources: true, ...compilerOptions },
    });
    assert.match(out.outputText, emitted);
    fs.writeFileSync(path.join(dir, `${name}.js`), out.outputText);
    const r = memprof(['--format', 'json', '-o', '-', path.join(dir, `${name}.js`)]);
    assert.strictEqual(r.code, 0, r.stderr);
    assert.match(r.stdout, /^4$/m);
    const [fn] = JSON.parse(r.stdout.slice(r.stdout.indexOf('{'))).functions;
    assert.strictEqual(fn.name, 'build');
    assert.strictEqual(fn.file, path.join(dir, `${name}.ts`));
    const loop = fn.lines.find((l) => l.line === 6);
    assert.strictEqual(loop.source, '    for (let i = 0; i < n; i++) out.push(i);');
    assert.strictEqual(loop.occurrences, 5);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test('@profile as a TypeScript 5 method decorator, rows in the .ts file', () => {
  // __esDecorate: standard (not experimental) decorators.
  decoratedMethodProfiled('deco', { target: ts.ScriptTarget.ES2022 }, /__esDecorate/);
});

test('@profile under experimentalDecorators (prototype, key, descriptor): the method is profiled, rows in the .ts file', () => {
  decoratedMethodProfiled('legacy', { target: ts.ScriptTarget.ES2019, experimentalDecorators: true }, /__decorate\(/);
});
