import * as inspector from 'node:inspector';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as acorn from 'acorn';
import { liveEditRefusal } from './liveedit-status';
import { CannotInstrument, entryOffset, functionAt, functionKey, instrumentAll, parseFunctionText, parseSource, PROBE_GLOBAL, type AnyNode, type FoundFunction } from './instrument';
import { liveEditCost } from './liveedit-cost';
import { BIG_FILE, LineStarts } from './lines';
import { forgetLatestText, probeTarget, withShiftedMap } from './mapped-rows';
import { expectStaleClasses, nativeText, rememberProbedScript } from './original-text';
import { ENTRY_HEAD, ENTRY_PATTERN, parseFunctionKey } from './probe-key';
import { formatSize } from '../units/size';
import { monotonicMs } from '../util/clock';

const PROBE_MARK = `Symbol.for(${JSON.stringify(PROBE_GLOBAL)})`;

/**
 * Delivery by V8 LiveEdit through an in-process inspector session: find the function's
 * script and position ([[FunctionLocation]]), instrument that range in the script's current
 * source, and replace the script (Debugger.setScriptSource). V8 swaps the code of existing
 * closures, so captured variables stay and every reference runs the probed code.
 * For in-process sessions, Runtime and Debugger replies arrive synchronously (checked on Node 20).
 */

export interface LiveEditTarget {
  key: string;
  file: string;
  name: string;
  line: number;
  endLine: number;
  /** The script's text before memprof touched it (for the report's line contents). */
  pristine: string;
}

export class LiveEditRefused extends Error {}

/**
 * The function cannot be probed in place, but can be measured around each call (one row).
 * V8 counts an insertion at the very end of a function as outside it, and an
 * expression-bodied arrow can only be closed there; and a function whose last statement
 * shares a line with its closing brace can leave V8's text diff unable to match it: the
 * edit succeeds but existing closures keep the old code.
 */
export class NeedsWrapper extends LiveEditRefused {
  constructor(readonly target: LiveEditTarget, readonly bodyLine: number, reason: string) {
    super(reason);
  }
}

let session: inspector.Session | null = null;
const urls = new Map<string, string>();
const pristineSources = new Map<string, string>();

function post<T>(method: string, params?: object): T {
  if (!session) {
    session = new inspector.Session();
    session.connect();
    session.on('Debugger.scriptParsed', (m: { params: { scriptId: string; url: string } }) => {
      urls.set(m.params.scriptId, m.params.url);
    });
  }
  let error: Error | null = null;
  let result: T | undefined;
  let replied = false;
  (session.post as (m: string, p: object | undefined, cb: (err: Error | null, res: T) => void) => void)(method, params, (err, res) => {
    error = err;
    result = res;
    replied = true;
  });
  if (!replied) throw new LiveEditRefused(`the inspector did not answer ${method} synchronously`);
  if (error) throw new LiveEditRefused((error as Error).message);
  return result as T;
}

export interface FunctionLocation {
  scriptId: string;
  lineNumber: number;
  columnNumber: number;
}

const STASH = Symbol.for('memprof.liveedit.target');

const STASHED = `globalThis[Symbol.for(${JSON.stringify('memprof.liveedit.target')})]`;

/**
 * An inspector handle on `value` (release it after use): stashed on this module's global and
 * evaluated in the main context, or, when this module runs inside a vm context (jest's
 * environment, vitest's vmThreads/vmForks pools load it there, so its globalThis is the
 * sandbox's), in the context whose global holds it.
 */
function handleOf(value: object): string | undefined {
  (globalThis as Record<symbol, unknown>)[STASH] = value;
  try {
    const inMain = post<{ result: { objectId?: string } }>('Runtime.evaluate', { expression: STASHED }).result.objectId;
    if (inMain) return inMain;
    for (const contextId of otherContexts()) {
      let reply: { result: { type?: string; objectId?: string } };
      try {
        reply = post('Runtime.evaluate', { expression: STASHED, contextId });
      } catch {
        continue; // a context that went away meanwhile
      }
      if (reply.result.type === typeof value && reply.result.objectId) return reply.result.objectId;
      if (reply.result.objectId) post('Runtime.releaseObject', { objectId: reply.result.objectId });
    }
    return undefined;
  } finally {
    delete (globalThis as Record<symbol, unknown>)[STASH];
  }
}

