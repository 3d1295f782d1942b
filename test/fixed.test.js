'use strict';
// memprof promises mprof's output to the last digit (.dat lines, `peak`): Python's '%.Nf'
// rounds exact ties half to even, JavaScript's toFixed rounds them up.
const test = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const { toFixedHalfEven } = require('../dist/units/fixed.js');
const { memRecord, funcRecord } = require('../dist/timeline/dat.js');

// Python 3.11's '%.{d}f' % value for d = 0, 1, 2, 3, 4, 6 (written out from python3).
const PYTHON = [
  [153.8125, ['154', '153.8', '153.81', '153.812', '153.8125', '153.812500']],
  [0.0625, ['0', '0.1', '0.06', '0.062', '0.0625', '0.062500']],
  [2.5, ['2', '2.5', '2.50', '2.500', '2.5000', '2.500000']],
  [0.5, ['0', '0.5', '0.50', '0.500', '0.5000', '0.500000']],
  [1.5, ['2', '1.5', '1.50', '1.500', '1.5000', '1.500000']],
  [-2.5, ['-2', '-2.5', '-2.50', '-2.500', '-2.5000', '-2.500000']],
  [-0.0625, ['-0', '-0.1', '-0.06', '-0.062', '-0.0625', '-0.062500']],
  [0.125, ['0', '0.1', '0.12', '0.125', '0.1250', '0.125000']],
  [0.375, ['0', '0.4', '0.38', '0.375', '0.3750', '0.375000']],
  [1.0009765625, ['1', '1.0', '1.00', '1.001', '1.0010', '1.000977']],
  [100.00048828125, ['100', '100.0', '100.00', '100.000', '100.0005', '100.000488']],
  [9.995, ['10', '10.0', '9.99', '9.995', '9.9950', '9.995000']],
  [0.3125, ['0', '0.3', '0.31', '0.312', '0.3125', '0.312500']],
];
const DIGITS = [0, 1, 2, 3, 4, 6];

test('toFixedHalfEven prints what Python prints, ties included', () => {
  for (const [value, expected] of PYTHON) {
    DIGITS.forEach((d, i) => assert.equal(toFixedHalfEven(value, d), expected[i], `'%.${d}f' % ${value}`));
  }
});

test('.dat records round ties as mprof does (153.8125 MiB is MEM 153.812 at %.3f, FUNC at %.4f)', () => {
  const MiB = 1024 * 1024;
  // MiB / 128 is 0.0078125 MiB, a tie at %.6f; 0.03125 MiB a tie at %.4f.
  assert.equal(memRecord(MiB / 128, 1_700_000_000_000), 'MEM 0.007812 1700000000.0000\n');
  assert.equal(memRecord((3 * MiB) / 128, 1_700_000_000_000), 'MEM 0.023438 1700000000.0000\n');
  assert.equal(funcRecord('f', 153.8125 * MiB, 0, 0.03125 * MiB, 500, 0), 'FUNC f 153.8125 0.0000 0.0312 0.5000 0\n');
});

test('toFixedHalfEven agrees with python3 on thousands of MiB figures (multiples of 1/256 and 1/1024)', (t) => {
  const probe = spawnSync('python3', ['-c', 'print(1)'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    t.skip('python3 is not installed: the fixed table above still checks the ties');
    return;
  }
  const values = [];
  for (let i = 0; i < 4000; i++) values.push(i / 256, (i * 7919) / 1024, -i / 512, 1e6 + i / 128);
  const script = `import sys\nfor line in sys.stdin:\n    v = float(line)\n    print(' '.join('%.{}f'.format(d) % v for d in (0, 1, 2, 3, 4, 6)))\n`;
  const out = spawnSync('python3', ['-c', script], { input: values.map((v) => v.toString()).join('\n') + '\n', encoding: 'utf8' });
  assert.equal(out.status, 0, `python3 failed: ${out.stderr}`);
  const rows = out.stdout.trim().split('\n');
  assert.equal(rows.length, values.length, 'python3 printed one row per value');
  const mismatches = [];
  rows.forEach((row, k) => {
    const ours = DIGITS.map((d) => toFixedHalfEven(values[k], d)).join(' ');
    if (ours !== row) mismatches.push(`${values[k]}: python ${row} | memprof ${ours}`);
  });
  assert.deepEqual(mismatches.slice(0, 10), [], `${mismatches.length} of ${values.length} values differ`);
});
