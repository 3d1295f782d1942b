import type * as acorn from 'acorn';
import { scanOf } from './find-by-name';
import { listFunctions, PARSE_BASE, type AnyNode, type FoundFunction } from './instrument';
import { parserAt } from './parser-at';
import { functionAt, functionOfLine } from './pick-function';

/**
 * The function a `file.js:line` or `file.js:line:column` selector picks in a big file, found
 * without parsing the whole file (typescript.js: a full parse takes seconds and hundreds of
 * MiB). From the position outwards, each enclosing `{` that holds statements (a function's
 * body, a block) is tried: the statements of that level around the position are parsed alone,
 * from the last place a statement surely starts (after a `;`, or a declaration's keyword
 * after `;`, `{` or `}`), and the selector's rule is applied to the functions they hold. No
 * function there: the next level out (the function whose body it was is among its
 * statements). Undefined when no function is there at all; null when this cannot tell and
 * the full parse must (a level that does not parse alone, up to the top).
 */
export function findFunctionAt(source: string, line: number, column: number | undefined, module?: boolean): FoundFunction | null | undefined {
  const { skip, lines } = scanOf(source);
  const lineText = lines.lineText(line);
  if (column !== undefined && column > lineText.length) return null;
  const lineStart = lines.offset(line, 0);
  const from = column === undefined ? lineStart : lineStart + column;
  const to = column === undefined ? lineStart + lineText.length : from;
  if (lastSource !== source || !lastBrackets) {
    lastSource = source;
    lastBrackets = new Brackets(source, skip);
  }
  const code = new CodeReader(source, skip, lastBrackets);
  const pick = (list: FoundFunction[]): FoundFunction | undefined => (column === undefined ? functionOfLine(list, line) : functionAt(list, line, column));
  // The outermost bracket around `from` inside the level tried: its statement is looked for before it.
  let inner = from;
  let innerOpen = code.enclosing(from);
  for (let open = code.enclosing(to); ; open = code.enclosing(open)) {
    if (open >= from) continue; // opened after the line's start: does not hold the whole line
    if (open >= 0 && (source[open] !== '{' || !isStatementList(source, code, open))) continue;
    while (innerOpen > open) {
      inner = innerOpen;
      innerOpen = code.enclosing(inner);
    }
    const starts = [boundaryBefore(source, code, inner, open)];
    if (starts[0] !== open + 1) starts.push(open + 1);
    let parsed = false;
    for (const start of starts) {
      const statements = parseStatements(source, lines, start, to, open < 0, module);
      if (!statements) continue;
      parsed = true;
      const found = pick(listFunctions({ type: 'Program', body: statements, sourceType: 'script', start, end: to } as unknown as acorn.Program));
      if (found) return found;
      break;
    }
    if (open < 0) return parsed ? undefined : null;
  }
}

/** Every pair of brackets in a file's code, with the pair around each: which bracket holds a place, at once. */
class Brackets {
  private opens = new Int32Array(1024);
  private closes = new Int32Array(1024);
  private parents = new Int32Array(1024);
  private count = 0;

  constructor(text: string, skip: number[]) {
    const n = text.length;
    const stack: number[] = [];
    let r = 0;
    for (let i = 0; i < n; i++) {
      if (r * 2 < skip.length && i === skip[r * 2]) {
        i = skip[r * 2 + 1] - 1;
        r++;
        continue;
      }
      const c = text.charCodeAt(i);
      if (c === 40 || c === 91 || c === 123) {
        if (this.count === this.opens.length) this.grow();
        this.opens[this.count] = i;
        this.closes[this.count] = n; // until closed
        this.parents[this.count] = stack.length > 0 ? stack[stack.length - 1] : -1;
        stack.push(this.count++);
      } else if ((c === 41 || c === 93 || c === 125) && stack.length > 0) {
        this.closes[stack.pop()!] = i;
      }
    }
  }

  private grow(): void {
    for (const key of ['opens', 'closes', 'parents'] as const) {
      const bigger = new Int32Array(this[key].length * 2);
      bigger.set(this[key]);
      this[key] = bigger;
    }
  }

  /** The pair whose opening bracket is the last before `at`, or -1. */
  private lastOpenBefore(at: number): number {
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.opens[mid] < at) lo = mid + 1;
      else hi = mid;
    }
    return lo - 1;
  }

  /** The opening bracket of the innermost pair around `at`, or -1. */
  enclosing(at: number): number {
    let k = this.lastOpenBefore(at);
    while (k >= 0 && this.closes[k] < at) k = this.parents[k];
    return k < 0 ? -1 : this.opens[k];
  }

  /** The opening bracket of the closing one at `close`, or -1. */
  matching(close: number): number {
    let k = this.lastOpenBefore(close);
    while (k >= 0 && this.closes[k] < close) k = this.parents[k];
    return k >= 0 && this.closes[k] === close ? this.opens[k] : -1;
  }
}

let lastSource = '';
let lastBrackets: Brackets | null = null;

/** Drops the brackets kept for the next selector (a big file's worth of memory). */
export function forgetBrackets(): void {
  lastSource = '';
  lastBrackets = null;
}

/** Reads a file's code backwards: comments, strings, templates and regular expressions skipped. */
class CodeReader {
  constructor(
    private readonly text: string,
    private readonly skip: number[],
    private readonly brackets: Brackets,
  ) {}

  /** The last code character before `at` that is not white space, or -1. */
  before(at: number): number {
    return this.from(at).prev();
  }

