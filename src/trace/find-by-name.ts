import type * as acorn from 'acorn';
import type { FoundFunction, FunctionNode } from './instrument';
import { nonCodeRanges } from './code-text';
import { LineStarts } from './lines';
import { parserAt as positionedParser } from './parser-at';

/**
 * The functions named `name` in a big file, found without parsing the file: a full parse of a
 * 9 MB bundle (typescript.js) takes seconds and hundreds of MiB. The name is searched in the
 * code (not in strings, comments, templates or regular expressions, told apart by one scan),
 * and each place that declares a function of that name is parsed alone, where it stands.
 * Null when the name or the file needs the full parse (a class of that name, whose
 * constructor carries it; a private name).
 */
export function findFunctionsByName(source: string, name: string): FoundFunction[] | null {
  // (`default`: an anonymous `export default function`, which only the full parse names.)
  if (!/^[A-Za-z_$][\w$]*$/.test(name) || name === 'constructor' || name === 'default') return null;
  const { isCode } = scanOf(source);
  const found: FoundFunction[] = [];
  const seen = new Set<number>();
  const re = new RegExp(`(?<![\\w$#])${name.replace(/\$/g, '\\$')}(?![\\w$])`, 'g');
  for (let m = re.exec(source); m; m = re.exec(source)) {
    const at = m.index;
    if (!isCode(at)) continue;
    const before = codeBefore(source, at, isCode);
    const after = source.slice(at + name.length, at + name.length + 64);
    if (/\bclass\s+$/.test(before) || /^\s*[:=]\s*class\b/.test(after)) return null;
    let fn: FunctionNode | null = null;
    let k: RegExpExecArray | null;
    if ((k = /(?:\basync\s+)?\bfunction\s*\*?\s*$/.exec(before))) {
      fn = expressionAt(source, source.lastIndexOf(k[0].trimEnd().split(/\s+/)[0], at - 1));
      if (fn && fn.id?.name !== name) fn = null;
    } else if ((k = /^\s*[:=]\s*((?:async\s+)?function\b\s*\*?\s*([\w$]*)|(?:async\s*)?(?:\(|[A-Za-z_$][\w$]*\s*=>))/.exec(after))) {
      // `name = function`, `name: function`, `name = (...) =>`: a named function expression is called by its own name.
      // A ':' of a property, not of a conditional (a ? b : c).
      if (k[2] || (/^\s*:/.test(after) && !/[{,]\s*$/.test(before))) continue;
      fn = expressionAt(source, at + name.length + k[0].length - k[1].length);
    } else if (/^\s*\(/.test(after) && /(?:^|[{},;]|\b(?:static|async|get|set)|\*)\s*$/.test(before)) {
      fn = methodAt(source, at + name.length + after.indexOf('('), /\basync\s*$/.test(before.replace(/\s*\*\s*$/, '')), /\*\s*$/.test(before));
    }
    if (!fn || seen.has(fn.start) || !isFunctionNode(fn)) continue;
    seen.add(fn.start);
    found.push({ node: fn, name, line: fn.loc!.start.line, endLine: fn.loc!.end.line });
  }
  return found;
}

/**
 * The file's scan (what is code, where lines start), kept for the next selector into the
 * same file. isCode(at): whether the character at `at` is code.
 */
export function scanOf(source: string): { skip: number[]; lines: LineStarts; isCode: (at: number) => boolean } {
  if (lastSource !== source) {
    lastSource = source;
    lastSkip = nonCodeRanges(source);
    lastLines = new LineStarts(source);
  }
  const skip = lastSkip;
  const isCode = (at: number): boolean => {
    let lo = 0;
    let hi = skip.length / 2;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (skip[mid * 2 + 1] <= at) lo = mid + 1;
      else hi = mid;
    }
    return lo === skip.length / 2 || at < skip[lo * 2];
  };
  return { skip, lines: lastLines, isCode };
}

/** Drops the scan kept for the next name (a big file's worth of memory). */
export function forgetScan(): void {
  lastSource = '';
  lastSkip = [];
  lastLines = new LineStarts('');
}

// Several names in one file: one scan.
let lastSource = '';
let lastSkip: number[] = [];
let lastLines = new LineStarts('');

const OPTIONS: acorn.Options = { ecmaVersion: 'latest', locations: true, preserveParens: true, allowAwaitOutsideFunction: true, allowReturnOutsideFunction: true, allowSuperOutsideMethod: true, checkPrivateFields: false } as acorn.Options;

function isFunctionNode(node: acorn.Node): node is FunctionNode {
  return node.type === 'FunctionExpression' || node.type === 'ArrowFunctionExpression' || node.type === 'FunctionDeclaration';
}

/** The last 48 characters of code before `at` (comments and strings left out). */
function codeBefore(source: string, at: number, isCode: (at: number) => boolean): string {
  let out = '';
  for (let i = at - 1; i >= 0 && out.length < 48; i--) if (isCode(i)) out = source[i] + out;
  return out;
}

interface AtomParser {
  start: number;
  potentialArrowAt: number;
  nextToken(): void;
  parseExprAtom(): acorn.Node;
  parseExprSubscripts(): acorn.Node;
  parseMethod(isGenerator: boolean, isAsync: boolean, allowDirectSuper?: boolean): FunctionNode;
}

function parserAt(source: string, at: number): AtomParser {
  const { line, column } = (source === lastSource ? lastLines : new LineStarts(source)).position(at);
  const parser = positionedParser<AtomParser>(OPTIONS, source, at, line, column);
  parser.nextToken();
  return parser;
}

/** The function expression (or declaration, read as one) or arrow starting at `at`, and nothing after it. */
function expressionAt(source: string, at: number): FunctionNode | null {
  try {
    const parser = parserAt(source, at);
    parser.potentialArrowAt = parser.start;
    // `async (...) =>` is a call until its arrow: parsed with its subscripts (nothing follows an arrow).
    const node = /^async\s*[(\w$]/.test(source.slice(at, at + 7)) && !/^async\s+function\b/.test(source.slice(at, at + 20)) ? parser.parseExprSubscripts() : parser.parseExprAtom();
    return node.start === at && isFunctionNode(node) ? node : null;
  } catch {
    return null;
  }
}

/** A method's function (it starts at its parameters' '(', as in a full parse). */
function methodAt(source: string, paren: number, isAsync: boolean, isGenerator: boolean): FunctionNode | null {
  try {
    const fn = parserAt(source, paren).parseMethod(isGenerator, isAsync, true);
    return fn.start === paren ? fn : null;
  } catch {
    return null;
  }
}
