import { displayPath } from '../util/display-path';
import { cellText, COLUMN_HEADERS, PLAIN_COLUMNS, tableColumns, type ColumnName } from './columns';
import type { FunctionResult } from './results';

// memory_profiler's layout with a Peak column after Increment:
// '{0:>6} {1:>12} {2:>12} {3:>12}  {4:>10}   {5}'
// Other column sets (the split) use narrower figure columns so that Heap and External fit
// with some source in 100 columns: 6 + 5 × 11 + 12 + 2 = 75 before the source. A column
// widens when a cell needs it (-1234.5 MiB, --precision 3), so every row stays aligned.

const MIN_WIDTH = 10;

function isPlain(columns: readonly ColumnName[]): boolean {
  return columns.length === PLAIN_COLUMNS.length && columns.every((c, i) => c === PLAIN_COLUMNS[i]);
}

function row(columns: readonly ColumnName[], widths: readonly number[], line: string, cells: string[], source: string): string {
  if (isPlain(columns)) {
    const [mem, inc, peak, occ] = cells;
    return `${line.padStart(6)} ${mem.padStart(12)} ${inc.padStart(12)} ${peak.padStart(12)}  ${occ.padStart(10)}   ${source}`.trimEnd();
  }
  return `${line.padStart(6)} ${cells.map((cell, i) => cell.padStart(widths[i])).join(' ')}  ${source}`.trimEnd();
}

function headerCells(columns: readonly ColumnName[]): string[] {
  return columns.map((c) => COLUMN_HEADERS[c]);
}

/** memory_profiler's header line (the table without the split). */
export const TEXT_HEADER = row(PLAIN_COLUMNS, [], 'Line #', headerCells(PLAIN_COLUMNS), 'Line Contents');

/** One function's table, as memory_profiler prints it (Filename line, header, rule, rows). A
 * file under the working directory is shown relative to it (reports shared or pasted show no
 * machine's paths); the JSON report's `file` stays absolute. */
export function formatFunctionText(fn: FunctionResult, precision = 1, asked?: readonly ColumnName[]): string {
  const columns = tableColumns(fn, asked);
  const cells = fn.lines.map((l) => columns.map((c) => cellText(l, c, precision)));
  const titles = headerCells(columns);
  const widths = columns.map((_, i) => Math.max(MIN_WIDTH, titles[i].length, ...cells.map((r) => r[i].length)));
  const head = row(columns, widths, 'Line #', titles, 'Line Contents');
  const lines = [`Filename: ${displayPath(fn.file)}`, '', head, '='.repeat(head.length)];
  fn.lines.forEach((l, i) => lines.push(row(columns, widths, String(l.line), cells[i], l.source)));
  return `${lines.join('\n')}\n\n\n`;
}

export function formatText(functions: readonly FunctionResult[], precision = 1, columns?: readonly ColumnName[]): string {
  return functions.map((fn) => formatFunctionText(fn, precision, columns)).join('');
}
