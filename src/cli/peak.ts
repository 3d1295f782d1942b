import type { Command } from 'commander';
import { UsageError } from '../errors';
import { peakOf, readSampledDat, type Recording } from '../timeline/dat';
import { resolveProfiles } from '../timeline/files';
import { toFixedHalfEven } from '../units/fixed';

/** Highest MiB while `name` ran: samples inside its calls, and its entry and exit values. */
function functionPeak(rec: Recording, name: string): number {
  const spans = rec.funcs.filter((f) => f.name === name);
  if (spans.length === 0) return NaN;
  let best = -Infinity;
  for (const span of spans) best = Math.max(best, span.memStart, span.memEnd);
  const { times, mib } = rec.mem;
  for (let i = 0; i < times.length; i++) {
    if (mib[i] > best && spans.some((s) => s.start <= times[i] && times[i] <= s.end)) best = mib[i];
  }
  return best;
}

export function registerPeak(program: Command): void {
  program
    .command('peak')
    .description('print the peak memory of recordings (default: the newest in this directory)')
    .argument('[files...]', '.dat files or indices from `memprof list`')
    .option('--func <name>', 'the peak while this function ran (a FUNC name such as "script.work")')
    .action((files: string[], opts: { func?: string }) => {
      const resolved = resolveProfiles(files);
      if (files.length === 0) process.stderr.write('memprof: using the newest recording\n');
      for (const file of resolved) {
        // Each file is answered; any that cannot be makes the exit code 1.
        try {
          printPeak(readSampledDat(file, (text) => process.stderr.write(`memprof: ${text}\n`)), opts.func);
        } catch (err) {
          if (!(err instanceof UsageError)) throw err;
          process.stderr.write(`memprof: ${err.message}\n`);
          process.exitCode = 1;
        }
      }
    });
}

function printPeak(rec: Recording, func: string | undefined): void {
  const peak = func === undefined ? peakOf(rec.mem).mib : functionPeak(rec, func);
  if (Number.isNaN(peak)) {
    const names = [...new Set(rec.funcs.map((f) => f.name))];
    throw new UsageError(`${rec.file} has no function ${func}${names.length ? ` (it has ${names.join(', ')})` : ' (it has no FUNC records)'}`, 1);
  }
  process.stdout.write(`${rec.file}\t${toFixedHalfEven(peak, 3)} MiB\n`);
  for (const [pid, series] of rec.children) {
    process.stdout.write(`  Child ${pid}\t\t\t${toFixedHalfEven(peakOf(series).mib, 3)} MiB\n`);
  }
}
