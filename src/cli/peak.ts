import type { Command } from 'commander';
import { peakOf, readDat, type Recording } from '../timeline/dat';
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
        const rec = readDat(file);
        const peak = opts.func === undefined ? peakOf(rec.mem).mib : functionPeak(rec, opts.func);
        if (Number.isNaN(peak) && opts.func !== undefined) {
          const names = [...new Set(rec.funcs.map((f) => f.name))];
          process.stderr.write(`memprof: ${file} has no function ${opts.func}${names.length ? ` (it has ${names.join(', ')})` : ''}\n`);
          process.stdout.write(`${file}\tNaN MiB\n`);
          continue;
        }
        if (Number.isNaN(peak)) {
          // mprof's "NaN MiB" line, with the reason, not a bare NaN a user has to decode.
          process.stderr.write(`memprof: ${file} has no MEM samples (the program ended before the first one)\n`);
        }
        process.stdout.write(`${file}\t${toFixedHalfEven(peak, 3)} MiB\n`);
        for (const [pid, series] of rec.children) {
          process.stdout.write(`  Child ${pid}\t\t\t${toFixedHalfEven(peakOf(series).mib, 3)} MiB\n`);
        }
      }
    });
}
