import type { REPLServer } from 'node:repl';
import { memit } from '../measure/memit';
import { countProblem, MAX_COUNT } from '../units/count';
import { formatMiB } from '../units/size';
import { compileStatement } from './statement';
import { CommandLineError, parseCommandLine } from './options';

export const MEMIT_USAGE = '.memit [-r N] [-c] [-i SECONDS] <statement>';

function positiveInt(flag: string, value: string | true | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !/^\d+$/.test(value) || countProblem(Number(value), flag, 1)) {
    throw new CommandLineError(`option ${flag} expects a whole number from 1 to ${MAX_COUNT}, got ${String(value)}; usage: ${MEMIT_USAGE}`);
  }
  return Number(value);
}

function seconds(flag: string, value: string | true | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (typeof value !== 'string' || value === '' || !Number.isFinite(n) || n < 0.0001) {
    throw new CommandLineError(`option ${flag} expects seconds, at least 0.0001, got ${String(value)}; usage: ${MEMIT_USAGE}`);
  }
  return n;
}

/**
 * `.memit [-r N] [-c] [-i SECONDS] <statement>`: runs the statement N times (awaiting it)
 * and prints IPython's `peak memory: X MiB, increment: Y MiB`, then the heap and external
 * peak growth in parentheses.
 */
export async function runMemit(server: REPLServer, text: string): Promise<string> {
  const { flags, statement } = parseCommandLine(
    text,
    { '-r': { value: true }, '-c': { value: false }, '-i': { value: true } },
    MEMIT_USAGE,
  );
  const repeat = positiveInt('-r', flags.get('-r'), 1);
  const interval = seconds('-i', flags.get('-i'));
  const run = await compileStatement(server, statement);
  const result = await memit(run, { repeat, includeChildren: flags.has('-c'), interval });
  // IPython's line first (scripts parse it), then the split.
  return (
    `peak memory: ${formatMiB(result.peak, 2)}, increment: ${formatMiB(result.increment, 2)} ` +
    `(heap: ${formatMiB(result.heapIncrement, 2)}, external: ${formatMiB(result.externalIncrement, 2)})\n`
  );
}
