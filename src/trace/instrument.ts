import type * as acorn from 'acorn';
import { requireOwn } from './isolate';
import { parserAt } from './parser-at';
import { ENTRY_HEAD, PROBE_KIND, parseFunctionKey } from './probe-key';

// Loaded apart from the program's instance (see requireOwn).
const acornValue = requireOwn('acorn') as typeof acorn;

export { splitLines } from './lines';
export { PROBE_GLOBAL, functionKey, parseFunctionKey } from './probe-key';

/**
 * Source -> probed source. Every insertion is text without newlines placed on the line of
 * the code it belongs to, so line numbers never move (columns on edited lines do).
 *
 * Generated code, per instrumented function:
 *   body start:  const $mp$f = ($mp$e or globalThis[Symbol.for('memprof.probe')].e)(KEY); try {
 *   statements:  if ($mp$f(LINE)) debugger;  (one per line; true only when --break-at asks to pause there)
 *   in a loop:   $mp$f(LINE, 1)  (a header counts its tests, like memory_profiler)
 *   await/yield: $mp$f.r(await $mp$f.s(x))  (suspend/resume: other code's memory is not ours)
 *   body end:    } finally { $mp$f() }
 * `$mp$f` is this invocation's frame probe: recursion and interleaved async calls never
 * share one. A probe is a call of the function's one local with one argument (two for the
 * rarer kinds): every register and temporary in a frame costs recursion depth.
 *
 * A function that calls itself (recursion, where frames pile up) has no try block when it
 * can do without: sync, and every `return` runs no code of its own (a try/finally costs its
 * frame three registers, a third of a small function's). Its exit probes stand before each
 * return (`$mp$f(LINE, 3)`) and after the last statement (`;$mp$f()`); a call an exception
 * ends is closed by the runtime when a probe of a frame below it runs, or at exit.
 */


export type AnyNode = acorn.Node & Record<string, any>;

export type FunctionNode = acorn.Function & AnyNode;

export interface FoundFunction {
  node: FunctionNode;
  /** Name as a reader would say it: declaration name, variable, method or property key. */
  name: string;
  /** 1-based line of the function's first character (the header row). */
  line: number;
  /** 1-based last line. */
  endLine: number;
  /** Inside a `with` body: every name there, the probes' included, resolves through the object first. */
  insideWith?: boolean;
  /**
   * Where its header starts when that is before the function node: a method's key and
   * modifiers (`static async get name`), the name a variable, property or assignment gives it
   * (`exports.parse = function`), a constructor's class (`class K extends B`). A selector's
   * column anywhere there picks the function.
   */
  head?: { start: number; line: number; column: number };
}

/** What every parse of memprof's takes: the latest syntax, positions, and code as Node accepts it. */
export const PARSE_BASE: acorn.Options = {
  ecmaVersion: 'latest',
  locations: true,
  preserveParens: true,
  allowHashBang: true,
  allowAwaitOutsideFunction: true,
  allowReturnOutsideFunction: true,
};

/** Parses a whole script: as a classic script (CommonJS allows top-level return) or, failing that, a module. */
export function parseSource(source: string, module?: boolean): acorn.Program {
  if (module === true) return acornValue.parse(source, { ...PARSE_BASE, sourceType: 'module', allowReturnOutsideFunction: false });
  try {
    return acornValue.parse(source, { ...PARSE_BASE, sourceType: 'script' });
  } catch (scriptError) {
    if (module === false) throw scriptError;
    return acornValue.parse(source, { ...PARSE_BASE, sourceType: 'module', allowReturnOutsideFunction: false });
  }
}

function isNode(value: unknown): value is AnyNode {
  return typeof value === 'object' && value !== null && typeof (value as AnyNode).type === 'string';
}

function children(node: AnyNode): AnyNode[] {
  const out: AnyNode[] = [];
  for (const key of Object.keys(node)) {
    if (key === 'loc') continue;
    const value = node[key];
    if (Array.isArray(value)) {
      for (const item of value) if (isNode(item)) out.push(item);
    } else if (isNode(value)) {
      out.push(value);
    }
  }
  return out;
}

function isFunction(node: AnyNode): node is FunctionNode {
  return node.type === 'FunctionDeclaration' || node.type === 'FunctionExpression' || node.type === 'ArrowFunctionExpression';
}

function keyName(key: AnyNode | undefined, computed: boolean): string | undefined {
  if (!key || computed) return undefined;
  if (key.type === 'Identifier') return key.name;
  if (key.type === 'PrivateIdentifier') return `#${key.name}`;
  if (key.type === 'Literal') return String(key.value);
  return undefined;
}

function inferName(node: FunctionNode, parent: AnyNode | undefined): string {
  if (node.id?.name) return node.id.name;
  if (!parent) return '<anonymous>';
  switch (parent.type) {
    case 'VariableDeclarator':
      return parent.id.type === 'Identifier' ? parent.id.name : '<anonymous>';
    case 'ExportDefaultDeclaration': // `export default function () {}`: V8 names it default
      return 'default';
    case 'AssignmentPattern': // a default value: V8 names it after the parameter
      return parent.left.type === 'Identifier' && parent.right === node ? parent.left.name : '<anonymous>';
    case 'MethodDefinition':
    case 'Property':
    case 'PropertyDefinition':
      return keyName(parent.key, parent.computed) ?? '<anonymous>';
    case 'AssignmentExpression':
      if (parent.left.type === 'Identifier') return parent.left.name;
      if (parent.left.type === 'MemberExpression') return keyName(parent.left.property, parent.left.computed) ?? '<anonymous>';
      return '<anonymous>';
    default:
      return '<anonymous>';
  }
}

