import { UsageError } from '../errors';
import type { BackendName } from '../meter';
import type { Tolerance } from '../check/tolerance';
import type { ColumnName } from '../report/columns';

// What a parser checks with loads when a value is parsed: `memprof app.js` loads none of it.
const size = (): typeof import('../units/size') => require('../units/size');

// commander option parsers shared by the subcommands. Each turns a bad value into
// commander's InvalidArgumentError, which the CLI prints as one line and exits 2.
// (commander loads with the first bad value: `memprof app.js` runs without it.)

/** commander's error for a bad option value. */
function invalidArgument(message: string): Error {
  const { InvalidArgumentError } = require('commander') as typeof import('commander');
  return new InvalidArgumentError(message);
}

function asArgumentError<T>(parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof UsageError) throw invalidArgument(err.message);
    throw err;
  }
}

export function sizeOption(value: string): number {
  return asArgumentError(() => size().parseSize(value));
}

/** A repeatable `--function` selector, checked as it is parsed. */
export function selectorOption(value: string, previous: string[]): string[] {
  // The selector parser brings the instrumenter (acorn): loaded only for -f.
  asArgumentError(() => (require('../trace/selectors') as typeof import('../trace/selectors')).parseSelector(value));
  return [...previous, value];
}

export function backendOption(value: string): BackendName {
  return asArgumentError(() => (require('../meter') as typeof import('../meter')).checkBackendName(value));
}

/** A tolerance over a baseline: "5%" or a size ("2MiB"). */
export function toleranceOption(value: string): Tolerance {
  return asArgumentError(() => (require('../check/tolerance') as typeof import('../check/tolerance')).parseTolerance(value));
}

export function columnsOption(value: string): ColumnName[] {
  return asArgumentError(() => (require('../report/columns') as typeof import('../report/columns')).parseColumns(value));
}

/** For an option's description: native|process|... */
export const backendChoices = (): string => (require('../meter') as typeof import('../meter')).BACKENDS.join('|');

export function nonNegativeIntOption(value: string): number {
  if (!/^\d+$/.test(value)) throw invalidArgument('expected a whole number (0, 1, 2, ...)');
  return Number(value);
}

export function positiveIntOption(value: string): number {
  const { countProblem, MAX_COUNT } = require('../units/count') as typeof import('../units/count');
  if (!/^\d+$/.test(value) || countProblem(Number(value), 'n', 1)) throw invalidArgument(`expected a whole number from 1 to ${MAX_COUNT}`);
  return Number(value);
}

/** Seconds as a positive number: "0.01", "2". */
export function secondsOption(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) {
    throw invalidArgument('expected a number of seconds above 0, e.g. 0.1');
  }
  return n;
}

/** Decimal places of MiB: 0 to MAX_PRECISION (toFixed throws past 100, at exit, losing the report). */
export function precisionOption(value: string): number {
  const n = /^\d+$/.test(value) ? Number(value) : NaN;
  const problem = size().precisionProblem(n);
  if (problem) throw invalidArgument(problem.replace(/, got .*/, ''));
  return n;
}

/** V8's mean bytes between heap samples: 32768 or 64KiB, from 1 KiB to 64 MiB. */
export function samplingIntervalOption(value: string): number {
  const bytes = /^\d+$/.test(value) ? Number(value) : sizeOption(value);
  if (!(bytes >= 1024 && bytes <= 64 * 1024 * 1024)) throw invalidArgument('expected bytes from 1024 to 64MiB, e.g. 32768 or 64KiB');
  return Math.round(bytes);
}
