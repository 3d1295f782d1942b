// Kept apart from the instrumenter so the report and the runtime can use it without loading acorn.

/**
 * Line breaks as JavaScript counts them (acorn's loc and V8's line numbers): \r\n, \n, a lone
 * \r, U+2028 and U+2029. Rows are numbered this way, so their text must be split the same way.
 */
export const LINE_BREAK = /\r\n|[\n\r\u2028\u2029]/g;

/** From this size a file is big: its text is not kept, name selectors do not parse it whole. */
export const BIG_FILE = 1024 * 1024;

/** The source's lines, numbered as acorn and V8 number them. */
export function splitLines(source: string): string[] {
  return source.split(LINE_BREAK);
}

/**
 * Where each line of a text starts (lines as LINE_BREAK counts them): offset <-> line and
 * column in a big file without splitting it into strings.
 */
export class LineStarts {
  // A plain array in the V8 heap, not a typed array (external memory): tables built with
  // typed arrays changed when V8 freed a program's dropped Buffer (api.test.js: a 100 MiB
  // Buffer freed one profiled line later, a drop of 62 MiB in its row).
  private readonly starts: number[] = [0];

  constructor(readonly text: string) {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c > 13 && c < 0x2028) continue;
      if (c === 10 || c === 0x2028 || c === 0x2029 || (c === 13 && text.charCodeAt(i + 1) !== 10)) this.starts.push(i + 1);
    }
  }

  private get count(): number {
    return this.starts.length;
  }

  /** 0-based offset of a 1-based line and 0-based column (the text's end past its last line). */
  offset(line: number, column: number): number {
    if (line < 1) return column;
    return line > this.count ? this.text.length : this.starts[line - 1] + column;
  }

  /** The text of a 1-based line, without its line break ('' past the end). */
  lineText(line: number): string {
    if (line < 1 || line > this.count) return '';
    const start = this.starts[line - 1];
    let end = line < this.count ? this.starts[line] - 1 : this.text.length;
    if (line < this.count && this.text.charCodeAt(end) === 10 && this.text.charCodeAt(end - 1) === 13) end--;
    return this.text.slice(start, end);
  }

  /** 1-based line and 0-based column of an offset. */
  position(offset: number): { line: number; column: number } {
    let lo = 0;
    let hi = this.count - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - this.starts[lo] };
  }
}