// A class body's class (a property on the body would be walked as one of its children).
const classOfBody = new WeakMap<AnyNode, AnyNode>();

/** The node whose start begins a function's header: what names it, or its class for a constructor. */
function headOf(node: FunctionNode, parent: AnyNode | undefined, grand: AnyNode | undefined): AnyNode {
  switch (parent?.type) {
    case 'MethodDefinition':
      return parent.kind === 'constructor' ? ((grand && classOfBody.get(grand)) ?? parent) : parent;
    case 'Property':
    case 'PropertyDefinition':
      return parent.value === node ? parent : node;
    case 'VariableDeclarator':
      // `const parse = (s) => ...` from its `const` when it declares only that.
      if (parent.init !== node) return node;
      return grand?.type === 'VariableDeclaration' && grand.declarations.length === 1 ? grand : parent;
    case 'ExportNamedDeclaration':
    case 'ExportDefaultDeclaration':
      return parent;
    case 'AssignmentExpression':
      return parent.right === node ? parent : node;
    default:
      return node;
  }
}

/** Every function in the program with its inferred name (class constructors under the class name). */
export function listFunctions(program: acorn.Program): FoundFunction[] {
  const found: FoundFunction[] = [];
  const visit = (node: AnyNode, parent: AnyNode | undefined, grand: AnyNode | undefined, inWith = false): void => {
    if (isFunction(node)) {
      let name = inferName(node, parent);
      if (parent?.type === 'MethodDefinition' && parent.kind === 'constructor' && grand) {
        // grand is the ClassBody; its class's name is what a reader calls the constructor.
        name = (grand as AnyNode & { className?: string }).className ?? 'constructor';
      }
      const entry: FoundFunction = { node, name, line: node.loc!.start.line, endLine: node.loc!.end.line };
      if (inWith) entry.insideWith = true;
      const head = headOf(node, parent, grand);
      if (head.start < node.start) entry.head = { start: head.start, line: head.loc!.start.line, column: head.loc!.start.column };
      found.push(entry);
    }
    if ((node.type === 'ClassDeclaration' || node.type === 'ClassExpression') && node.body) {
      let className = node.id?.name as string | undefined;
      if (!className && parent?.type === 'VariableDeclarator' && parent.id.type === 'Identifier') className = parent.id.name;
      if (!className && parent?.type === 'ExportDefaultDeclaration') className = 'default';
      (node.body as AnyNode & { className?: string }).className = className;
      classOfBody.set(node.body, node);
    }
    for (const child of children(node)) visit(child, node, parent, inWith || (node.type === 'WithStatement' && child === node.body));
  };
  visit(program as AnyNode, undefined, undefined);
  return found;
}

/**
 * The function V8 reports at `offset` ([[FunctionLocation]] points at the parameter list, an
 * arrow's first parameter, or a class for its constructor): the innermost function whose
 * head (start up to the body) contains the offset.
 */
export function functionAt(program: acorn.Program, offset: number): FoundFunction | undefined {
  const all = listFunctions(program);
  let best: FoundFunction | undefined;
  for (const f of all) {
    if (f.node.start <= offset && offset <= f.node.body.start && (!best || f.node.start >= best.node.start)) best = f;
  }
  if (best) return best;
  // A class: V8 locates its constructor at the class keyword.
  const classes: AnyNode[] = [];
  const visit = (node: AnyNode): void => {
    if ((node.type === 'ClassDeclaration' || node.type === 'ClassExpression') && node.start === offset) classes.push(node);
    for (const child of children(node)) visit(child);
  };
  visit(program as AnyNode);
  const ctor = classes[0]?.body.body.find((m: AnyNode) => m.type === 'MethodDefinition' && m.kind === 'constructor');
  return ctor ? all.find((f) => f.node === ctor.value) : undefined;
}

const WRAPPERS: readonly [string, string][] = [
  ['(', ')'], // function, arrow, class (for its constructor)
  ['(class{', '})'], // method, getter, static or private method
  ['({', '})'], // object method
];

/**
 * Parses only one function's text (as Function.prototype.toString gives it) found at
 * `start` in a file, whose line and column there are `at`: a whole-file parse costs tens
 * of ms on a 2,000-line file and seconds on a 9 MB bundle. Node offsets are the file's.
 * Null when no wrapper makes the text parse.
 */
export function parseFunctionText(start: number, text: string, at: { line: number; column: number }): acorn.Program | null {
  for (const [open, close] of WRAPPERS) {
    let program: acorn.Program;
    try {
      const options = { ...PARSE_BASE, sourceType: 'script', checkPrivateFields: false } as acorn.Options;
      program = parserAt<{ parse(): acorn.Program }>(options, open + text + close, 0, at.line, at.column - open.length).parse();
    } catch {
      continue;
    }
    const delta = start - open.length;
    const shift = (node: AnyNode): void => {
      node.start += delta;
      node.end += delta;
      for (const child of children(node)) shift(child);
    };
    shift(program as AnyNode);
    return program;
  }
  return null;
}

interface Edit {
  at: number;
  text: string;
  /** Closings go before openings at the same offset; openings outer first, closings inner first. */
  close: boolean;
  depth: number;
  seq: number;
}

