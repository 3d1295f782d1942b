'use strict';
// The Linux addon loads on the documented baseline (docs/install.md): it imports no glibc,
// libstdc++ or C++ ABI symbol versioned after glibc 2.28 / GCC 8, whatever it was built on.
const test = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.join(__dirname, '..', '..');
const BASELINE = { GLIBC: '2.28', GLIBCXX: '3.4.25', CXXABI: '1.3.11' };

function addonFiles() {
  const files = [path.join(ROOT, 'build', 'Release', 'memprof.node')];
  const prebuilds = path.join(ROOT, 'prebuilds', `linux-${process.arch}`);
  if (fs.existsSync(prebuilds)) {
    for (const name of fs.readdirSync(prebuilds)) if (name.endsWith('.node')) files.push(path.join(prebuilds, name));
  }
  return files.filter((file) => fs.existsSync(file));
}

function newer(version, baseline) {
  const a = version.split('.').map(Number);
  const b = baseline.split('.').map(Number);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  }
  return false;
}

/** The imported symbols whose version is newer than the baseline, as "name (LIB_x.y)". */
function tooNew(objdumpOutput) {
  const found = [];
  for (const line of objdumpOutput.split('\n')) {
    const match = /\*UND\*\s+\S+\s+\((GLIBC|GLIBCXX|CXXABI)_([0-9.]+)\)\s+(\S+)/.exec(line);
    if (match && newer(match[2], BASELINE[match[1]])) found.push(`${match[3]} (${match[1]}_${match[2]})`);
  }
  return found;
}

const objdump = spawnSync('objdump', ['--version'], { encoding: 'utf8' });
const skip =
  (process.platform !== 'linux' && 'the baseline is about glibc and libstdc++ (Linux)') ||
  (objdump.status !== 0 && 'objdump is absent (apt-get install binutils)') ||
  (addonFiles().length === 0 && 'no addon built (npm run build:native)');

test('the version check itself: a symbol newer than the baseline is found, an older one is not', () => {
  const sample = [
    '0000000000000000      DF *UND*\t0000000000000000 (GLIBC_2.34) pthread_cond_clockwait',
    '0000000000000000      DF *UND*\t0000000000000000 (GLIBC_2.3.2) pthread_cond_wait',
    '0000000000000000      DF *UND*\t0000000000000000 (GLIBCXX_3.4.30) _ZNSt18condition_variable4waitERSt11unique_lockISt5mutexE',
    '0000000000000000      DF *UND*\t0000000000000000 (GLIBCXX_3.4.21) _ZNSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEE9_M_createERmm',
  ].join('\n');
  assert.deepEqual(tooNew(sample), [
    'pthread_cond_clockwait (GLIBC_2.34)',
    '_ZNSt18condition_variable4waitERSt11unique_lockISt5mutexE (GLIBCXX_3.4.30)',
  ]);
});

test(`the Linux addon imports nothing newer than glibc ${BASELINE.GLIBC}, GLIBCXX_${BASELINE.GLIBCXX}, CXXABI_${BASELINE.CXXABI}`, { skip }, () => {
  for (const file of addonFiles()) {
    const result = spawnSync('objdump', ['-T', file], { encoding: 'utf8' });
    assert.equal(result.status, 0, `objdump -T ${file}: ${result.stderr}`);
    assert.match(result.stdout, /\(GLIBC_2\.[0-9.]+\)/, `objdump -T ${file} lists versioned glibc imports`);
    assert.deepEqual(tooNew(result.stdout), [], `${path.relative(ROOT, file)} imports symbols newer than the baseline`);
  }
});
