import { UsageError } from '../../errors';
import { writeAllSync } from '../../util/write-sync';
import { checkWritable, writeFailure, writeFileAtomic } from '../../util/write-file';
import type { TopReport } from '../model';
import { formatTopPprof, formatTopSpeedscope } from './export';
import { formatTopHtml } from './html';
import { formatTopJson } from './json';
import { formatTopText } from './text';

// Where a `memprof top` / `attach --top` report goes, in which format.

export const TOP_FORMATS = ['text', 'json', 'html', 'pprof', 'speedscope'] as const;
export type TopFormat = (typeof TOP_FORMATS)[number];

/** The format an output name asks for (x.html, x.json, x.pb.gz, x.speedscope.json), else text. */
export function topFormatOf(file: string | undefined): TopFormat {
  const lower = file?.toLowerCase() ?? '';
  if (/\.html?$/.test(lower)) return 'html';
  if (lower.endsWith('.speedscope.json')) return 'speedscope';
  if (lower.endsWith('.json')) return 'json';
  if (/\.(pb|pprof)(\.gz)?$/.test(lower)) return 'pprof';
  return 'text';
}

/**
 * Throws a UsageError (exit 2) unless the report can go there: any document needs -o when
 * the program shares memprof's stdout (its output would corrupt it); pprof is binary and
 * needs a file; the file must be writable before the run, not found unwritable at its end.
 */
export function checkTopOutput(format: TopFormat, output: string | undefined, programShares: boolean): void {
  if (format === 'pprof' && (!output || output === '-')) throw new UsageError('--format pprof writes a binary file: name it with -o, e.g. -o heap.pb.gz');
  if (format !== 'text' && !output && programShares) {
    throw new UsageError(`--format ${format} needs -o <file>: the program's own output also goes to stdout and would corrupt the report (-o - prints it there anyway)`);
  }
  if (!output || output === '-') return;
  try {
    checkWritable(output);
  } catch (err) {
    throw new UsageError(`cannot write ${output}: ${writeFailure(err)}`);
  }
}

function formatTop(report: TopReport, format: TopFormat, rows: number): string | Uint8Array {
  switch (format) {
    case 'json':
      return formatTopJson(report);
    case 'html':
      return formatTopHtml(report);
    case 'pprof':
      return formatTopPprof(report);
    case 'speedscope':
      return `${formatTopSpeedscope(report)}\n`;
    default:
      return formatTopText(report, rows);
  }
}

/** Writes the report now (synchronously: at exit, in a signal handler). A failed write says one line and sets exit code 1. */
export function writeTopReport(report: TopReport, format: TopFormat, output: string | undefined, rows: number): void {
  const data = formatTop(report, format, rows);
  if (!output || output === '-') {
    writeAllSync(1, String(data));
    return;
  }
  try {
    writeFileAtomic(output, data);
    process.stderr.write(`memprof: report written to ${output}\n`);
  } catch (err) {
    // At exit: one line, not a stack trace.
    process.stderr.write(`memprof: cannot write ${output}: ${writeFailure(err)}\n`);
    if (!process.exitCode) process.exitCode = 1;
  }
}
