'use strict';
// `npm run prebuild` (and `prepack`): builds this platform's prebuild into
// prebuilds/<platform>-<arch>/ with prebuildify (N-API, stripped; on Linux tagged with the
// libc, glibc or musl, which node-gyp-build matches at load). Fails naming what is missing
// rather than packing a tarball without an addon.
//   --if-stale   keep an existing prebuild that is newer than the native sources
//   --require=linux-x64,darwin-arm64,...   also fail unless these platforms are present
//                (the release workflow, after merging every platform's prebuilds/)
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const platformDir = `${process.platform}-${process.arch}`;
const args = process.argv.slice(2);

function fail(message) {
  process.stderr.write(`memprof prebuild: ${message}\n`);
  process.exit(1);
}

function onPath(name) {
  const dirs = (process.env.PATH ?? '').split(path.delimiter).filter(Boolean);
  const exts = process.platform === 'win32' ? ['.exe', '.cmd', '.bat', ''] : [''];
  return dirs.some((dir) => exts.some((ext) => fs.existsSync(path.join(dir, name + ext))));
}

/** What a compile needs and is not there, in words (empty where all is found). */
function missingTools() {
  if (process.platform === 'win32') return [];  // node-gyp finds Visual Studio itself
  const missing = [];
  if (!['python3', 'python'].some(onPath) && !process.env.PYTHON) missing.push('python3');
  if (!onPath('make')) missing.push('make');
  const cxx = process.env.CXX ? [process.env.CXX.split(' ')[0]] : ['c++', 'g++', 'clang++'];
  if (!cxx.some((c) => (path.isAbsolute(c) ? fs.existsSync(c) : onPath(c)))) missing.push(`a C++ compiler (${cxx.join(', ')})`);
  return missing;
}

function prebuilds(dir) {
  const full = path.join(root, 'prebuilds', dir);
  return fs.existsSync(full) ? fs.readdirSync(full).filter((f) => f.endsWith('.node')).map((f) => path.join(full, f)) : [];
}

function newestSource() {
  const sources = [path.join(root, 'binding.gyp'), ...fs.readdirSync(path.join(root, 'native')).map((f) => path.join(root, 'native', f))];
  return Math.max(...sources.map((f) => fs.statSync(f).mtimeMs));
}

const existing = prebuilds(platformDir);
const fresh = existing.length > 0 && Math.min(...existing.map((f) => fs.statSync(f).mtimeMs)) >= newestSource();
if (!(args.includes('--if-stale') && fresh)) {
  const missing = missingTools();
  if (missing.length > 0) fail(`cannot build the ${platformDir} addon: ${missing.join(', ')} not found on PATH`);
  let prebuildify;
  try {
    prebuildify = require.resolve('prebuildify/bin.js', { paths: [root] });
  } catch {
    fail('prebuildify is not installed (npm install, with dev dependencies)');
  }
  const flags = ['--napi', '--strip', ...(process.platform === 'linux' ? ['--tag-libc'] : [])];
  // prebuildify compiles in build/ and moves the addon out: a local build is rebuilt after.
  const localBuild = path.join(root, 'build', 'Release', 'memprof.node');
  const hadLocalBuild = fs.existsSync(localBuild);
  const result = spawnSync(process.execPath, [prebuildify, ...flags], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  if (result.status !== 0) fail(`prebuildify ${flags.join(' ')} failed (exit ${result.status}); its output is above`);
  if (prebuilds(platformDir).length === 0) fail(`prebuildify wrote nothing in prebuilds/${platformDir}`);
  if (hadLocalBuild && !fs.existsSync(localBuild)) {
    const nodeGyp = require.resolve('node-gyp/bin/node-gyp.js', { paths: [root] });
    const rebuilt = spawnSync(process.execPath, [nodeGyp, 'build'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
    if (rebuilt.status !== 0) fail('the local build (build/Release) could not be rebuilt after the prebuild');
  }
}

const required = (args.find((a) => a.startsWith('--require=')) ?? '').slice('--require='.length).split(',').filter(Boolean);
const absent = required.filter((dir) => prebuilds(dir).length === 0);
if (absent.length > 0) fail(`no prebuild for ${absent.join(', ')} in prebuilds/`);
for (const dir of fs.existsSync(path.join(root, 'prebuilds')) ? fs.readdirSync(path.join(root, 'prebuilds')) : []) {
  for (const file of prebuilds(dir)) process.stdout.write(`${path.relative(root, file)}\n`);
}
