import * as path from 'node:path';
import { getResults, profile, type ProfileResults } from '../trace/profile';
import { formatSize, formatSizeChange } from '../units/size';

// limitMemory({ lines: true }): profiles the function line by line while it runs once, so
// that when the limit is exceeded the message can name the lines that allocated. Opt-in:
// the default path never touches the tracer.

export interface LineAllocation {
  file: string;
  line: number;
  source: string;
  /** Bytes this line added during the measured run (sum over its executions), in the
   * figure the limit is on (external memory for metric 'external'). */
  increment: number;
  /** With the split, ranking by RSS: the line's V8 heap and external increments in the run. */
  heapIncrement?: number;
  externalIncrement?: number;
}

/** What the lines are ranked by: the meter's figure, or (with the split) external memory. */
export type LineFigure = 'rss' | 'heap' | 'external';

export interface LineTracker {
  /** The lines that allocated most during the run, largest first. */
  top(count: number): LineAllocation[];
  /** A few lines of text for an error message. */
  describe(count: number): string;
}

type Increments = Map<string, LineAllocation>;

// Functions this module has profiled, with their index in getResults().functions:
// profile() instruments once and for good.
const profiled = new WeakMap<object, number>();

/**
 * The rows that stand for lines: every executed body line; the header row (the whole
 * call's net increment) only for a function without body rows, an expression-bodied arrow.
 */
function lineRows(results: ProfileResults, figure: LineFigure): LineAllocation[] {
  const rows: LineAllocation[] = [];
  for (const fn of results.functions) {
    const executed = fn.lines.filter((row) => row.increment !== null);
    const body = executed.filter((row) => row.line !== fn.line);
    for (const row of body.length ? body : executed) {
      const split = row.heapIncrement != null && row.externalIncrement != null;
      const increment = figure === 'external' && split ? (row.externalIncrement as number) : (row.increment as number);
      const allocation: LineAllocation = { file: fn.file, line: row.line, source: row.source.trim(), increment };
      if (split && figure === 'rss') Object.assign(allocation, { heapIncrement: row.heapIncrement, externalIncrement: row.externalIncrement });
      rows.push(allocation);
    }
  }
  return rows;
}

const keyOf = (row: LineAllocation): string => `${row.file}:${row.line}`;

/** `row` minus what the same line had before the run (every figure the row carries). */
function since(row: LineAllocation, before: LineAllocation | undefined): LineAllocation {
  if (!before) return row;
  const out = { ...row, increment: row.increment - before.increment };
  if (out.heapIncrement !== undefined) out.heapIncrement -= before.heapIncrement ?? 0;
  if (out.externalIncrement !== undefined) out.externalIncrement -= before.externalIncrement ?? 0;
  return out;
}

function increments(results: ProfileResults, figure: LineFigure): Increments {
  const sums: Increments = new Map();
  for (const row of lineRows(results, figure)) {
    const seen = sums.get(keyOf(row));
    if (!seen) sums.set(keyOf(row), { ...row });
    else {
      seen.increment += row.increment;
      if (seen.heapIncrement !== undefined) seen.heapIncrement += row.heapIncrement ?? 0;
      if (seen.externalIncrement !== undefined) seen.externalIncrement += row.externalIncrement ?? 0;
    }
  }
  return sums;
}

/**
 * Profiles `fn` (in place: V8 LiveEdit swaps its code, so every reference runs probed
 * code) and remembers the per-line figures so far; the tracker reports what changed since.
 */
export function trackLines(fn: (...args: never[]) => unknown, figure: LineFigure): LineTracker {
  const backend = figure === 'heap' ? 'heap' : undefined;
  const untracked = (why: string): LineTracker => ({ top: () => [], describe: () => `(no line profile: ${why})` });
  let before: Increments;
  let callsBefore: number;
  try {
    if (!profiled.has(fn)) {
      const count = getResults().functions.length;
      profile(fn, { report: 'none', backend });
      // profile() says on stderr when V8 refuses; then no function was added.
      if (getResults().functions.length > count) profiled.set(fn, count);
    }
    const results = getResults();
    before = increments(results, figure);
    callsBefore = results.functions[profiled.get(fn) ?? -1]?.calls ?? 0;
  } catch (err) {
    return untracked((err as Error).message);
  }
  const index = profiled.get(fn);
  if (index === undefined) return untracked('V8 would not instrument the function (see stderr)');
  const noCalls =
    'the line profiler recorded no call of the function; it probes statements, and an arrow ' +
    'function with an expression body (() => expr) has none: give it a block body';
  const top = (count: number): LineAllocation[] =>
    lineRows(getResults(), figure)
      .map((row) => since(row, before.get(keyOf(row))))
      .filter((row) => row.increment > 0)
      .sort((a, b) => b.increment - a.increment)
      .slice(0, count);
  return {
    top,
    describe(count) {
      if (getResults().functions[index]?.calls === callsBefore) return `(no line profile: ${noCalls})`;
      const rows = top(count);
      if (rows.length === 0) return '(the line profiler saw no line of the function add memory)';
      const results = getResults();
      const external = figure === 'external' && results.functions.some((f) => f.lines.some((l) => l.externalIncrement != null));
      const kinds = (r: LineAllocation): string =>
        r.heapIncrement === undefined || r.externalIncrement === undefined
          ? ''
          : ` (heap ${formatSizeChange(r.heapIncrement)}, external ${formatSizeChange(r.externalIncrement)})`;
      const lines = rows.map((r) => `  ${path.relative(process.cwd(), r.file) || r.file}:${r.line}  +${formatSize(r.increment)}${kinds(r)}  ${r.source}`);
      const by = external ? 'external memory' : `${results.backend} meter`;
      return [`top lines by increment (${by}):`, ...lines].join('\n');
    },
  };
}
