// What in JavaScript source is code, and what only text: comments, strings, template text and
// regular expressions. One lexer for every search memprof makes in a file's text without
// parsing it (a full parse of a 9 MB bundle takes seconds and hundreds of MiB).

/** What a character is part of: code, text that may be evaluated (a string or template text), or neither (a comment or a regular expression). */
export type CodeKind = 'code' | 'string' | 'comment-or-regexp';

/** [start, end) pairs of what is not code in `source`, in order. */
export function nonCodeRanges(source: string): number[] {
  const text = new CodeText(source);
  text.scanTo(source.length);
  return text.ranges;
}

/** The kind of a range of `nonCodeRanges` that starts at `start`, by its first characters. */
export function nonCodeKind(source: string, start: number): CodeKind {
  const c = source.charCodeAt(start);
  if (c === Char.Apostrophe || c === Char.Quote || c === Char.Backtick || c === Char.BraceClose) return 'string';
  return 'comment-or-regexp';
}

/** Whether the range of `nonCodeRanges` at `start` is a comment: `//`, `/*` or the `#!` line. */
function isComment(source: string, start: number): boolean {
  const c = source.charCodeAt(start);
  const d = source.charCodeAt(start + 1);
  return c === Char.Hash || (c === Char.Slash && (d === Char.Slash || d === Char.Asterisk));
}

const enum Char {
  Tab = 9,
  LineFeed = 10,
  CarriageReturn = 13,
  Space = 32,
  Quote = 34,
  Hash = 35,
  Dollar = 36,
  Apostrophe = 39,
  ParenClose = 41,
  Asterisk = 42,
  Slash = 47,
  BracketOpen = 91,
  Backslash = 92,
  BracketClose = 93,
  Underscore = 95,
  Backtick = 96,
  BraceOpen = 123,
  BraceClose = 125,
  LineSeparator = 0x2028,
  ParagraphSeparator = 0x2029,
}

/** Words after which a `/` starts a regular expression, not a division. */
const BEFORE_REGEXP = new Set(['return', 'typeof', 'instanceof', 'in', 'of', 'new', 'delete', 'void', 'throw', 'case', 'do', 'else', 'yield', 'await']);

/**
 * Tokens that may hide code, matched whole by the regexp engine where it can (much faster than
 * a loop over characters): a quoted string (to its closing quote, or unterminated at the end
 * of its line; a backslash continues it over a line end, CRLF too), a comment; then a
 * template's backtick or a slash (a regexp or a division, told apart by the lexer). In a
 * template's `${...}`, braces too: the closing one ends it.
 */
const TOKEN = /'(?:[^'\\\n\r]|\\(?:\r\n|[^]))*'?|"(?:[^"\\\n\r]|\\(?:\r\n|[^]))*"?|\/\/[^\n\r\u2028\u2029]*|\/\*[^]*?(?:\*\/|$)|[`/]/g;
const TOKEN_IN_TEMPLATE = /'(?:[^'\\\n\r]|\\(?:\r\n|[^]))*'?|"(?:[^"\\\n\r]|\\(?:\r\n|[^]))*"?|\/\/[^\n\r\u2028\u2029]*|\/\*[^]*?(?:\*\/|$)|[`/{}]/g;

/**
 * A one-pass lexer that knows only what hides code: comments, strings, template text and
 * regular expressions (told from a division by the token before it, as editors do). It lexes
 * only as far as asked, so a search that stops early reads no further.
 */
export class CodeText {
  /** [start, end) pairs of what is not code, in order, as far as lexed. */
  readonly ranges: number[] = [];
  /** Where lexing resumes. */
  private at = 0;
  /** Brace depths at which an open template's `${` ends (innermost last). */
  private readonly templates: number[] = [];
  private braces = 0;

  constructor(readonly source: string) {
    // A `#!` line is a comment.
    if (source.startsWith('#!')) this.add(0, lineEnd(source, 2));
  }

