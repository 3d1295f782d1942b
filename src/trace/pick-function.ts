import type { FoundFunction } from './instrument';

/** Where a function's header starts (its name, modifiers, or class included). */
export function headOf(f: FoundFunction): { start: number; line: number; column: number } {
  return f.head ?? { start: f.node.start, line: f.node.loc!.start.line, column: f.node.loc!.start.column };
}

/**
 * The function a position (1-based line, 0-based column) points at: the innermost whose text,
 * header included, holds it. A column anywhere in `static async name(a) {` or on the name of
 * `const parse = (s) =>` picks that function; so do the positions V8 gives a function
 * ([[FunctionLocation]], `--cpu-prof`: its parameters' '(', an arrow's first character) and a
 * stack trace's (inside the body).
 */
export function functionAt(all: readonly FoundFunction[], line: number, column: number): FoundFunction | undefined {
  let best: FoundFunction | undefined;
  let bestStart = -1;
  for (const f of all) {
    const head = headOf(f);
    const { end } = f.node.loc!;
    if (line < head.line || line > end.line) continue;
    if ((line === head.line && column < head.column) || (line === end.line && column >= end.column)) continue;
    if (head.start > bestStart || (head.start === bestStart && f.node.start > best!.node.start)) {
      best = f;
      bestStart = head.start;
    }
  }
  return best;
}

/**
 * The function a line points at: the outermost whose header starts on it (the row a report
 * gives the function: `function handler(req, res) { res.send(items.map((i) => i.name)) }` is
 * handler, not its arrow), else the innermost around the line.
 */
export function functionOfLine(all: readonly FoundFunction[], line: number): FoundFunction | undefined {
  let starting: FoundFunction | undefined;
  let around: FoundFunction | undefined;
  for (const f of all) {
    const head = headOf(f);
    if (head.line === line) {
      if (!starting || head.start < headOf(starting).start) starting = f;
    } else if (head.line < line && line <= f.node.loc!.end.line && (!around || f.node.start > around.node.start)) {
      around = f;
    }
  }
  return starting ?? around;
}