/** The ids of the execution contexts other than the main one, newest first. */
function otherContexts(): number[] {
  const ids: number[] = [];
  const created = (m: { params: { context: { id: number; auxData?: { isDefault?: boolean } } } }): void => {
    if (!m.params.context.auxData?.isDefault) ids.push(m.params.context.id);
  };
  session!.on('Runtime.executionContextCreated', created);
  try {
    // Runtime.enable lists the live contexts (synchronously in process); kept enabled, it
    // would also send this session every console call of the program.
    post('Runtime.enable');
  } finally {
    session!.off('Runtime.executionContextCreated', created);
    post('Runtime.disable');
  }
  return ids.reverse();
}

function locate(fn: Function): FunctionLocation {
  const objectId = handleOf(fn);
  if (!objectId) throw new LiveEditRefused('the inspector gave no handle for the function');
  const props = post<{ internalProperties?: { name: string; value?: { value?: FunctionLocation } }[] }>('Runtime.getProperties', { objectId, ownProperties: true });
  post('Runtime.releaseObject', { objectId });
  const location = props.internalProperties?.find((p) => p.name === '[[FunctionLocation]]')?.value?.value;
  if (props.internalProperties?.some((p) => p.name === '[[TargetFunction]]')) {
    throw new LiveEditRefused('it is a bound function: profile the function before binding it');
  }
  if (!location) throw new LiveEditRefused('it is native or built-in code (no source location)');
  return location;
}

/**
 * A function made in another realm (vm.runInNewContext, a sandbox while memprof runs in the
 * main context) reads the probes from its own global: they are put there too, through that
 * realm's Function constructor (its Function.prototype is the last prototype before
 * Object.prototype). A realm that forbids code from strings is refused: its probed code
 * would find no probes and count nothing.
 */
function shareProbes(fn: Function): void {
  const key = Symbol.for(PROBE_GLOBAL);
  const probes = (globalThis as Record<symbol, unknown>)[key];
  if (fn instanceof Function || probes === undefined) return;
  const chain: { constructor?: unknown }[] = [];
  for (let p = Object.getPrototypeOf(fn); p; p = Object.getPrototypeOf(p)) chain.push(p);
  const RealmFunction = chain[chain.length - 2]?.constructor;
  let realm: Record<symbol, unknown> | null = null;
  try {
    if (typeof RealmFunction === 'function') realm = (RealmFunction as FunctionConstructor)('return globalThis')() as Record<symbol, unknown>;
  } catch {
    realm = null;
  }
  if (!realm || typeof realm !== 'object') throw new LiveEditRefused('it belongs to another vm context, whose global memprof cannot reach');
  if (!realm[key]) Object.defineProperty(realm, key, { value: probes, configurable: true });
}

function fileOf(url: string): string {
  if (url.startsWith('file://')) return fileURLToPath(url);
  return url;
}

/**
 * Instruments `fn` in place. Returns its description; throws LiveEditRefused with the reason
 * when V8 or the source refuse (the caller runs the function unprofiled).
 */
export function liveEdit(fn: Function, keyFor: (found: FoundFunction, file: string) => string): LiveEditTarget {
  enableDebugger();
  const location = locate(fn);
  shareProbes(fn);
  return editAt(location, keyFor, fn);
}

/**
 * Instruments the function V8 places at this script position (a sampling profile's call
 * frame: 0-based line and column), for callers that know where a function is but hold no
 * reference to it. Throws LiveEditRefused as liveEdit does.
 */
export function liveEditAt(location: FunctionLocation, keyFor: (found: FoundFunction, file: string) => string): LiveEditTarget {
  enableDebugger();
  return editAt(location, keyFor, null);
}