class EditList {
  readonly edits: Edit[] = [];
  private seq = 0;
  open(at: number, text: string, depth: number): void {
    this.edits.push({ at, text, close: false, depth, seq: this.seq++ });
  }
  close(at: number, text: string, depth: number): void {
    this.edits.push({ at, text, close: true, depth, seq: this.seq++ });
  }
}

export function applyEdits(source: string, edits: readonly Edit[], inserted?: number[]): string {
  const sorted = [...edits].sort(
    (a, b) =>
      a.at - b.at ||
      Number(b.close) - Number(a.close) ||
      (a.close ? b.depth - a.depth : a.depth - b.depth) ||
      (a.close ? b.seq - a.seq : a.seq - b.seq),
  );
  let out = '';
  let pos = 0;
  // The last characters written (reading them back from `out` would flatten it each time).
  let tail = '';
  for (const e of sorted) {
    out += source.slice(pos, e.at);
    if (e.at > pos) tail = source.slice(Math.max(pos, e.at - 2), e.at);
    // Minified code writes a keyword against its operand (`yield[a,b]`, `await(x)`,
    // `return!a(),b`): a probe starting with a name there would join the keyword into one
    // identifier (`yield$mp$f`, a ReferenceError: lru-cache's entries()).
    const text = STARTS_NAME.test(e.text) && ENDS_NAME.test(tail) ? ` ${e.text}` : e.text;
    inserted?.push(out.length, out.length + text.length);
    out += text;
    tail = text;
    pos = e.at;
  }
  return out + source.slice(pos);
}

const ENDS_NAME = /[\p{ID_Continue}$\u200c\u200d\\]$/u;
const STARTS_NAME = /^[\p{ID_Start}$_\\]/u;

/** A function whose probed text could not mean the same as its own: it stays as it is. */
export class CannotInstrument extends Error {}

/** Where a block body's probes open and close. */
export interface BodyLayout {
  /** The entry probe's offset, and a ';' to put first (a directive written without one). */
  at: number;
  lead: string;
  /** Where the try block closes; -1 when nothing is inside it (one edit at `at`). */
  end: number;
  /** Index range [first, last] of the body statements inside the try block. */
  first: number;
  last: number;
}

function patternNames(p: AnyNode | null | undefined, out: Set<string>): void {
  if (!p) return;
  switch (p.type) {
    case 'Identifier':
      out.add(p.name);
      break;
    case 'AssignmentPattern':
      patternNames(p.left, out);
      break;
    case 'RestElement':
      patternNames(p.argument, out);
      break;
    case 'ArrayPattern':
      for (const e of p.elements) patternNames(e, out);
      break;
    case 'ObjectPattern':
      for (const prop of p.properties) patternNames(prop.type === 'RestElement' ? prop : prop.value, out);
      break;
  }
}

/** Names `var` declares in this function's own scope (not in nested functions). */
function varNames(node: AnyNode, out: Set<string>): void {
  if (isFunction(node) || node.type === 'StaticBlock') return;
  if (node.type === 'VariableDeclaration' && node.kind === 'var') for (const d of node.declarations) patternNames(d.id, out);
  for (const child of children(node)) varNames(child, out);
}

function identifiers(node: AnyNode, out: Set<string>): void {
  if (node.type === 'Identifier') out.add(node.name);
  for (const child of children(node)) identifiers(child, out);
}

function declaredNames(s: AnyNode, out: Set<string>): void {
  if ((s.type === 'FunctionDeclaration' || s.type === 'ClassDeclaration') && s.id) out.add(s.id.name);
  else if (s.type === 'VariableDeclaration' && s.kind !== 'var') for (const d of s.declarations) patternNames(d.id, out);
}

/**
 * The try block that lets the exit probe run however the call ends makes the body's own
 * declarations block-scoped. For a function declared at the body's top level, that changes
 * meaning when its name is also a parameter, a `var`, `arguments` or another declaration
 * (SyntaxError, or `arguments[0]` no longer the function). Such declarations at the start or
 * end of the body stay outside the try block (hoisting makes their place irrelevant), unless
 * they use a name the block declares; elsewhere the function cannot be probed.
 */
