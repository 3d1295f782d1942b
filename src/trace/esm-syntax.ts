// Whether a CommonJS file's code may bring in Node's ES module loader, decided before it runs:
// Node 20 has no synchronous hook into that loader, so memprof starts its ES module hooks
// (module.register: a thread of its own) only when some code could need them.

/**
 * `import(`, `import.meta`, `import x from`, `import {`, `import *`, `import '...'` and
 * `export {` / `export default` / `export const` ...: the syntax through which code loads an ES
 * module (or is one: Node 20.19+ runs an ambiguous .js that has it as an ES module). Not a
 * property (`x.import`), a key (`import:`), nor an identifier that merely starts so.
 */
const CANDIDATE =
  /(?<![\w$.#])(?:import(?![\w$])\s*(?:[(.{*'"`/]|[A-Za-z_$])|export(?![\w$])\s*(?:[{*/]|(?:default|const|let|var|function|class|async)(?![\w$])))/g;

/** Code that evaluates text with Node's default loader behind its import(). */
const VM_IMPORT = /\b(?:importModuleDynamically|USE_MAIN_CONTEXT_DEFAULT_LOADER)\b/;

/** Code that evaluates text: eval, the Function constructors, vm's compilers. */
const EVALUATES = /\beval\s*\(|\b(?:Async)?(?:Generator)?Function\s*\(|\.constructor\s*\(|\brunIn(?:This|New)?Context\b|\bcompileFunction\b|\bScript\s*\(/;

/**
 * Whether this source may load an ES module (or be one), judged on its code: such syntax in a
 * comment, or in a string of a file that evaluates no text (error messages, code printed for
 * people: typescript.js and acorn.js have both), does not count. Conservative where unsure:
 * what the scan cannot place in a string or comment counts as code.
 *
 * Not seen: an import() in text that this file does not hold and another evaluates (code
 * read from a file and run with eval or new Function).
 */
export function mayLoadEsModules(source: string): boolean {
  if (VM_IMPORT.test(source)) return true;
  CANDIDATE.lastIndex = 0;
  const first = CANDIDATE.exec(source);
  if (first === null) return false;
  const where = new Scan(source).firstInCode(first.index);
  return where === 'code' || (where === 'string' && EVALUATES.test(source));
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
  Backslash = 92,
  BracketOpen = 91,
  BracketClose = 93,
  Backtick = 96,
  BraceOpen = 123,
  BraceClose = 125,
}

/** Words after which a `/` starts a regular expression, not a division. */
const BEFORE_REGEXP = new Set(['return', 'typeof', 'instanceof', 'in', 'of', 'new', 'delete', 'void', 'throw', 'case', 'do', 'else', 'yield', 'await']);

/**
 * Tokens that may hide code, matched whole by the regexp engine where it can: a quoted string
 * (to its closing quote or the end of its line), a comment; then a template's backtick or a
 * slash (a regexp or a division, told apart by the lexer). In a template's `${...}`, braces
 * too: the closing one ends it.
 */
const TOKEN = /'(?:[^'\\\n]|\\[^])*'?|"(?:[^"\\\n]|\\[^])*"?|\/\/[^\n]*|\/\*[^]*?(?:\*\/|$)|[`/]/g;
const TOKEN_IN_TEMPLATE = /'(?:[^'\\\n]|\\[^])*'?|"(?:[^"\\\n]|\\[^])*"?|\/\/[^\n]*|\/\*[^]*?(?:\*\/|$)|[`/{}]/g;

/**
 * A one-pass lexer that knows only what hides code: comments, strings, template text and
 * regular expressions (told from a division by the token before it, as editors do).
 */
class Scan {
  private at = 0;
  /** Brace depths at which an open template's `${` ends (innermost last). */
  private readonly templates: number[] = [];
  private braces = 0;

  constructor(private readonly text: string) {}

  /**
   * Where the candidates from `next` on lie: 'code' for the first in code; else 'string' when
   * one is an import in a string or template (text that may be evaluated), or 'nowhere'.
   */
  firstInCode(next: number): 'code' | 'string' | 'nowhere' {
    const text = this.text;
    let inString = false;
    // A `#!` line is a comment.
    if (text.startsWith('#!')) this.skipLine();
    for (;;) {
      // To the next token that may hide code (in a template's `${...}`, also braces: the
      // closing one ends it). Nothing such before the candidate: it is code.
      const tokens = this.templates.length > 0 ? TOKEN_IN_TEMPLATE : TOKEN;
      tokens.lastIndex = this.at;
      const token = tokens.exec(text);
      if (token === null || token.index >= next) return 'code';
      const start = token.index;
      const c = text.charCodeAt(start);
      let isText = false;
      if (c === Char.Apostrophe || c === Char.Quote) {
        this.at = start + token[0].length;
        isText = true;
      } else if (c === Char.Slash && token[0].length > 1) {
        this.at = start + token[0].length; // a comment
      } else if (c === Char.Slash) {
        this.at = start;
        if (this.regexpMayStart()) this.skipRegExp();
        else this.at++;
      } else if (c === Char.Backtick) {
        this.at = start;
        this.skipTemplateText();
        isText = true;
      } else if (c === Char.BraceClose && this.templates[this.templates.length - 1] === this.braces) {
        this.at = start;
        this.templates.pop();
        this.skipTemplateText(); // back in the template after its `${...}`
        isText = true;
      } else {
        this.braces += c === Char.BraceOpen ? 1 : -1;
        this.at = start + 1;
      }
      // Candidates passed inside this token: none is code.
      while (next < this.at) {
        if (isText && text.startsWith('import', next)) inString = true;
        CANDIDATE.lastIndex = this.at;
        const m = CANDIDATE.exec(text);
        if (m === null) return inString ? 'string' : 'nowhere';
        next = m.index;
      }
    }
  }

  /** Whether the `/` here starts a regular expression: by the token before it. */
  private regexpMayStart(): boolean {
    const text = this.text;
    let i = this.at - 1;
    while (i >= 0 && isSpace(text.charCodeAt(i))) i--;
    if (i < 0) return true;
    const c = text.charCodeAt(i);
    if (isWordChar(c)) {
      const end = i + 1;
      while (i >= 0 && isWordChar(text.charCodeAt(i))) i--;
      return BEFORE_REGEXP.has(text.slice(i + 1, end));
    }
    // After a value (a closing bracket, a string, a template, a regexp or a comment's end): a division.
    return c !== Char.BracketClose && c !== Char.ParenClose && c !== Char.BraceClose && c !== Char.Slash && c !== Char.Quote && c !== Char.Apostrophe && c !== Char.Backtick;
  }

  private skipLine(): void {
    const end = this.text.indexOf('\n', this.at);
    this.at = end < 0 ? this.text.length : end;
  }

  /** Template text from a backtick or a `}` that closes a `${`: to the closing backtick or the next `${`. */
  private skipTemplateText(): void {
    const text = this.text;
    let i = this.at + 1;
    for (; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === Char.Backslash) i++;
      else if (c === Char.Backtick) {
        i++;
        break;
      } else if (c === Char.Dollar && text.charCodeAt(i + 1) === Char.BraceOpen) {
        this.templates.push(this.braces);
        i += 2;
        break;
      }
    }
    this.at = i;
  }

  /** A regular expression literal: to its closing slash (not one in a class), or the end of the line. */
  private skipRegExp(): void {
    const text = this.text;
    let inClass = false;
    let i = this.at + 1;
    for (; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === Char.Backslash) i++;
      else if (c === Char.LineFeed) break;
      else if (c === Char.BracketOpen) inClass = true;
      else if (c === Char.BracketClose) inClass = false;
      else if (c === Char.Slash && !inClass) {
        i++;
        break;
      }
    }
    this.at = i;
  }
}

function isSpace(c: number): boolean {
  return c === Char.Space || c === Char.Tab || c === Char.LineFeed || c === Char.CarriageReturn;
}

function isWordChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === Char.Dollar || c === 95 || c === Char.Hash || c > 127;
}