function editAt(location: FunctionLocation, keyFor: (found: FoundFunction, file: string) => string, fn: Function | null): LiveEditTarget {
  try {
    const url = urls.get(location.scriptId) ?? '';
    if (!url) throw new LiveEditRefused('its script has no file (eval or built-in code)');
    const file = fileOf(url);
    const { scriptSource } = post<{ scriptSource: string }>('Debugger.getScriptSource', { scriptId: location.scriptId });
    // A script probed by a load hook is not pristine: its text is read from disk instead, as
    // is a big script's (not kept in memory).
    if (!pristineSources.has(location.scriptId)) {
      pristineSources.set(location.scriptId, scriptSource.includes(PROBE_MARK) || scriptSource.length >= BIG_FILE ? '' : scriptSource);
    }
    const lines = new LineStarts(scriptSource);
    const offset = lines.offset(location.lineNumber + 1, location.columnNumber);
    // Without the function's own text, the whole script is parsed: not one V8 would take too long to edit.
    if (fn === null && scriptSource.length >= BIG_FILE) {
      const slow = slowEdit(scriptSource, file, { name: '', line: location.lineNumber + 1 });
      if (slow.refuse) throw new LiveEditRefused(slow.refuse);
    }
    const found = functionAt(parseAround(scriptSource, offset, fn, url, lines), offset);
    if (!found) {
      if (fn && /^class\b/.test(Function.prototype.toString.call(fn))) {
        throw new LiveEditRefused('it is a class without a constructor of its own: profile its methods (Class.prototype.method) instead');
      }
      throw new LiveEditRefused('its source was not found in the script');
    }
    // Already probed (by a load hook, or an earlier profile()): use its key, leave the code alone.
    const existing = existingKey(scriptSource, found);
    // Source-mapped code (a bundle, minified): rows are the original file's lines.
    const mapped = existing === null ? probeTarget(file, scriptSource, found) : null;
    const key = existing ?? (mapped?.rows ? mapped.key : keyFor(found, file));
    const probed = existing !== null;
    const { line, endLine } = mapped?.rows ? parseFunctionKey(key) : found;
    const target: LiveEditTarget = {
      key,
      file,
      name: found.name,
      line,
      endLine,
      pristine: pristineSources.get(location.scriptId)!,
    };
    if (probed) return target;
    const bodyLine = mapped?.rows ? line : found.node.body.loc!.start.line;
    if (found.node.expression) throw new NeedsWrapper(target, bodyLine, '');
    // Source-mapped code takes two edits (its moved map goes in by the second).
    const slow = slowEdit(scriptSource, file, found, mapped?.rows ? 2 : 1);
    if (slow.refuse) throw new NeedsWrapper(target, bodyLine, slow.refuse);
    if (slow.notice) process.stderr.write(`memprof: ${slow.notice}\n`);
    const began = monotonicMs();
    let instrumented: { code: string; inserted: number[] };
    try {
      instrumented = instrumentAll(scriptSource, [{ node: found.node, key, rows: mapped?.rows }]);
      if (headerRunTooLong(scriptSource, instrumented.code, found.node)) {
        instrumented = instrumentAll(scriptSource, [{ node: found.node, key, rows: mapped?.rows, entryAtFirst: true }]);
      }
    } catch (err) {
      if (err instanceof CannotInstrument) throw new LiveEditRefused(err.message);
      throw err;
    }
    // Still a long run at its start (its first line is long itself: minified code): V8 would
    // keep the old code, and the script's other functions on that line would be left on the
    // replaced script, where a later profile() cannot reach them. Not tried.
    if (headerRunTooLong(scriptSource, instrumented.code, found.node)) {
      throw new NeedsWrapper(target, bodyLine, sharedLine(found, scriptSource, file) ?? longRun(found, file));
    }
    let { code: edited, inserted } = instrumented;
    const reply = post<{ status?: string; exceptionDetails?: { text: string; lineNumber: number } }>('Debugger.setScriptSource', {
      scriptId: location.scriptId,
      scriptSource: edited,
    });
    if (reply.exceptionDetails) {
      throw new LiveEditRefused(`the probed source does not compile: ${reply.exceptionDetails.text} (line ${reply.exceptionDetails.lineNumber + 1})`);
    }
    if (reply.status === 'BlockedByActiveFunction' && closesOnLastLine(found)) {
      // V8's text diff put the edit of a body closing on its last line into the enclosing
      // function, which is running (a module's top level): this function itself is not.
      throw new NeedsWrapper(target, bodyLine, sharedLine(found, scriptSource, file) ?? SHARED_LINE);
    }
    if (reply.status && reply.status !== 'Ok') throw new LiveEditRefused(sharedLine(found, scriptSource, file) ?? liveEditRefusal(reply.status));
    // (A class's text comes from positions LiveEdit does not update: no check for classes.)
    const isClass = fn !== null && Object.getOwnPropertyDescriptor(fn, 'prototype')?.writable === false;
    if (fn !== null && !isClass && !nativeText(fn).includes(PROBE_MARK)) {
      // V8 accepted the script but kept this closure on its old code: put the text back.
      post('Debugger.setScriptSource', { scriptId: location.scriptId, scriptSource });
      throw new NeedsWrapper(target, bodyLine, sharedLine(found, scriptSource, file) ?? SHARED_LINE);
    }
    // The source map moved along goes in by an edit of its own. Appended in the same edit, it
    // changes the script's last line, so V8's line diff (Myers) spans from the function to the
    // end of the file and can merge the function's changed lines with the blank lines between
    // them into one range of 800 characters or more, which V8 replaces whole: a function
    // starting inside it is matched to no new function and keeps its old code (handlebars'
    // Compiler.prototype.compile was wrapped). Alone, the comment changes only the end.
    const withMap = withShiftedMap(file, scriptSource, instrumented);
    if (withMap !== instrumented && post<{ status?: string }>('Debugger.setScriptSource', { scriptId: location.scriptId, scriptSource: withMap.code }).status === 'Ok') {
      ({ code: edited, inserted } = withMap);
    }
    const took = (monotonicMs() - began) / 1000;
    if (!slow.notice && took > 1) process.stderr.write(`memprof: ${found.name}: V8 took ${took.toFixed(1)} s to recompile ${path.basename(file)} (${formatSize(scriptSource.length)}) and swap its code\n`);
    rememberProbedScript(edited, scriptSource, inserted);
    // Classes after the function keep their old offsets in the new text (V8 does not move them).
    if (/\bclass\b/.test(scriptSource.slice(found.node.end))) expectStaleClasses();
    return target;
  } finally {
    forgetLatestText(); // the script's text (megabytes in a bundle) is not kept
  }
}