export function bodyLayout(fn: FunctionNode, source: string, tryFree = false, entryAtFirst = false): BodyLayout {
  const body = fn.body as AnyNode;
  const stmts = body.body as AnyNode[];
  let i = 0;
  let at = stmts.length > 0 ? stmts[0].start : body.start + 1;
  let lead = '';
  for (; i < stmts.length && stmts[i].directive !== undefined; i++) {
    at = stmts[i].end;
    lead = stmts[i].end > stmts[i].expression.end ? '' : ';';
  }
  let first = i;
  let last = stmts.length - 1;
  // Without a try block, declarations keep their scope: nothing to move.
  const fnNames = tryFree ? [] : stmts.slice(i).filter((st) => st.type === 'FunctionDeclaration' && st.id).map((st) => st.id.name as string);
  if (fnNames.length > 0) {
    const taken = new Set<string>(['arguments']);
    for (const p of fn.params as AnyNode[]) patternNames(p, taken);
    for (const st of stmts) varNames(st, taken);
    const seen = new Set<string>();
    const clashing = new Set<string>();
    for (const n of fnNames) {
      if (taken.has(n) || seen.has(n)) clashing.add(n);
      seen.add(n);
    }
    if (clashing.size > 0) {
      const isDecl = (st: AnyNode): boolean => st.type === 'FunctionDeclaration' || st.type === 'EmptyStatement';
      while (first <= last && isDecl(stmts[first])) first++;
      while (last >= first && isDecl(stmts[last])) last--;
      const inside = new Set<string>();
      for (let k = first; k <= last; k++) declaredNames(stmts[k], inside);
      const clash = [...inside].find((n) => clashing.has(n));
      if (clash !== undefined) {
        throw new CannotInstrument(`its function ${clash}() shares a name with a parameter or variable and is declared between statements`);
      }
      const used = new Set<string>();
      for (let k = i; k < stmts.length; k++) if (k < first || k > last) identifiers(stmts[k], used);
      const hidden = [...inside].find((n) => used.has(n));
      if (hidden !== undefined) {
        throw new CannotInstrument(`its functions declared at the start or end use ${hidden}, which probing would hide from them`);
      }
      if (first <= last) {
        at = stmts[first].start;
        lead = '';
      } else if (first > i) at = stmts[first - 1].end;
    }
  }
  // The first statement on a line of its own: the entry goes at the end of the line before,
  // after the user's code, so no column of theirs moves.
  // Not right after a brace written tight against its ')' (`f(){`): V8's LiveEdit diff can
  // then charge the edit to the enclosing function (an ES module's top level refuses it),
  // depending on the inserted text; there the entry stays at the first statement.
  // `entryAtFirst`: the header line stays as it is (see InstrumentTarget).
  const tightBrace = first === 0 && /\S/.test(source[body.start - 1] ?? '');
  if (first <= last && first === i && !tightBrace && !entryAtFirst) {
    const anchor = first > 0 ? stmts[first - 1].end : body.start + 1;
    if (lineBreakBetween(source, anchor, stmts[first].start)) {
      at = anchor;
      lead = first > 0 ? leadFor(source, anchor) : '';
    }
  }
  return { at, lead, end: first <= last ? stmts[last].end : -1, first, last };
}

/** The entry probe's offset in a block body (see bodyLayout). */
export function entryOffset(fn: FunctionNode, source: string, entryAtFirst = false): { at: number; lead: string } {
  const { at, lead } = bodyLayout(fn, source, false, entryAtFirst);
  return { at, lead };
}

/** Whether only blanks and comments, with a line break among them, lie in [from, to). */
export function lineBreakBetween(source: string, from: number, to: number): boolean {
  let broke = false;
  let i = from;
  while (i < to) {
    const c = source.charCodeAt(i);
    if (c === 10 || c === 13 || c === 0x2028 || c === 0x2029) {
      broke = true;
      i++;
    } else if (c === 32 || c === 9 || c === 11 || c === 12 || c === 0xa0 || c === 0xfeff || (c > 0x1000 && /\s/.test(source[i]))) {
      i++;
    } else if (c === 47 && source.charCodeAt(i + 1) === 47) {
      while (i < to && !/[\n\r\u2028\u2029]/.test(source[i])) i++;
    } else if (c === 47 && source.charCodeAt(i + 1) === 42) {
      const close = source.indexOf('*/', i + 2);
      if (close < 0 || close + 2 > to) return false;
      if (/[\n\r\u2028\u2029]/.test(source.slice(i, close))) broke = true;
      i = close + 2;
    } else return false;
  }
  return broke && i === to;
}

/** A ';' to end the statement before `at` unless its text already ends one. */
function leadFor(source: string, at: number): string {
  const c = source[at - 1];
  return c === ';' || c === '{' || c === ':' ? '' : ';';
}

const F = '$mp$f';
const probe = (line: number): string => `${F}(${line})`;
// A statement probe: the line probe returns true only when --break-at's alarm asked for a
// pause, so the debugger stops here, in the user's own frame at the line about to run,
// rather than inside memprof. Never true otherwise: the `debugger` is never reached.
const lineProbe = (line: number): string => `if(${probe(line)})debugger;`;
// A statement probe that runs right after another probe of the frame (the entry, a loop's
// pass, a block's), no code between: the runtime takes that probe's reading instead of reading again.
const adjacentProbe = (line: number): string => `if(${F}(${-line}))debugger;`;
// The probe of a `return` whose value needs no code: the exit probe that follows takes its
// reading; without a finally block, the call ends there.
const returnProbe = (line: number, exits: boolean): string =>
  `if(${F}(${line},${exits ? PROBE_KIND.returnExit : PROBE_KIND.return}))debugger;`;

/**
 * A returned value that runs no code and allocates nothing: nothing happens between the
 * return's probe and the exit probe (unless a user's finally block or a for-of's iterator
 * runs, which the caller rules out).
 */
function returnsPlainly(s: AnyNode): boolean {
  const a = s.argument as AnyNode | null;
  if (a === null) return true;
  if (a.type === 'ThisExpression') return true;
  if (a.type === 'Identifier') return a.name !== 'arguments';
  return a.type === 'Literal' && !a.regex;
}
// A probe inside an expression cannot hold a `debugger` statement: this line probe leaves a
// pause asked for to the next statement probe.
const expressionProbe = (line: number): string => `${F}(${line},${PROBE_KIND.expression})`;

/** An expression that runs no code of its own when evaluated (a probe before it would count nothing). */
function isCodeless(e: AnyNode): boolean {
  while (e.type === 'ParenthesizedExpression') e = e.expression;
  return isFunction(e) || e.type === 'ClassExpression' || e.type === 'Literal' || e.type === 'Identifier';
}

const LOOPS = new Set(['ForStatement', 'WhileStatement', 'DoWhileStatement', 'ForInStatement', 'ForOfStatement']);

