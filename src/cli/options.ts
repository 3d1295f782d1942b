import { InvalidArgumentError } from 'commander';
import { UsageError } from '../errors';
import { BACKENDS, checkBackendName, type BackendName } from '../meter';
import { parseTolerance, type Tolerance } from '../check/tolerance';
import { parseSize } from '../units/size';
import { parseColumns, type ColumnName } from '../report/columns';

// commander option parsers shared by the subcommands. Each turns a bad value into
// commander's InvalidArgumentError, which the CLI prints as one line and exits 2.

function asArgumentError<T>(parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof UsageError) throw new InvalidArgumentError(err.message);
    throw err;
  }
}

export function sizeOption(value: string): number {
  return asArgumentError(() => parseSize(value));
}

export function backendOption(value: string): BackendName {
  return asArgumentError(() => checkBackendName(value));
}

/** A tolerance over a baseline: "5%" or a size ("2MiB"). */
export function toleranceOption(value: string): Tolerance {
  return asArgumentError(() => parseTolerance(value));
}

export function columnsOption(value: string): ColumnName[] {
  return asArgumentError(() => parseColumns(value));
}

export const BACKEND_CHOICES = BACKENDS.join('|');

export function nonNegativeIntOption(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('expected a whole number (0, 1, 2, ...)');
  return Number(value);
}

export function positiveIntOption(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) === 0) throw new InvalidArgumentError('expected a whole number above 0');
  return Number(value);
}

/** Seconds as a positive number: "0.01", "2". */
export function secondsOption(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) {
    throw new InvalidArgumentError('expected a number of seconds above 0, e.g. 0.1');
  }
  return n;
}
