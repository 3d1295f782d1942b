import { cellText, COLUMN_HEADERS, PLAIN_COLUMNS, tableColumns, type ColumnName } from './columns';
import type { FunctionResult } from './results';

// memory_profiler's layout with a Peak column after Increment:
// '{0:>6} {1:>12} {2:>12} {3:>12}  {4:>10}   {5}'
// Other column sets (the split) use narrower figure columns so that Heap and External fit
// with some source in 100 columns: 6 + 5 × 11 + 12 + 2 = 75 before the source.

function isPlain(columns: readonly ColumnName[]): boolean {
  return columns.length === PLAIN_COLUMNS.length && columns.every((c, i) => c === PLAIN_COLUMNS[i]);
}

function row(columns: readonly ColumnName[], line: string, cells: string[], source: string): string {
  if (isPlain(columns)) {
    const [mem, inc, peak, occ] = cells;
    return `${line.padStart(6)} ${mem.padStart(12)} ${inc.padStart(12)} ${peak.padStart(12)}  ${occ.padStart(10)}   ${source}`.trimEnd();
  }
  const figures = cells.map((cell, i) => (columns[i] === 'occurrences' ? cell.padStart(11) : cell.padStart(10))).join(' ');
  return `${line.padStart(6)} ${figures}  ${source}`.trimEnd();
}

function header(columns: readonly ColumnName[]): string {
  return row(columns, 'Line #', columns.map((c) => COLUMN_HEADERS[c]), 'Line Contents');
}

/** memory_profiler's header line (the table without the split). */
export const TEXT_HEADER = header(PLAIN_COLUMNS);

/** One function's table, as memory_profiler prints it (Filename line, header, rule, rows). */
export function formatFunctionText(fn: FunctionResult, precision = 1, asked?: readonly ColumnName[]): string {
  const columns = tableColumns(fn, asked);
  const head = header(columns);
  const lines = [`Filename: ${fn.file}`, '', head, '='.repeat(head.length)];
  for (const l of fn.lines) lines.push(row(columns, String(l.line), columns.map((c) => cellText(l, c, precision)), l.source));
  return `${lines.join('\n')}\n\n\n`;
}

export function formatText(functions: readonly FunctionResult[], precision = 1, columns?: readonly ColumnName[]): string {
  return functions.map((fn) => formatFunctionText(fn, precision, columns)).join('');
}