  /** What the character at `at` is part of. */
  kindAt(at: number): CodeKind {
    this.scanTo(at + 1);
    const ranges = this.ranges;
    // The last range that starts at or before `at`.
    let lo = 0;
    let hi = ranges.length / 2;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (ranges[mid * 2] <= at) lo = mid + 1;
      else hi = mid;
    }
    return lo > 0 && at < ranges[lo * 2 - 1] ? nonCodeKind(this.source, ranges[lo * 2 - 2]) : 'code';
  }

  /** Lexes until every range that starts before `to` is known. */
  scanTo(to: number): void {
    while (this.at < to && this.step());
  }

  /** One token; false at the end of the source. */
  private step(): boolean {
    const text = this.source;
    const tokens = this.templates.length > 0 ? TOKEN_IN_TEMPLATE : TOKEN;
    tokens.lastIndex = this.at;
    const token = tokens.exec(text);
    if (token === null) {
      this.at = text.length;
      return false;
    }
    const start = token.index;
    const c = text.charCodeAt(start);
    if (c === Char.Apostrophe || c === Char.Quote || (c === Char.Slash && token[0].length > 1)) {
      this.add(start, start + token[0].length); // a string or a comment
    } else if (c === Char.Slash) {
      if (this.regexpMayStart(start)) this.add(start, regexpEnd(text, start));
      else this.at = start + 1;
    } else if (c === Char.Backtick) {
      this.templateText(start);
    } else if (c === Char.BraceClose && this.templates[this.templates.length - 1] === this.braces) {
      this.templates.pop();
      this.templateText(start); // back in the template after its `${...}`
    } else {
      this.braces += c === Char.BraceOpen ? 1 : -1;
      this.at = start + 1;
    }
    return true;
  }

  private add(start: number, end: number): void {
    this.ranges.push(start, end);
    this.at = end;
  }

  /**
   * Whether the `/` at `slash` starts a regular expression: by the token before it, comments
   * passed over. After a value (a word other than those of BEFORE_REGEXP, a closing bracket,
   * a string, a template, a regular expression) it is a division.
   */
  private regexpMayStart(slash: number): boolean {
    const text = this.source;
    const ranges = this.ranges;
    let r = ranges.length - 2;
    let i = slash - 1;
    for (;;) {
      while (i >= 0 && isSpace(text.charCodeAt(i))) i--;
      if (i < 0) return true;
      if (r >= 0 && i < ranges[r + 1]) {
        // The end of a range: a comment is passed over; a template's text ending in `${` is followed by an expression.
        const start = ranges[r];
        const c = text.charCodeAt(start);
        if (c === Char.Apostrophe || c === Char.Quote) return false;
        if (c === Char.Backtick || c === Char.BraceClose) return text.charCodeAt(i) === Char.BraceOpen;
        if (isComment(text, start)) {
          i = start - 1;
          r -= 2;
          continue;
        }
        return false; // a regular expression
      }
      const c = text.charCodeAt(i);
      if (isWordChar(c)) {
        const end = i + 1;
        while (i >= 0 && isWordChar(text.charCodeAt(i))) i--;
        return BEFORE_REGEXP.has(text.slice(i + 1, end));
      }
      return c !== Char.BracketClose && c !== Char.ParenClose && c !== Char.BraceClose;
    }
  }

  /** Template text from a backtick or a `}` that closes a `${`: to the closing backtick or the next `${`. */
  private templateText(start: number): void {
    const text = this.source;
    for (let i = start + 1; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === Char.Backslash) i++;
      else if (c === Char.Backtick) return this.add(start, i + 1);
      else if (c === Char.Dollar && text.charCodeAt(i + 1) === Char.BraceOpen) {
        this.templates.push(this.braces);
        return this.add(start, i + 2);
      }
    }
    this.add(start, text.length); // unterminated
  }
}

/** The end of a regular expression literal at `slash`: its closing slash (not one in a class) and flags, or the end of its line (unterminated). */
function regexpEnd(text: string, slash: number): number {
  let inClass = false;
  for (let i = slash + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === Char.Backslash) {
      if (isLineEnd(text.charCodeAt(i + 1))) return i + 1;
      i++;
    } else if (isLineEnd(c)) return i;
    else if (c === Char.BracketOpen) inClass = true;
    else if (c === Char.BracketClose) inClass = false;
    else if (c === Char.Slash && !inClass) {
      let end = i + 1;
      while (end < text.length && isWordChar(text.charCodeAt(end))) end++;
      return end;
    }
  }
  return text.length;
}

function lineEnd(text: string, from: number): number {
  let i = from;
  while (i < text.length && !isLineEnd(text.charCodeAt(i))) i++;
  return i;
}

function isLineEnd(c: number): boolean {
  return c === Char.LineFeed || c === Char.CarriageReturn || c === Char.LineSeparator || c === Char.ParagraphSeparator;
}

function isSpace(c: number): boolean {
  return c === Char.Space || c === Char.Tab || c === Char.LineFeed || c === Char.CarriageReturn;
}

/** [A-Za-z0-9_$#] or beyond ASCII: an identifier's character (or a private name's `#`), as the lexer needs it. */
function isWordChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === Char.Underscore || c === Char.Dollar || c === Char.Hash || c > 127;
}
