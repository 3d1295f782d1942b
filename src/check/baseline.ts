import { UsageError } from '../errors';
import { checkWritable, writeFailure, writeFailureExitCode, writeFileAtomic } from '../util/write-file';
import { isObject, readJsonFile } from '../util/json-file';
import { METRICS } from './verdict';

// The baseline file `memprof check --baseline <file>` compares with and
// `--update-baseline` records: the last accepted figures of each budget, in bytes.
//
// { "tool": "memprof", "format": 1,
//   "budgets": { "build": { "peakRss": 150994944, "peakHeap": 50331648, "peakExternal": 1048576 } } }

export interface BaselineEntry {
  peakRss?: number;
  peakHeap?: number;
  peakExternal?: number;
}

export type Baseline = Record<string, BaselineEntry>;

const FORMAT = 1;

/** Reads a baseline file; a missing file is null, a malformed one a UsageError naming the field. */
export function readBaseline(file: string): Baseline | null {
  const data = readJsonFile(file, 'baseline');
  if (data === undefined) return null;
  const fail = (field: string, problem: string): never => {
    throw new UsageError(`${file}: ${field}: ${problem} (record a new baseline with --update-baseline)`);
  };
  if (!isObject(data) || data.tool !== 'memprof') return fail('tool', 'not a memprof baseline');
  if (data.format !== FORMAT) return fail('format', `expected ${FORMAT}, found ${JSON.stringify(data.format)}`);
  if (!isObject(data.budgets)) return fail('budgets', 'expected an object');
  const baseline: Baseline = {};
  for (const [name, entry] of Object.entries(data.budgets)) {
    if (!isObject(entry)) return fail(`budgets.${name}`, 'expected an object');
    baseline[name] = {};
    for (const key of METRICS) {
      const value = entry[key];
      if (value === undefined || value === null) continue;
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
        return fail(`budgets.${name}.${key}`, 'expected a number of bytes');
      }
      baseline[name][key] = value;
    }
  }
  return baseline;
}

/** Writes the baseline (atomically): `updates` replace their budgets' entries, others stay. */
export function writeBaseline(file: string, previous: Baseline | null, updates: Baseline): void {
  const budgets: Baseline = { ...(previous ?? {}), ...updates };
  const sorted = Object.fromEntries(Object.keys(budgets).sort().map((name) => [name, budgets[name]]));
  try {
    writeFileAtomic(file, `${JSON.stringify({ tool: 'memprof', format: FORMAT, budgets: sorted }, null, 2)}\n`);
  } catch (err) {
    throw new UsageError(`cannot write baseline ${file}: ${writeFailure(err)}`, writeFailureExitCode(err));
  }
}

/** A UsageError now, before the budgets run, when the baseline could not be written after. */
export function checkBaselineWritable(file: string): void {
  try {
    checkWritable(file);
  } catch (err) {
    throw new UsageError(`cannot write baseline ${file}: ${writeFailure(err)}`);
  }
}
