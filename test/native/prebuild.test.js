'use strict';
// The two ways the addon is found: prebuilds/<platform>-<arch>/ (written by `npm run prebuild`,
// shipped by `npm pack`, loaded after an `--ignore-scripts` install with no compiler) and
// build/Release (a local node-gyp build). Works on copies, never on the checkout itself.
const test = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.join(__dirname, '..', '..');
const PLATFORM_DIR = `${process.platform}-${process.arch}`;
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
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

function which(cwd, target) {
  const result = spawnSync(process.execPath, ['-e', WHICH, target], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, MEMPROF_DISABLE_NATIVE: '' },
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

// `npm install --ignore-scripts --offline <tgz>` where the npm cache holds the dependencies'
// metadata; otherwise (a fresh CI cache after `npm ci`) the tarball is unpacked by hand and
// the dependencies are linked from this checkout: the package's own files are what is tested.
function installTarball(tarball, project, pkg, t) {
  const install = spawnSync(NPM, ['install', '--ignore-scripts', '--offline', '--no-audit', '--no-fund', tarball], {
    cwd: project,
    encoding: 'utf8',
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

test('npm run prebuild + npm pack + an --ignore-scripts install loads the prebuild, with no build/', { timeout: 120000 }, (t) => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'memprof-prebuild-'));
  try {
    const stage = path.join(tmp, 'stage');
    fs.mkdirSync(stage);
    const pkg = stagePackage(stage);
    execFileSync(NPM, ['run', 'prebuild', '--silent'], { cwd: stage, stdio: ['ignore', 'ignore', 'pipe'] });
    const prebuilt = path.join(stage, 'prebuilds', PLATFORM_DIR, `${pkg.name}.node`);
    assert.ok(fs.existsSync(prebuilt), `prebuildify wrote ${fs.readdirSync(path.join(stage, 'prebuilds', PLATFORM_DIR))}`);
    fs.rmSync(path.join(stage, 'build'), { recursive: true, force: true });

    // dist/ is already compiled (by the test script), so the pack skips `prepare`.
    const packed = JSON.parse(
      execFileSync(NPM, ['pack', '--ignore-scripts', '--json', '--pack-destination', tmp], { cwd: stage, encoding: 'utf8' }),
    )[0];
    const files = packed.files.map((file) => file.path);
    assert.ok(files.includes(`prebuilds/${PLATFORM_DIR}/${pkg.name}.node`), 'the tarball ships the prebuild');
    assert.ok(!files.some((file) => file.startsWith('build/')), 'the tarball ships no build/');

    const project = path.join(tmp, 'project');
    fs.mkdirSync(project);
    fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
    installTarball(path.join(tmp, packed.filename), project, pkg, t);
    const installed = path.join(project, 'node_modules', pkg.name);
    assert.ok(!fs.existsSync(path.join(installed, 'build')), 'nothing was compiled at install');

    const result = which(project, pkg.name);
    assert.equal(result.backend, 'native');
    assert.deepEqual(result.loaded, [fs.realpathSync(path.join(installed, 'prebuilds', PLATFORM_DIR, `${pkg.name}.node`))]);
    assert.ok(result.rss > 10 * 1024 ** 2 && result.latest > 10 * 1024 ** 2, JSON.stringify(result));

    // The install hook sees that the prebuild loads and compiles nothing.
    const install = spawnSync(process.execPath, ['scripts/install.js'], { cwd: installed, encoding: 'utf8' });
    assert.equal(install.status, 0, install.stderr);
    assert.ok(!fs.existsSync(path.join(installed, 'build')), 'install.js compiled although the prebuild loads');
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
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
const PREBUILT = path.join('prebuilds', PLATFORM_DIR, 'memprof.node');

test('a local build in build/Release loads when there is no prebuild, and a prebuild wins over it', { skip: !fs.existsSync(BUILT) && 'no local build' }, () => {
  inTempDir('memprof-build-', (tmp) => {
    stagePackage(tmp);
    const local = placeAddon(tmp, LOCAL);
    let result = which(tmp, tmp);
    assert.equal(result.backend, 'native');
    assert.deepEqual(result.loaded, [local]);

    const prebuilt = placeAddon(tmp, PREBUILT);
    result = which(tmp, tmp);
    assert.deepEqual(result.loaded, [prebuilt]);
  });
});

test('a prebuild that exists but does not load (another libc, say) gives way to build/Release', { skip: !fs.existsSync(BUILT) && 'no local build' }, () => {
  inTempDir('memprof-badprebuild-', (tmp) => {
    stagePackage(tmp);
    placeAddon(tmp, PREBUILT, 'not a shared object');
    const local = placeAddon(tmp, LOCAL);
    const result = which(tmp, tmp);
    assert.equal(result.backend, 'native');
    assert.deepEqual(result.loaded, [local]);

    // Without the local build the fallback line names the file that failed.
    fs.rmSync(path.join(tmp, 'build'), { recursive: true });
    const fallback = spawnSync(process.execPath, ['-e', 'console.log(require(process.argv[1]).createMeter().name)', tmp], {
      encoding: 'utf8',
      env: { ...process.env, MEMPROF_DISABLE_NATIVE: '' },
    });
    assert.equal(fallback.stdout.trim(), 'process');
    assert.match(fallback.stderr, /native addon could not be loaded \(.*prebuilds.*memprof\.node/);
    assert.equal(fallback.stderr.trim().split('\n').length, 1);
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