  /** A cursor that steps back through the code before `at`. */
  from(at: number): { prev(): number; skipTo(at: number): void } {
    const { text, skip } = this;
    let i = at;
    // The last skipped range starting at or before i: stepping back, i meets a range's end before its start.
    let r = this.rangeAt(at - 1);
    return {
      prev(): number {
        i--;
        while (i >= 0) {
          if (r >= 0 && i < skip[r * 2 + 1]) {
            i = skip[r * 2] - 1;
            r--;
            continue;
          }
          const c = text.charCodeAt(i);
          if (c === 32 || c === 10 || c === 13 || c === 9 || c === 11 || c === 12 || c === 0xa0 || c === 0xfeff || c === 0x2028 || c === 0x2029) {
            i--;
            continue;
          }
          return i;
        }
        return -1;
      },
      /** Goes back to `to`: the next prev() is the code before it. */
      skipTo: (to: number): void => {
        i = to;
        r = this.rangeAt(to - 1);
      },
    };
  }

  /** The index of the last skipped range starting at or before `at`, or -1. */
  private rangeAt(at: number): number {
    let lo = 0;
    let hi = this.skip.length / 2;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.skip[mid * 2] <= at) lo = mid + 1;
      else hi = mid;
    }
    return lo - 1;
  }

  /** The matching opening bracket of the closing one at `close`, or -1. */
  matching(close: number): number {
    return this.brackets.matching(close);
  }

  /** The innermost bracket open around `at` (before it), or -1 at the top level. */
  enclosing(at: number): number {
    return this.brackets.enclosing(at);
  }

  /** The word (identifier or keyword) that ends at `last`, or ''. */
  wordEndingAt(last: number): string {
    let i = last;
    while (i >= 0 && isWordChar(this.text.charCodeAt(i))) i--;
    return this.text.slice(i + 1, last + 1);
  }
}

function isWordChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 36 || c > 127;
}

/** Whether the `{` at `open` holds statements: a function's body or a block (not an object, class or switch). */
function isStatementList(text: string, code: CodeReader, open: number): boolean {
  const prev = code.before(open);
  if (prev < 0) return true;
  const c = text[prev];
  if (c === ';' || c === '{' || c === '}') return true;
  if (c === '>' && text[prev - 1] === '=') return true;
  if (c === ')') {
    const paren = code.matching(prev);
    const word = paren < 0 ? '' : code.wordEndingAt(code.before(paren));
    // A with body resolves names through its object: parsed with its with (see insideWith).
    return paren >= 0 && word !== 'switch' && word !== 'with';
  }
  return ['else', 'try', 'finally', 'do', 'catch', 'static'].includes(code.wordEndingAt(prev));
}

const STATEMENT_KEYWORDS = new Set(['function', 'class', 'var', 'let', 'const', 'export', 'import']);
const CONTINUES_STATEMENT = new Set(['else', 'while', 'catch', 'finally']);

/**
 * The last place at or before `at`, directly inside the `{` at `open` (-1: the top level),
 * where a statement surely starts: after a `;` (unless an else, while, catch or finally
 * continues the statement), or a declaration's keyword after `;`, `{` or `}`.
 */
function boundaryBefore(text: string, code: CodeReader, at: number, open: number): number {
  const cursor = code.from(at);
  for (let i = cursor.prev(); i > open; i = cursor.prev()) {
    const c = text[i];
    if (c === ')' || c === ']' || c === '}') {
      // A nested pair: its text holds no boundary of this level.
      const opening = code.matching(i);
      if (opening < 0) return open + 1;
      cursor.skipTo(opening);
    } else if (c === ';') {
      if (!CONTINUES_STATEMENT.has(nextWord(text, i + 1))) return i + 1;
    } else if (isWordChar(text.charCodeAt(i))) {
      const word = code.wordEndingAt(i);
      const start = i - word.length + 1;
      const prev = code.before(start);
      if (STATEMENT_KEYWORDS.has(word) && (prev <= open || text[prev] === ';' || text[prev] === '{' || text[prev] === '}')) return start;
      cursor.skipTo(start);
    }
  }
  return open + 1;
}

/** The word starting at the first code after `at` (white space and comments skipped). */
function nextWord(text: string, at: number): string {
  const m = /^(?:\s|\/\/[^\n]*\n|\/\*[^]*?\*\/)*([A-Za-z_$][\w$]*)/.exec(text.slice(at, at + 256));
  return m ? m[1] : '';
}

// Statements parsed alone: a super or private name may belong to a class around them.
const OPTIONS = { ...PARSE_BASE, allowSuperOutsideMethod: true, checkPrivateFields: false } as acorn.Options;

const NOT_ALONE = new Error('does not parse alone');

interface StatementParser {
  raise(at: number, message: string): never;
  raiseRecoverable(at: number, message: string): never;
  type: { label: string };
  start: number;
  nextToken(): void;
  parseStatement(context: string | null, topLevel?: boolean, exports?: object): AnyNode;
}

/** The statements from `start` until one ends past `to` (or the level's closing `}`); null when they do not parse alone. */
function parseStatements(text: string, lines: { position(offset: number): { line: number; column: number } }, start: number, to: number, topLevel: boolean, module?: boolean): AnyNode[] | null {
  for (const sourceType of module === true ? ['module'] : module === false ? ['script'] : ['script', 'module']) {
    try {
      const { line, column } = lines.position(start);
      const parser = parserAt<StatementParser>({ ...OPTIONS, sourceType: sourceType as 'script' | 'module' }, text, start, line, column);
      // acorn's error message finds its line by reading the file from its start: megabytes per failed level.
      parser.raise = parser.raiseRecoverable = () => {
        throw NOT_ALONE;
      };
      parser.nextToken();
      const statements: AnyNode[] = [];
      const exports = Object.create(null) as object;
      while (parser.type.label !== 'eof' && parser.type.label !== '}' && parser.start <= to) {
        statements.push(parser.parseStatement(null, topLevel, exports));
      }
      return statements;
    } catch {
      // As a module next, or not alone.
    }
  }
  return null;
}
