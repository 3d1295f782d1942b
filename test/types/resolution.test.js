'use strict';
// A TypeScript consumer of the package, compiled with the real compiler under each module
// system a project uses: nodenext and node16 (both as CommonJS and as an ES module), bundler,
// and commonjs (node10 resolution, which reads typesVersions for memprof/testing and
// memprof/repl). Also the typed surface: @profile as a TypeScript 5 decorator and under
// experimentalDecorators, and `backend` as its union ('nativ' does not compile).
const test = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.join(__dirname, '..', '..');
const TSC = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

// Uses every entry point and checks types flow through (a wrong type is a compile error).
const CONSUMER = `
import memprofDefault, { profile, memit, createMeter, type BackendName, type ProfileResults } from 'memprof';
import { measureMemory, assertNoLeak, type MemoryMeasurement } from 'memprof/testing';
import { addCommands, type ReplCommandOptions } from 'memprof/repl';

const backend: BackendName = 'heap';
const wrapped: (n: number) => number = profile((n: number) => n + 1, { backend, report: 'none' });
const results: ProfileResults['backend'] = 'native';
const sameProfile: typeof profile = memprofDefault.profile;
const replOptions: ReplCommandOptions = {};
async function use(): Promise<MemoryMeasurement> {
  await memit(() => 1);
  await assertNoLeak(() => undefined);
  return measureMemory(() => new Array(10).fill(0));
}
export { wrapped, results, sameProfile, replOptions, use, createMeter, addCommands };
`;

// The same class under both decorator flavours (the compiler option tells them apart).
const DECORATED = `
import { profile } from 'memprof';
export class Service {
  @profile
  handle(n: number): number { return n * 2; }
}
`;

const MISSPELT_BACKEND = `
import { profile } from 'memprof';
profile(() => 1, { backend: 'nativ' });
`;

function project(files, compilerOptions) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memprof-types-'));
  fs.mkdirSync(path.join(dir, 'node_modules', '@types'), { recursive: true });
  fs.symlinkSync(ROOT, path.join(dir, 'node_modules', 'memprof'), 'dir');
  fs.symlinkSync(path.join(ROOT, 'node_modules', '@types', 'node'), path.join(dir, 'node_modules', '@types', 'node'), 'dir');
  const { type, ...options } = compilerOptions;
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, ...(type ? { type } : {}) }));
  fs.writeFileSync(
    path.join(dir, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { strict: true, noEmit: true, target: 'es2022', types: ['node'], ...options }, include: Object.keys(files) }),
  );
  for (const [name, source] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), source);
  return dir;
}

function compile(files, compilerOptions) {
  const dir = project(files, compilerOptions);
  try {
    const r = spawnSync(process.execPath, [TSC, '-p', dir], { encoding: 'utf8' });
    return { status: r.status, output: (r.stdout + r.stderr).replaceAll(dir + path.sep, '') };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const MATRIX = {
  'nodenext, CommonJS package': { module: 'nodenext', moduleResolution: 'nodenext' },
  'nodenext, ES module package': { module: 'nodenext', moduleResolution: 'nodenext', type: 'module' },
  'node16, CommonJS package': { module: 'node16', moduleResolution: 'node16' },
  'node16, ES module package': { module: 'node16', moduleResolution: 'node16', type: 'module' },
  bundler: { module: 'esnext', moduleResolution: 'bundler' },
  'commonjs (node10 resolution)': { module: 'commonjs', moduleResolution: 'node', esModuleInterop: true },
};

for (const [name, options] of Object.entries(MATRIX)) {
  test(`types resolve under ${name}: memprof, memprof/testing, memprof/repl`, () => {
    const r = compile({ 'consumer.ts': CONSUMER }, options);
    assert.equal(r.status, 0, `tsc (${name}) failed:\n${r.output}`);
  });
}

test('the ES module entry has ES module types (no "masquerading as CJS")', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  assert.equal(pkg.exports['.'].import.types, './dist/index.d.mts');
  assert.ok(fs.existsSync(path.join(ROOT, 'dist', 'index.d.mts')), 'dist/index.d.mts is built');
  const r = compile({ 'consumer.mts': "import memprof, { profile } from 'memprof';\nexport const same: typeof profile = memprof.profile;\n" }, MATRIX['nodenext, CommonJS package']);
  assert.equal(r.status, 0, r.output);
});

test('@profile type-checks as a TypeScript 5 decorator and under experimentalDecorators', () => {
  let r = compile({ 'service.ts': DECORATED }, MATRIX['nodenext, CommonJS package']);
  assert.equal(r.status, 0, `TypeScript 5 decorators:\n${r.output}`);
  r = compile({ 'service.ts': DECORATED }, { ...MATRIX['nodenext, CommonJS package'], experimentalDecorators: true });
  assert.equal(r.status, 0, `experimentalDecorators:\n${r.output}`);
});

test("a misspelt backend ('nativ') is a compile error", () => {
  const r = compile({ 'misspelt.ts': MISSPELT_BACKEND }, MATRIX.bundler);
  assert.notEqual(r.status, 0, 'tsc accepted backend: "nativ"');
  assert.match(r.output, /'"nativ"' is not assignable to type '.*"native"/);
});
