import { UsageError } from '../errors';
import { toMiB } from '../units/size';
import type { FunctionResult, LineResult } from './results';

/** The figure columns of a line table, in the order they print (Line # and Line Contents
 * always frame them). */
export const COLUMNS = ['mem', 'increment', 'heap', 'external', 'other', 'peak', 'occurrences'] as const;
export type ColumnName = (typeof COLUMNS)[number];

export const COLUMN_HEADERS: Record<ColumnName, string> = {
  mem: 'Mem usage',
  increment: 'Increment',
  heap: 'Heap',
  external: 'External',
  other: 'Other',
  peak: 'Peak',
  occurrences: 'Occurrences',
};

/** memory_profiler's columns: the table when rows carry no split. */
export const PLAIN_COLUMNS: readonly ColumnName[] = ['mem', 'increment', 'peak', 'occurrences'];
/** The default with the split: Heap and External after Increment ("other" on request). */
export const SPLIT_COLUMNS: readonly ColumnName[] = ['mem', 'increment', 'heap', 'external', 'peak', 'occurrences'];

const SPLIT_ONLY: readonly ColumnName[] = ['heap', 'external', 'other'];

/** Parses "mem,increment,heap" (any order; printed in table order); a UsageError names the choices. */
export function parseColumns(text: string): ColumnName[] {
  const names = text.split(',').map((name) => name.trim()).filter((name) => name !== '');
  if (names.length === 0) throw new UsageError(`no columns given: choose from ${COLUMNS.join(', ')}`);
  for (const name of names) {
    if (!(COLUMNS as readonly string[]).includes(name)) {
      throw new UsageError(`unknown column "${name}": choose from ${COLUMNS.join(', ')}`);
    }
  }
  return COLUMNS.filter((name) => names.includes(name));
}

/** Whether the function's rows carry the heap/external split. */
export function hasSplit(fn: FunctionResult): boolean {
  return fn.lines.some((l) => l.heapIncrement !== undefined);
}

/** The columns a table shows: those asked for (split ones dropped where rows have no split), else the default. */
export function tableColumns(fn: FunctionResult, asked?: readonly ColumnName[]): readonly ColumnName[] {
  const split = hasSplit(fn);
  if (!asked) return split ? SPLIT_COLUMNS : PLAIN_COLUMNS;
  return split ? asked : asked.filter((name) => !SPLIT_ONLY.includes(name));
}

/** One cell's figure in bytes, or null for an empty cell. */
function figure(l: LineResult, column: Exclude<ColumnName, 'occurrences'>): number | null {
  if (l.occurrences === 0) return null;
  switch (column) {
    case 'mem':
      return l.mem;
    case 'increment':
      return l.increment;
    case 'heap':
      return l.heapIncrement ?? null;
    case 'external':
      return l.externalIncrement ?? null;
    case 'other':
      if (l.increment === null || l.heapIncrement == null || l.externalIncrement == null) return null;
      return l.increment - l.heapIncrement - l.externalIncrement;
    case 'peak':
      return l.peak;
  }
}

/** A cell's text: "12.3 MiB", the occurrence count, or '' for a line never executed. */
export function cellText(l: LineResult, column: ColumnName, precision: number): string {
  if (column === 'occurrences') return l.occurrences === 0 ? '' : String(l.occurrences);
  const bytes = figure(l, column);
  return bytes === null ? '' : `${toMiB(bytes, precision)} MiB`;
}