/**
 * Collects the edits that instrument one function; `key` is the string literal passed to the
 * entry probe. A statement first on a line of its own gets its probe at the end of the line
 * before (after the user's code there), so the columns of the user's code, which stack
 * traces show, stay as they were; probes that must go before code on the same line (an
 * arrow's expression body, await and yield) move only what follows them.
 */
function instrumentEdits(source: string, fn: FunctionNode, key: string, list: EditList, base: number, rows?: RowMap, entryAtFirst = false): void {
  const mark = list.edits.length;
  if (rows === undefined && exitsWithoutFinally(fn, parseFunctionKey(key).name)) {
    if (functionEdits(source, fn, key, list, base, rows, true, entryAtFirst)) return;
    list.edits.length = mark; // a return without its own exit probe: the try/finally form
  }
  functionEdits(source, fn, key, list, base, rows, false, entryAtFirst);
}

/**
 * Whether a function can go without the try/finally (see the header): it calls itself (by
 * name, or a method of that name), it is neither async nor a generator, and none of its
 * returns runs code before the function is left (a value that is code, a user's finally
 * block, a for-of's iterator closing).
 */
function exitsWithoutFinally(fn: FunctionNode, name: string): boolean {
  if (fn.async || fn.generator || fn.body.type !== 'BlockStatement') return false;
  let recursive = false;
  const calls = (node: AnyNode): void => {
    if (recursive) return;
    if (node.type === 'CallExpression') {
      const c = node.callee as AnyNode;
      if ((c.type === 'Identifier' && c.name === name) || (c.type === 'MemberExpression' && !c.computed && c.property.name === name)) {
        recursive = true;
        return;
      }
    }
    for (const child of children(node)) calls(child);
  };
  calls(fn.body as AnyNode);
  if (!recursive) return false;
  let plain = true;
  const returns = (node: AnyNode, runsCode: boolean): void => {
    if (!plain || isFunction(node) || node.type === 'ClassDeclaration' || node.type === 'ClassExpression') return;
    // A with body gets no probes (its names resolve through the object first).
    if (node.type === 'WithStatement' || (node.type === 'ReturnStatement' && (runsCode || !returnsPlainly(node)))) {
      plain = false;
      return;
    }
    if (node.type === 'TryStatement' && node.finalizer) {
      returns(node.block, true);
      if (node.handler) returns(node.handler, true);
      returns(node.finalizer, runsCode);
      return;
    }
    if (node.type === 'ForOfStatement') {
      returns(node.body, true);
      return;
    }
    for (const child of children(node)) returns(child, runsCode);
  };
  for (const st of (fn.body as AnyNode).body as AnyNode[]) returns(st, false);
  return plain;
}

