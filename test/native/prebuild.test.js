'use strict';
// The ways the addon is found (node-gyp-build): build/Release (a local node-gyp build, as
// `npm rebuild` makes) first, then prebuilds/<platform>-<arch>/ with matching libc tags (written
// by `npm run prebuild` and by `prepack`, shipped by `npm pack`, loaded after an
// `--ignore-scripts` install with no compiler). Works on copies, never on the checkout itself.
const test = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.join(__dirname, '..', '..');
const PLATFORM_DIR = `${process.platform}-${process.arch}`;
// prebuildify --tag-libc on Linux: memprof.glibc.node or memprof.musl.node.
const LIBC = process.platform !== 'linux' ? '' : process.report.getReport().header.glibcVersionRuntime ? '.glibc' : '.musl';
const PREBUILD_NAME = `memprof${LIBC}.node`;
const NPM_CLI = path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js');
const BUILT = path.join(ROOT, 'build', 'Release', 'memprof.node');

// Prints which .node file `require(target)` loaded and whether the native backend is used.
const WHICH = `
  const memprof = require(process.argv[1]);
  const meter = memprof.createMeter();
  const sampler = new memprof.Sampler({ intervalMs: 1 }).start();
  sampler.stop();
  const loaded = Object.keys(require.cache).filter((file) => file.endsWith('.node'));
  console.log(JSON.stringify({ backend: meter.name, rss: meter.read(), latest: sampler.latest, loaded }));
`;

function which(cwd, target, env = {}) {
  const result = spawnSync(process.execPath, ['-e', WHICH, target], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, MEMPROF_DISABLE_NATIVE: '', ...env },
  });
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stderr, '', 'nothing on stderr when the addon loads');
  return JSON.parse(result.stdout);
}

// A copy of what `npm pack` ships (package.json "files"), with the checkout's node_modules.
function stagePackage(dir) {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  for (const entry of [...pkg.files, 'package.json']) {
    const from = path.join(ROOT, entry);
    if (entry.startsWith('prebuilds') || !fs.existsSync(from)) continue;
    fs.cpSync(from, path.join(dir, entry), { recursive: true });
  }
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  return pkg;
}

// What a fresh clone holds: the files git tracks (as they are in the work tree), no build/,
// dist/ or prebuilds/; the dependencies are linked from this checkout (no network).
function freshClone(dir) {
  const listed = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' });
  if (listed.status !== 0) return null;
  for (const file of listed.stdout.split('\0').filter(Boolean)) {
    const from = path.join(ROOT, file);
    if (!fs.existsSync(from)) continue;  // deleted in the work tree
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.copyFileSync(from, path.join(dir, file));
  }
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  return JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
}

// A PATH with node and nothing else: no compiler, no make, no python.
function nodeOnlyPath(tmp) {
  const bin = path.join(tmp, 'node-only-bin');
  fs.mkdirSync(bin);
  fs.symlinkSync(process.execPath, path.join(bin, path.basename(process.execPath)));
  return bin;
}

// `npm install --ignore-scripts --offline <tgz>` where the npm cache holds the dependencies'
// metadata; otherwise (a fresh CI cache after `npm ci`) the tarball is unpacked by hand and
// the dependencies are linked from this checkout: the package's own files are what is tested.
function installTarball(tarball, project, pkg, env, t) {
  const install = spawnSync(process.execPath, [NPM_CLI, 'install', '--ignore-scripts', '--offline', '--no-audit', '--no-fund', tarball], {
    cwd: project,
    encoding: 'utf8',
    env,
  });
  if (install.status === 0) return;
  t.diagnostic(`npm install --offline failed (${install.stderr.split('\n').find((line) => /npm (error|ERR)/.test(line)) ?? install.status}); unpacking the tarball instead`);
  const target = path.join(project, 'node_modules', pkg.name);
  fs.mkdirSync(target, { recursive: true });
  execFileSync('tar', ['-xzf', tarball, '-C', target, '--strip-components=1']);
  for (const dependency of Object.keys(pkg.dependencies)) {
    const link = path.join(project, 'node_modules', dependency);
    fs.mkdirSync(path.dirname(link), { recursive: true });
    fs.symlinkSync(path.join(ROOT, 'node_modules', dependency), link, 'dir');
  }
}