/** Above this estimate, a function is wrapped rather than edited (profile() must not freeze the program). */
const WRAP_SECONDS = 1.5;
/** Above this estimate, a line on stderr says why the program stops for a while. */
const NOTICE_SECONDS = 0.7;

/**
 * V8 recompiles the whole script to swap one function's code, in a time that grows with
 * its functions × the variables of their scopes (24 s for typescript.js): a refusal (the
 * function is wrapped) when that takes too long, a notice when it takes a while.
 */
function slowEdit(source: string, file: string, found: { name: string; line: number }, edits = 1): { refuse?: string; notice?: string } {
  const cost = liveEditCost(source);
  const seconds = cost.seconds * edits;
  if (seconds < NOTICE_SECONDS) return {};
  const what = `${path.basename(file)} (${formatSize(source.length)}, ${cost.functions.toLocaleString('en-US')} functions)`;
  if (seconds < WRAP_SECONDS) return { notice: `${found.name}: V8 recompiles ${what} to swap its code, about ${Math.ceil(seconds)} s` };
  const selector = selectorOf(found);
  return {
    refuse: `V8 would take about ${Math.round(seconds)} s to recompile ${what} and swap its code; for its lines, select it as the file loads: memprof -f '${path.basename(file)}:${selector}'`,
  };
}

const SHARED_LINE = 'V8 could not match its probed text to the running closure (its last line holds its closing brace)';

/**
 * What works instead for a function whose closing brace shares its line with other code
 * (minified bundles, tsx's output): V8's LiveEdit diffs such a line as a whole (whole, past
 * 800 characters), charging the edit to the code around the function. Instrumenting the file
 * as it loads (-f) needs no diff.
 */
function sharedLine(found: FoundFunction, source: string, file: string): string | null {
  const rest = /^[^\n\r\u2028\u2029]*/.exec(source.slice(found.node.end))![0].replace(/\/\/.*$/, '');
  if (!/\S/.test(rest)) return null;
  return `its closing brace shares its line with other code (minified, or compiled by tsx), which V8's LiveEdit replaces only as a whole; -f ${path.basename(file)}:${selectorOf(found)} profiles it as the file loads`;
}

/** Why a function whose first changed lines V8 would replace whole is not edited, and what works instead. */
function longRun(found: FoundFunction, file: string): string {
  return `its first lines, probed, make a change of ${V8_CHUNK_LIMIT} characters or more, which V8's LiveEdit replaces only as a whole; -f ${path.basename(file)}:${selectorOf(found)} profiles it as the file loads`;
}

/** A -f selector for the function: its name, or where its header starts (minified functions share a line and often have no name). */
function selectorOf(found: Pick<FoundFunction, 'name' | 'line'> & Partial<Pick<FoundFunction, 'node' | 'head'>>): string {
  if (/^[A-Za-z_$][\w$]*$/.test(found.name)) return found.name;
  const at = found.head ?? (found.node && { line: found.line, column: found.node.loc!.start.column });
  return at ? `${at.line}:${at.column + 1}` : String(found.line);
}