/** The edits of one function; false when `tryFree` and a return got no exit probe of its own. */
function functionEdits(source: string, fn: FunctionNode, key: string, list: EditList, base: number, rows: RowMap | undefined, tryFree: boolean, entryAtFirst: boolean): boolean {
  const body = fn.body as AnyNode;
  // Without a finally block, every return must have its own exit probe.
  let exitsProbed = true;
  const probedLines = new Set<number>();
  // The next statement probe runs right after another probe, no code between (see adjacentProbe).
  let adjacent = false;
  // Inside a try block with a finally, or a for-of body: a return runs code before the exit.
  let returnRunsCode = 0;
  // Source-mapped code: rows are original lines, probed per statement (and per part of a
  // sequence or condition in minified code) whenever the row changes along the text.
  const mapped = rows !== undefined;
  const rowOf = (n: AnyNode): number | null => {
    if (!rows) return n.loc!.start.line;
    // `return a(),b` (statements a minifier joined): the first code to run is a's, not the keyword's.
    const first = (n.type === 'ReturnStatement' || n.type === 'ThrowStatement') && n.argument?.type === 'SequenceExpression' ? n.argument.expressions[0] : n;
    return rows.row(first) ?? rows.row(n);
  };
  let current: number | null = null;
  /** Whether a probe of `row` goes here (and marks it placed). */
  const claim = (row: number | null): row is number => {
    if (row === null) return false;
    if (mapped) {
      if (row === current) return false;
      current = row;
      return true;
    }
    if (probedLines.has(row)) return false;
    probedLines.add(row);
    return true;
  };
  const suspends = fn.async || fn.generator;
  const entryCall = `${ENTRY_HEAD}${JSON.stringify(key)}${suspends ? ',1' : ''});`;
  const entry = tryFree ? entryCall : `${entryCall}try{`;
  // V8 diffs old and new text (lines, then tokens in changed lines) to find changed
  // functions. The try block closes right after the last statement, not at the function's
  // own '}', so that brace's line stays the same and cannot be matched to an inserted '}'
  // (else the enclosing, running function counts as changed: BlockedByActiveFunction).
  const exit = `}finally{${F}()}`;

  if (tryFree) {
    const stmts = body.body as AnyNode[];
    let i = 0;
    while (i < stmts.length && stmts[i].directive !== undefined) i++;
    const { at, lead } = bodyLayout(fn, source, true, entryAtFirst);
    const end = stmts.length > 0 ? stmts[stmts.length - 1].end : -1;
    if (end > at) {
      list.open(at, lead + entry, base);
      list.close(end, `${leadFor(source, end)}${F}()`, base);
    } else {
      list.open(at, `${lead}${entry}${F}()`, base);
    }
    adjacent = true;
    statementList(stmts.slice(i), base + 1, at < (stmts[i]?.start ?? at) ? at : -1);
  } else if (body.type === 'BlockStatement') {
    const { at, lead, end, first, last } = bodyLayout(fn, source, false, entryAtFirst);
    if (end > at) {
      list.open(at, lead + entry, base);
      list.close(end, exit, base);
    } else {
      // An empty body: one edit, as a close sorts before an open at the same offset.
      list.open(at, lead + entry + exit, base);
    }
    const stmts = (body.body as AnyNode[]).slice(first, last + 1);
    // The first statement's anchor is the entry's place when the entry moved there.
    adjacent = true;
    statementList(stmts, base + 1, at < (stmts[0]?.start ?? at) ? at : -1);
  } else {
    // Expression-bodied arrow: give it a block on the same lines.
    const line = rowOf(body);
    list.open(body.start, `{${entry}${claim(line) ? adjacentProbe(line) : ''}return `, base);
    list.close(body.end, `;${exit}}`, base);
    expression(body, base + 1);
  }
  return exitsProbed;

  /** `anchor`: end of the token before the first statement (-1: none usable). */
  function statementList(stmts: AnyNode[], depth: number, anchor: number): void {
    for (const s of stmts) {
      statement(s, depth, false, anchor);
      anchor = s.end;
    }
    adjacent = false;
  }

  /** Where a probe for `s` can go without moving user code: the anchor when a line break separates them. */
  function before(s: AnyNode, anchor: number): number {
    // Not when a comment follows the anchor on its line: a `//` comment would swallow the probe.
    const restOfLine = /^[^\n\r\u2028\u2029]*/.exec(source.slice(anchor, s.start))![0];
    return anchor >= 0 && lineBreakBetween(source, anchor, s.start) && /^[ \t]*$/.test(restOfLine) ? anchor : -1;
  }

  /**
   * `single`: the statement is the whole body of an if/loop/label, so a probe needs braces.
   * `anchor`: end of the token before it.
   */
  function statement(s: AnyNode, depth: number, single: boolean, anchor: number): void {
    const adj = adjacent;
    adjacent = false;
    const line = rowOf(s);
    const target = s.type === 'LabeledStatement' ? innerLabeled(s) : s;
    const wantsProbe = s.type !== 'FunctionDeclaration' && s.type !== 'EmptyStatement' && s.type !== 'ClassDeclaration' && claim(line);
    if (wantsProbe) {
      const at = before(s, anchor);
      const plainReturn = s.type === 'ReturnStatement' && returnRunsCode === 0 && returnsPlainly(s);
      const text = plainReturn ? returnProbe(line, tryFree) : adj ? adjacentProbe(line) : lineProbe(line);
      if (s.type === 'BlockStatement') {
        // Inside the braces: a block on its own line may be an else branch or a loop body,
        // where a probe before it would become the body and the block run unconditionally.
        list.open(s.start + 1, text, depth + 1);
      } else if (single) {
        list.open(at >= 0 ? at : s.start, `{${text}`, depth);
        list.close(s.end, '}', depth);
      } else if (at >= 0) {
        list.open(at, `${leadFor(source, at)}${text}`, depth);
      } else {
        list.open(s.start, text, depth);
      }
    } else if (s.type === 'FunctionDeclaration' || s.type === 'EmptyStatement') {
      adjacent = adj; // they run nothing where they stand
    }
    if (tryFree && s.type === 'ReturnStatement' && !wantsProbe) {
      // Its line probed already (`if (n === 0) return;`): the exit alone goes before it, when
      // no code follows it on the line (only the return, which runs none, and braces move).
      if (/^[ \t;}]*(\/\/[^\n\r\u2028\u2029]*)?([\n\r\u2028\u2029]|$)/.test(source.slice(s.end, s.end + 1000))) {
        list.open(s.start, single ? `{${F}();` : `${F}();`, depth);
        if (single) list.close(s.end, '}', depth);
      } else exitsProbed = false;
    }
    if (target !== s) {
      if (LOOPS.has(target.type)) return loop(target, line, depth + 1, s.loc!.start.line);
      adjacent = wantsProbe || adj;
      return statement(target, depth + 1, false, -1);
    }
    if (LOOPS.has(s.type)) return loop(s, line, depth + 1);
    const row = current;
    switch (s.type) {
      case 'BlockStatement':
        adjacent = wantsProbe || adj;
        return statementList(s.body, depth + 1, s.start + 1);
      case 'IfStatement':
        expression(s.test, depth + 1);
        statement(s.consequent, depth + 1, s.consequent.type !== 'BlockStatement', parenEnd(s.test.end, s.consequent.start));
        if (s.alternate) statement(s.alternate, depth + 1, s.alternate.type !== 'BlockStatement', elseEnd(s));
        return branched(row);
      case 'SwitchStatement':
        expression(s.discriminant, depth + 1);
        for (const c of s.cases) {
          if (c.test) expression(c.test, depth + 1);
          statementList(c.consequent, depth + 1, colonEnd(c));
        }
        return branched(row);
      case 'TryStatement':
        adjacent = wantsProbe || adj;
        if (s.finalizer) returnRunsCode++;
        statementList(s.block.body, depth + 1, s.block.start + 1);
        if (s.handler) statementList(s.handler.body.body, depth + 1, s.handler.body.start + 1);
        if (s.finalizer) {
          returnRunsCode--;
          statementList(s.finalizer.body, depth + 1, s.finalizer.start + 1);
        }
        return branched(row);
      case 'WithStatement':
        // No probes in its body: every name there resolves through the object first.
        expression(s.object, depth + 1);
        return;
      case 'FunctionDeclaration':
      case 'ClassDeclaration':
        return; // their own code is not this function's lines
      default:
        for (const child of children(s)) expression(child, depth + 1);
    }
  }

  /**
   * End of the first ')' from `from` (the end of a header's last expression) before `to`,
   * skipping comments: a ')' inside a comment between the header and its body is no anchor.
   * -1 when none (the statement's anchor is checked before use).
   */
  function parenEnd(from: number, to: number): number {
    for (let i = from; i < to; i++) {
      if (source[i] === '/' && source[i + 1] === '/') {
        while (i < to && !/[\n\r\u2028\u2029]/.test(source[i])) i++;
      } else if (source[i] === '/' && source[i + 1] === '*') {
        const close = source.indexOf('*/', i + 2);
        if (close < 0) return -1;
        i = close + 1;
      } else if (source[i] === ')') return i + 1;
    }
    return -1;
  }

  /** End of a loop header's last expression (or the keyword, for `for (;;)`). */
  function headerEnd(s: AnyNode): number {
    if (s.type === 'ForStatement') return (s.update ?? s.test ?? s.init)?.end ?? s.start;
    if (s.type === 'WhileStatement') return s.test.end;
    return s.right.end; // for-in, for-of
  }

  /** End of the `else` keyword (-1 when comments make it unsure). */
  function elseEnd(s: AnyNode): number {
    const at = source.lastIndexOf('else', s.alternate.start);
    return at >= s.consequent.end && lineBreakBetween(source, at + 4, s.alternate.start) ? at + 4 : -1;
  }

  /** End of a case's ':' (-1 when comments make it unsure). */
  function colonEnd(c: AnyNode): number {
    const at = source.indexOf(':', c.test ? c.test.end : c.start + 7);
    return at >= 0 && (c.consequent.length === 0 || at < c.consequent[0].start) ? at + 1 : -1;
  }

  /**
   * Minified code joins statements into expressions: `a(),b()` (a sequence), `x&&y()` and
   * `x?y():z()` (an if), `let a=1,b=2` (one declaration). A part whose original line differs
   * from the row open before it gets its own expression probe. True when `e` was walked here.
   */
  function mappedExpression(e: AnyNode, depth: number): boolean {
    switch (e.type) {
      case 'SequenceExpression':
        for (const part of e.expressions as AnyNode[]) {
          const row = rowOf(part);
          // Even a bare name counts its line (`return a(),x`: the return's own line).
          if (!isFunction(part) && part.type !== 'ClassExpression' && claim(row)) list.open(part.start, `${expressionProbe(row)},`, depth);
          expression(part, depth + 1);
        }
        return true;
      case 'LogicalExpression': {
        expression(e.left, depth + 1);
        const before = current;
        probedPart(e.right, depth);
        branched(before);
        return true;
      }
      case 'ConditionalExpression': {
        expression(e.test, depth + 1);
        const before = current;
        probedPart(e.consequent, depth);
        const afterConsequent = current;
        current = before;
        probedPart(e.alternate, depth);
        current = afterConsequent === before && current === before ? before : null;
        return true;
      }
      case 'VariableDeclarator':
        expression(e.id, depth + 1);
        if (e.init) probedPart(e.init, depth);
        return true;
      default:
        return false;
    }
  }

  /** `part` wrapped as `(probe, part)` when its row differs from the open one; then walked. */
  function probedPart(part: AnyNode, depth: number): void {
    // A function or class keeps its inferred name only unwrapped; it runs no code here anyway.
    if (!isCodeless(part) && claim(rowOf(part))) {
      list.open(part.start, `(${expressionProbe(current!)},`, depth);
      list.close(part.end, ')', depth);
    }
    expression(part, depth + 1);
  }

  /**
   * After code that may or may not run (branches, loop bodies): when it placed probes, which
   * row is open afterwards is not known, so the next row probes even if it is the same.
   */
  function branched(before: number | null): void {
    if (current !== before) current = null;
  }

  function innerLabeled(s: AnyNode): AnyNode {
    let t = s;
    while (t.type === 'LabeledStatement') t = t.body;
    return t;
  }

  /**
   * A loop's line counts once when the loop starts (its statement probe) and once per pass
   * (a probe in its body), like memory_profiler's count of the header's tests.
   */
  /** `line`: the row of the loop (or its label); `generatedLine`: where that statement starts. */
  function loop(s: AnyNode, line: number | null, depth: number, generatedLine: number = s.loc!.start.line): void {
    switch (s.type) {
      case 'ForStatement':
        if (s.init) expression(s.init, depth);
        if (s.test) expression(s.test, depth);
        if (s.update) expression(s.update, depth);
        break;
      case 'WhileStatement':
      case 'DoWhileStatement':
        expression(s.test, depth);
        break;
      default:
        expression(s.right, depth);
    }
    const doWhile = s.type === 'DoWhileStatement';
    const anchor = doWhile ? s.start + 2 : parenEnd(headerEnd(s), s.body.start);
    // The test of a do-while is on a line of its own: its probe ends each pass.
    const passLine = doWhile ? rowOf(s.test) : line;
    if (doWhile && passLine !== null && !mapped) probedLines.add(passLine);
    if (passLine !== null) passProbe(s.body, passLine, doWhile ? s.test.loc.start.line : generatedLine, depth, doWhile, anchor);
    const row = current;
    // Each pass starts on the loop's row (a do-while's body, after the previous test).
    if (mapped && !doWhile) current = line;
    // Leaving a for-of early calls its iterator's return().
    const iterates = s.type === 'ForOfStatement';
    if (iterates) returnRunsCode++;
    statement(s.body, depth + 1, s.body.type !== 'BlockStatement', anchor);
    if (iterates) returnRunsCode--;
    if (mapped) current = current === line && row === line ? line : null;
  }

  /** A probe of the loop's line in each pass: at the body's start, or at its end when code follows the header on its line. */
  function passProbe(b: AnyNode, line: number, generatedLine: number, depth: number, atEnd: boolean, anchor: number): void {
    if (b.type === 'BlockStatement') {
      const stmts = b.body as AnyNode[];
      if (!atEnd && (stmts.length === 0 || lineBreakBetween(source, b.start + 1, stmts[0].start))) {
        list.open(b.start + 1, `${lineProbe(line)}`, depth);
        adjacent = true;
      } else {
        const last = stmts[stmts.length - 1];
        // Code after the body on the same line (a do-while's test) would move: no probe.
        if (atEnd && !(last && lineBreakBetween(source, last.end, b.end - 1))) return;
        // A close: after whatever else ends there inside the body, before the next statement's probe.
        list.close(last ? last.end : b.start + 1, `${last ? leadFor(source, last.end) : ''}${lineProbe(line)}`, depth + 2);
      }
    } else if (b.type === 'ExpressionStatement' && (atEnd ? b.loc!.end.line < generatedLine : b.loc!.start.line === generatedLine)) {
      list.close(b.expression.end, `,${expressionProbe(line)}`, depth + 2);
    } else if (!atEnd && b.type !== 'EmptyStatement') {
      const at = before(b, anchor);
      list.open(at >= 0 ? at : b.start, `{${lineProbe(line)}`, depth);
      list.close(b.end, '}', depth);
      adjacent = true;
    }
  }

  function expression(e: AnyNode, depth: number): void {
    if (isFunction(e) || e.type === 'ClassExpression' || e.type === 'ClassDeclaration') return;
    if (mapped && mappedExpression(e, depth)) return;
    if (e.type === 'AwaitExpression' || e.type === 'YieldExpression') {
      list.open(e.start, `${F}.r(`, depth);
      if (e.argument) {
        list.open(e.argument.start, `${F}.s(`, depth + 1);
        list.close(e.argument.end, ')', depth + 1);
        list.close(e.end, ')', depth);
        expression(e.argument, depth + 2);
      } else {
        list.close(e.end, ` ${F}.s())`, depth);
      }
      return;
    }
    for (const child of children(e)) expression(child, depth + 1);
  }
}

