import * as path from 'node:path';
import { toMiB } from '../units/size';
import type { FunctionResult, LineResult } from './results';

// memory_profiler's layout with a Peak column after Increment:
// '{0:>6} {1:>12} {2:>12} {3:>12}  {4:>10}   {5}'

function row(line: string, mem: string, inc: string, peak: string, occ: string, source: string): string {
  return `${line.padStart(6)} ${mem.padStart(12)} ${inc.padStart(12)} ${peak.padStart(12)}  ${occ.padStart(10)}   ${source}`.trimEnd();
}

export const TEXT_HEADER = row('Line #', 'Mem usage', 'Increment', 'Peak', 'Occurrences', 'Line Contents');

function mib(bytes: number | null, precision: number): string {
  return bytes === null ? '' : `${toMiB(bytes, precision)} MiB`;
}

function lineRow(l: LineResult, precision: number): string {
  if (l.occurrences === 0) return row(String(l.line), '', '', '', '', l.source);
  return row(String(l.line), mib(l.mem, precision), mib(l.increment, precision), mib(l.peak, precision), String(l.occurrences), l.source);
}

/** A file under the working directory relative to it (reports shared or pasted show no
 * machine's paths); others, and the JSON report's `file`, stay absolute. */
function shownPath(file: string): string {
  if (!path.isAbsolute(file)) return file;
  const relative = path.relative(process.cwd(), file);
  return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file;
}

/** One function's table, as memory_profiler prints it (Filename line, header, rule, rows). */
export function formatFunctionText(fn: FunctionResult, precision = 1): string {
  const lines = [`Filename: ${shownPath(fn.file)}`, '', TEXT_HEADER, '='.repeat(TEXT_HEADER.length)];
  for (const l of fn.lines) lines.push(lineRow(l, precision));
  return `${lines.join('\n')}\n\n\n`;
}

export function formatText(functions: readonly FunctionResult[], precision = 1): string {
  return functions.map((fn) => formatFunctionText(fn, precision)).join('');
}