/** Whether the body's closing brace shares a line with its last statement (or its opening brace). */
function closesOnLastLine(found: FoundFunction): boolean {
  const body = found.node.body as acorn.Node & { body?: acorn.Node[] };
  if (!body.body) return false;
  const last = body.body[body.body.length - 1] ?? body;
  return (body.body.length ? last.loc!.end.line : body.loc!.start.line) === body.loc!.end.line;
}

let debuggerEnabled = false;

/**
 * Debugger.enable replays every script (tens of ms), so it stays enabled; this session
 * skips all pauses, or a `debugger` statement would wait for this very thread.
 */
function enableDebugger(): void {
  if (debuggerEnabled) return;
  post('Debugger.enable');
  post('Debugger.setSkipAllPauses', { skip: true });
  debuggerEnabled = true;
}

/** The function's own text parsed in place (fast), or the whole script when that fails. */
function parseAround(source: string, offset: number, fn: Function | null, url: string, lines: LineStarts): acorn.Program {
  if (fn !== null) {
    const text = nativeText(fn);
    const start = source.lastIndexOf(text, offset);
    if (start >= 0 && start + text.length >= offset) {
      const program = parseFunctionText(start, text, lines.position(start));
      if (program) return program;
    }
  }
  try {
    return parseSource(source, url.endsWith('.mjs') ? true : undefined);
  } catch (err) {
    throw new LiveEditRefused(`its script does not parse (${(err as Error).message})`);
  }
}

/** The entry probe's key when the function's body already starts with one (at either place an entry goes). */
function existingKey(source: string, found: FoundFunction): string | null {
  const body = found.node.body as AnyNode;
  if (body.type !== 'BlockStatement') return null;
  for (const entryAtFirst of [false, true]) {
    let at: number;
    try {
      at = entryOffset(found.node, source, entryAtFirst).at;
    } catch {
      return null;
    }
    const text = source.slice(source[at] === ';' ? at + 1 : at, at + 8192);
    if (!text.startsWith(ENTRY_HEAD)) continue;
    const head = ENTRY_PATTERN.exec(text);
    if (head?.index === 0) return JSON.parse(head[1]) as string;
  }
  return null;
}

/** V8's LiveEdit diffs a run of changed lines by characters only under this length; longer, it replaces the run whole. */
const V8_CHUNK_LIMIT = 800;

/**
 * Whether the run of changed lines that starts at the line of the function's parameters
 * (where V8 places the function) may reach V8_CHUNK_LIMIT: replaced whole, the function would
 * start inside a changed range, match no new function and keep its old code (js-yaml's
 * loadAll, tab-indented lines after the header's long entry probe). Edits never add lines,
 * so the two texts' lines correspond one to one.
 */
function headerRunTooLong(source: string, edited: string, fn: AnyNode): boolean {
  const paren = fn.type === 'ArrowFunctionExpression' ? fn.start : source.indexOf('(', fn.id ? fn.id.end : fn.start);
  let from = source.lastIndexOf('\n', paren) + 1;
  let fromEdited = from; // the text before the function is the same in both
  let oldLength = 0;
  let newLength = 0;
  let unchanged = 0;
  for (;;) {
    const end = source.indexOf('\n', from);
    const endEdited = edited.indexOf('\n', fromEdited);
    const line = source.slice(from, end < 0 ? source.length : end + 1);
    const lineEdited = edited.slice(fromEdited, endEdited < 0 ? edited.length : endEdited + 1);
    // One unchanged line between changed ones does not end the run: V8's line diff (Myers)
    // can count it in (a blank line in handlebars' compile, `break;` in esprima's tokenize).
    // The header's line itself unchanged: the function starts before any changed range.
    unchanged = line === lineEdited ? unchanged + 1 : 0;
    if (unchanged === 2 || (unchanged === 1 && oldLength === 0)) return false;
    oldLength += line.length;
    newLength += lineEdited.length;
    if (oldLength >= V8_CHUNK_LIMIT || newLength >= V8_CHUNK_LIMIT) return true;
    if (end < 0 || endEdited < 0) return false;
    from = end + 1;
    fromEdited = endEdited + 1;
  }
}

/** The line key of a function edited at runtime. */
export function liveEditKey(found: FoundFunction, file: string): string {
  return functionKey(file, found.name, found.line, found.endLine, found.node.loc!.start.column);
}