/** Rows of source-mapped code (mapped-rows.ts): a node's original line, null for none of this function's. */
export interface RowMap {
  row(node: AnyNode): number | null;
}

export interface InstrumentTarget {
  node: FunctionNode;
  key: string;
  /** Rows that are original lines, for source-mapped code; generated lines without it. */
  rows?: RowMap;
  /**
   * The entry probe goes before the first statement, moving its columns, rather than at the
   * end of the header's line: for a LiveEdit whose header line would otherwise start a run
   * of changed lines too long for V8 to diff by characters (see liveedit.ts).
   */
  entryAtFirst?: boolean;
}

export interface Instrumented {
  code: string;
  /** The inserted text's [start, end) ranges in `code`, in order: what undoes the probes. */
  inserted: number[];
  /** Targets left as they are, with the reason. */
  refused: { target: InstrumentTarget; reason: string }[];
}

/**
 * The whole source with every target function instrumented that can be; the others are
 * left as they are, with the reason. Edits of a function nested in another target sort
 * inside the outer one's at the same offset (its depths start above the outer's).
 */
export function instrumentEach(source: string, targets: readonly (InstrumentTarget & { insideWith?: boolean })[]): Instrumented {
  const list = new EditList();
  const refused: Instrumented['refused'] = [];
  // How many other targets enclose each target.
  const levels = new Map<InstrumentTarget, number>();
  const open: InstrumentTarget[] = [];
  for (const t of [...targets].sort((a, b) => a.node.start - b.node.start || b.node.end - a.node.end)) {
    while (open.length > 0 && open[open.length - 1].node.end < t.node.end) open.pop();
    levels.set(t, open.length);
    open.push(t);
  }
  for (const t of targets) {
    if (t.insideWith) {
      refused.push({ target: t, reason: 'it is inside a with statement, where the probes would be looked up on the object' });
      continue;
    }
    const level = levels.get(t) ?? 0;
    const mark = list.edits.length;
    try {
      instrumentEdits(source, t.node, t.key, list, level * NESTING, t.rows, t.entryAtFirst);
    } catch (err) {
      if (!(err instanceof CannotInstrument)) throw err;
      list.edits.length = mark;
      refused.push({ target: t, reason: err.message });
    }
  }
  const inserted: number[] = [];
  return { code: applyEdits(source, list.edits, inserted), inserted, refused };
}

const NESTING = 1_000_000;

/** The whole source with every target function instrumented; CannotInstrument when one cannot be. */
export function instrument(source: string, targets: readonly InstrumentTarget[]): string {
  return instrumentAll(source, targets).code;
}

/** instrument() with the inserted ranges. */
export function instrumentAll(source: string, targets: readonly InstrumentTarget[]): Instrumented {
  const result = instrumentEach(source, targets);
  if (result.refused.length > 0) throw new CannotInstrument(result.refused[0].reason);
  return result;
}