const packSkip =
  (spawnSync('git', ['-C', ROOT, 'rev-parse'], { stdio: 'ignore' }).status !== 0 && 'not a git checkout: there is no fresh clone to pack') ||
  (!fs.existsSync(NPM_CLI) && `npm is not at ${NPM_CLI}, where a PATH without a compiler can still run it`) ||
  (process.platform === 'win32' && 'the PATH without a compiler is built for POSIX');

test('npm pack in a fresh clone builds the prebuild (prepack); an --ignore-scripts install with no compiler on PATH loads it', { timeout: 300000, skip: packSkip }, (t) => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'memprof-pack-'));
  try {
    const clone = path.join(tmp, 'clone');
    fs.mkdirSync(clone);
    const pkg = freshClone(clone);
    assert.ok(!fs.existsSync(path.join(clone, 'prebuilds')) && !fs.existsSync(path.join(clone, 'dist')), 'the clone starts with no prebuilds/ and no dist/');
    assert.ok(!('node-gyp' in pkg.dependencies) && !('bindings' in pkg.dependencies), 'node-gyp (npm brings its own) and bindings are not runtime dependencies');
    assert.ok(!('@resvg/resvg-js' in pkg.dependencies) && '@resvg/resvg-js' in pkg.optionalDependencies, 'the PNG renderer is optional');

    const pack = spawnSync(process.execPath, [NPM_CLI, 'pack', '--json', '--pack-destination', tmp], { cwd: clone, encoding: 'utf8' });
    assert.equal(pack.status, 0, `npm pack: ${pack.stderr}`);
    const packed = JSON.parse(pack.stdout.slice(pack.stdout.indexOf('[')))[0];
    const files = packed.files.map((file) => file.path);
    assert.ok(files.includes(`prebuilds/${PLATFORM_DIR}/${PREBUILD_NAME}`), `the tarball ships prebuilds/${PLATFORM_DIR}/${PREBUILD_NAME}; it has ${files.filter((f) => f.startsWith('prebuilds/'))}`);
    assert.ok(!files.some((file) => file.startsWith('build/')), 'the tarball ships no build/');
    assert.ok(files.includes('dist/index.d.mts'), 'the ES module entry has its own types');
    // Stack traces into memprof resolve: every source map carries the sources it points to.
    const map = JSON.parse(fs.readFileSync(path.join(clone, 'dist', 'native.js.map'), 'utf8'));
    assert.equal(map.sourcesContent?.length, map.sources.length, 'dist/native.js.map inlines its sources');
    t.diagnostic(`tarball ${packed.filename}: ${packed.size} bytes packed, ${packed.unpackedSize} unpacked, ${packed.entryCount} files`);

    const bin = nodeOnlyPath(tmp);
    const env = { ...process.env, PATH: bin, CXX: '', CC: '' };
    for (const tool of ['c++', 'g++', 'make']) {
      assert.equal(spawnSync(tool, ['--version'], { env }).error?.code, 'ENOENT', `${tool} is not on the install's PATH`);
    }
    const project = path.join(tmp, 'project');
    fs.mkdirSync(project);
    fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
    installTarball(path.join(tmp, packed.filename), project, pkg, env, t);
    const installed = path.join(project, 'node_modules', pkg.name);
    assert.ok(!fs.existsSync(path.join(installed, 'build')), 'nothing was compiled at install');

    const result = which(project, pkg.name, { PATH: bin });
    assert.equal(result.backend, 'native');
    assert.deepEqual(result.loaded, [fs.realpathSync(path.join(installed, 'prebuilds', PLATFORM_DIR, PREBUILD_NAME))]);
    assert.ok(result.rss > 10 * 1024 ** 2 && result.latest > 10 * 1024 ** 2, `RSS read through the prebuild: ${result.rss}, sampler ${result.latest}`);

    // The install hook sees that the prebuild loads and compiles nothing.
    const install = spawnSync(process.execPath, ['scripts/install.js'], { cwd: installed, encoding: 'utf8', env });
    assert.equal(install.status, 0, install.stderr);
    assert.ok(!fs.existsSync(path.join(installed, 'build')), 'install.js compiled although the prebuild loads');
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

test('npm run prebuild with no compiler on PATH fails naming what is missing', { skip: process.platform === 'win32' && 'node-gyp finds Visual Studio itself' }, () => {
  inTempDir('memprof-nocompiler-', (tmp) => {
    const stage = path.join(tmp, 'stage');
    fs.mkdirSync(stage);
    stagePackage(stage);
    fs.cpSync(path.join(ROOT, 'scripts'), path.join(stage, 'scripts'), { recursive: true });
    const result = spawnSync(process.execPath, ['scripts/prebuild.js'], {
      cwd: stage,
      encoding: 'utf8',
      env: { ...process.env, PATH: nodeOnlyPath(tmp), CXX: '', PYTHON: '' },
    });
    assert.equal(result.status, 1);
    assert.match(result.stderr, new RegExp(`^memprof prebuild: cannot build the ${PLATFORM_DIR} addon: python3, make, a C\\+\\+ compiler \\(c\\+\\+, g\\+\\+, clang\\+\\+\\) not found on PATH\\n$`));
    assert.ok(!fs.existsSync(path.join(stage, 'prebuilds')), 'no prebuilds/ written');
  });
});

function inTempDir(prefix, fn) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  try {
    return fn(tmp);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

// Puts the checkout's built addon (or `contents`) at `relative` inside `dir`; returns its real path.
function placeAddon(dir, relative, contents) {
  const file = path.join(dir, relative);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  if (contents === undefined) fs.copyFileSync(BUILT, file);
  else fs.writeFileSync(file, contents);
  return fs.realpathSync(file);
}

const LOCAL = path.join('build', 'Release', 'memprof.node');
const PREBUILT = path.join('prebuilds', PLATFORM_DIR, PREBUILD_NAME);

test('a prebuild loads when there is no local build, and a local build (npm rebuild) wins over it', { skip: !fs.existsSync(BUILT) && 'no local build' }, () => {
  inTempDir('memprof-build-', (tmp) => {
    stagePackage(tmp);
    const prebuilt = placeAddon(tmp, PREBUILT);
    let result = which(tmp, tmp);
    assert.equal(result.backend, 'native');
    assert.deepEqual(result.loaded, [prebuilt]);

    const local = placeAddon(tmp, LOCAL);
    result = which(tmp, tmp);
    assert.deepEqual(result.loaded, [local]);
  });
});

test('a prebuild that exists but does not load: the warning gives the loader\'s whole reason and the file', { skip: !fs.existsSync(BUILT) && 'no local build' }, () => {
  inTempDir('memprof-badprebuild-', (tmp) => {
    stagePackage(tmp);
    const bad = placeAddon(tmp, PREBUILT, 'not a shared object');
    const fallback = spawnSync(process.execPath, ['-e', 'console.log(require(process.argv[1]).createMeter().name)', tmp], {
      encoding: 'utf8',
      env: { ...process.env, MEMPROF_DISABLE_NATIVE: '' },
    });
    assert.equal(fallback.stdout.trim(), 'process');
    const warning = fallback.stderr.split('\n').filter((line) => /Warning:/.test(line));
    assert.equal(warning.length, 1, fallback.stderr);
    assert.ok(warning[0].includes(`native addon could not be loaded (${bad}: `), `the warning names ${bad}: ${warning[0]}`);
    assert.match(warning[0], /(invalid ELF header|file too short|not a valid)/, 'with the loader\'s reason');
  });
});

test('the install hook: a failed compile is a warning and a fallback, or a failure with MEMPROF_REQUIRE_NATIVE=1', { skip: process.platform === 'win32' && 'uses CXX=false to make the compile fail' }, () => {
  inTempDir('memprof-install-', (tmp) => {
    stagePackage(tmp);
    const env = { ...process.env, CXX: 'false', CC: 'false', MEMPROF_REQUIRE_NATIVE: '' };
    let result = spawnSync(process.execPath, ['scripts/install.js'], { cwd: tmp, encoding: 'utf8', env });
    assert.equal(result.status, 0, 'a failed compile does not fail the install');
    assert.match(result.stderr, /memprof: building the native addon failed; memprof will use the slower "process" backend/);
    assert.match(result.stderr, /npm rebuild memprof/);
    result = spawnSync(process.execPath, ['scripts/install.js'], { cwd: tmp, encoding: 'utf8', env: { ...env, MEMPROF_REQUIRE_NATIVE: '1' } });
    assert.equal(result.status, 1);
  });
});
