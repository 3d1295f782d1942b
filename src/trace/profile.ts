import * as fs from 'node:fs';
import { BACKENDS, isBackendName, type BackendName } from '../meter';
import type { FunctionResult, LineResult, ProfileResults } from '../report/results';
import {
  activeBackend,
  allCallFigures,
  allFunctions,
  configure,
  deferredConfig,
  finishOpenFrames,
  isConfigured,
  probes,
  register,
  setCallFiguresAside,
  splitActive,
  setTopLevelExitHandler,
  type CallFigures,
  type FunctionStats,
  type TraceMode,
} from './runtime';
import { precisionProblem } from '../units/size';
import { BIG_FILE, LineStarts } from './lines';
import { parseFunctionKey } from './probe-key';
import type { ThreadStats } from './shared-stats';
import { firstProfileBegins, firstProfileEnds, profilerLoads } from './first-profile';

// What makes and writes tables loads with the first table (the CLI writes its own report).
const reportText = (): typeof import('../report/text') => require('../report/text');
const writeSync = (): typeof import('../util/write-sync') => require('../util/write-sync');
const sourceMap = (): typeof import('./source-map') => require('./source-map');

export type { LineResult, FunctionResult, ProfileResults } from '../report/results';
export type { TraceMode } from './runtime';

export interface ProfileOptions {
  /** Decimal places of MiB in printed tables (default 1). */
  precision?: number;
  /** Where tables go (default stdout). */
  stream?: NodeJS.WritableStream;
  /** Meter backend; the first profiled function's choice holds for the process. */
  backend?: BackendName;
  /** 'call': a table after each top-level call (default); 'exit': one table at process exit; 'none'. */
  report?: 'call' | 'exit' | 'none';
  /** 'exact' (default): read memory at every line; 'fast': read the sampler's latest value. */
  mode?: TraceMode;
  /** Split each increment into V8 heap, external and other (default: on with the native
   * backend in exact mode). The first profiled function's choice holds for the process. */
  split?: boolean;
}

interface Settings {
  precision: number;
  stream: NodeJS.WritableStream;
  report: 'call' | 'exit' | 'none';
}

const settings = new Map<number, Settings>();
const sources = new Map<string, string>();
let defaults: ProfileOptions = {};
let exitHookInstalled = false;

/** Options that apply where a profile() call gives none (the CLI sets report 'none' and writes itself). */
export function setProfileDefaults(options: ProfileOptions): void {
  defaults = { ...options };
}

/** Remembers the text a function's rows quote (before memprof's probes). */
export function rememberSource(file: string, text: string): void {
  if (text !== '' && !sources.has(file)) sources.set(file, text);
}

/** The text remembered for a file (a worker shares it when the file has none on disk). */
export function sourceOf(file: string): string | undefined {
  return sources.get(file);
}

let workers: ThreadStats | null = null;

/** Results include the calls of worker threads (the CLI's workers share their figures). */
export function includeWorkers(stats: ThreadStats): void {
  workers = stats;
}

function sourceText(file: string): string {
  let text = sources.get(file) ?? workers?.sources().get(file);
  if (text === undefined) {
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      text = '';
    }
    // A big file's text is read again for each table, not kept: it would count in every row after.
    if (text.length < BIG_FILE) sources.set(file, text);
  }
  return text;
}

const OPTION_NAMES = ['precision', 'stream', 'backend', 'report', 'mode', 'split'];

/** A misspelt option (`reprot`) or a bad backend fails on every call, not only the first. */
function checkOptions(options: ProfileOptions): void {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError(`profile() options must be an object, not ${options === null ? 'null' : Array.isArray(options) ? 'an array' : typeof options}`);
  }
  for (const key of Object.keys(options)) {
    if (!OPTION_NAMES.includes(key)) throw new TypeError(`unknown profile() option "${key}": valid options are ${OPTION_NAMES.join(', ')}`);
  }
  if (options.backend !== undefined && !isBackendName(options.backend)) {
    throw new TypeError(`unknown backend ${JSON.stringify(options.backend)}: choose one of ${BACKENDS.join(', ')}`);
  }
  const precision = options.precision === undefined ? null : precisionProblem(options.precision);
  if (precision) throw new TypeError(precision);
  if (options.report !== undefined && !['call', 'exit', 'none'].includes(options.report)) {
    throw new TypeError(`report must be 'call', 'exit' or 'none', got ${String(options.report)}`);
  }
  if (options.mode !== undefined && !['exact', 'fast'].includes(options.mode)) {
    throw new TypeError(`mode must be 'exact' or 'fast', got ${String(options.mode)}`);
  }
  if (options.split !== undefined && typeof options.split !== 'boolean') {
    throw new TypeError(`split must be a boolean, got ${String(options.split)}`);
  }
  if (options.stream !== undefined && typeof (options.stream as NodeJS.WritableStream).write !== 'function') {
    throw new TypeError('stream must be a writable stream (something with a write method)');
  }
}

function write(stream: NodeJS.WritableStream, text: string): void {
  // stdout at process exit: write synchronously so nothing is lost.
  if (stream === process.stdout) writeSync().writeAllSync(1, text);
  else if (stream === process.stderr) writeSync().writeAllSync(2, text);
  else stream.write(text);
}

/** After a function's outermost call: in 'call' mode, that call's own table (like memory_profiler's decorator). */
function onTopLevelExit(fn: FunctionStats): void {
  const s = settings.get(fn.id);
  if (s?.report !== 'call') return;
  write(s.stream, reportText().formatFunctionText(functionResult(fn, fn), s.precision));
  setCallFiguresAside(fn);
}

let printedAtExit = false;

/**
 * report 'exit' tables: at 'beforeExit' when the program ends by itself, so a stream's
 * asynchronous write (a file stream) still runs; at 'exit' (process.exit, a throw) only
 * synchronous writes happen, so a stream with a file descriptor gets the text through it.
 */
function printAtExit(exiting: boolean): void {
  if (printedAtExit) return;
  printedAtExit = true;
  finishOpenFrames();
  const byStream = new Map<NodeJS.WritableStream, string>();
  const linesByFile = new Map<string, LineStarts>();
  for (const fn of allFunctions()) {
    const s = settings.get(fn.id);
    if (s?.report !== 'exit') continue;
    byStream.set(s.stream, (byStream.get(s.stream) ?? '') + reportText().formatFunctionText(functionResult(fn, allCallFigures(fn), linesByFile), s.precision));
  }
  for (const [stream, text] of byStream) {
    const fd = (stream as { fd?: unknown }).fd;
    if (exiting && stream !== process.stdout && stream !== process.stderr && typeof fd === 'number') writeSync().writeAllSync(fd, text);
    else write(stream, text);
  }
}

/** Marks a function as profiled by a load hook or LiveEdit, with the settings its reports use. */
export function adoptFunction(stats: FunctionStats, options: ProfileOptions = {}): void {
  const merged = { ...defaults, ...options };
  settings.set(stats.id, {
    precision: merged.precision ?? 1,
    stream: merged.stream ?? process.stdout,
    report: merged.report ?? 'call',
  });
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    setTopLevelExitHandler(onTopLevelExit);
    process.once('beforeExit', () => printAtExit(false));
    process.once('exit', () => printAtExit(true));
    // What makes and writes tables loads now, not at exit (when the program may have no
    // file descriptor left to load a module with).
    reportText();
    writeSync();
    sourceMap();
    require('../version');
  }
}

/** Starts the meter and sampler with these options unless already running. */
export function ensureRuntime(options: ProfileOptions = {}): void {
  const merged = { ...defaults, ...options };
  if (!isConfigured()) configure(deferredConfig() ?? { backend: merged.backend as BackendName | undefined, mode: merged.mode, split: merged.split });
}

type AnyFunction = (...args: never[]) => unknown;

interface MethodContext {
  kind: string;
  name: string | symbol;
}

/**
 * Profiles `fn` line by line and returns it: V8 LiveEdit swaps its code in place, so the
 * returned function is `fn` itself (name, length, `this`, return, throw, async and generator
 * behaviour unchanged), and so is every other reference to it. Also a TypeScript 5 method
 * decorator: `@profile method() {...}`. When V8 refuses (the function is running, or is
 * native), one line on stderr says why and `fn` runs unprofiled.
 */
export function profile<F extends AnyFunction>(fn: F, options?: ProfileOptions): F;
export function profile<F extends AnyFunction>(fn: F, context: MethodContext): F;
/** `@profile` under TypeScript's experimentalDecorators: (prototype, key, descriptor). */
export function profile<T>(target: object, propertyKey: string | symbol, descriptor: TypedPropertyDescriptor<T>): TypedPropertyDescriptor<T>;
// The overloads above are the typed surface; the three-argument form is told apart at run time.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function profile<F extends AnyFunction>(fn: F, options?: ProfileOptions | MethodContext | string | symbol, _descriptor?: PropertyDescriptor): F {
  // TypeScript's experimentalDecorators (NestJS, Angular) call (prototype, key, descriptor):
  // profile the method and hand back its descriptor.
  const descriptor = arguments[2] as PropertyDescriptor | undefined;
  if (arguments.length === 3 && typeof descriptor === 'object' && descriptor !== null && typeof descriptor.value === 'function') {
    return { ...descriptor, value: profile(descriptor.value as AnyFunction) } as unknown as F;
  }
  if (typeof fn !== 'function') throw new TypeError(`profile() needs a function, got ${fn === null ? 'null' : typeof fn}`);
  const isDecorator = typeof options === 'object' && options !== null && typeof (options as MethodContext).kind === 'string';
  if (isDecorator && (options as MethodContext).kind !== 'method') {
    throw new TypeError(`@profile decorates methods, not a ${(options as MethodContext).kind}`);
  }
  const opts: ProfileOptions = isDecorator || options === undefined ? {} : (options as ProfileOptions);
  checkOptions(opts);
  firstProfileBegins();
  try {
    return profileInPlace(fn, opts);
  } finally {
    firstProfileEnds();
  }
}

function profileInPlace<F extends AnyFunction>(fn: F, opts: ProfileOptions): F {
  ensureRuntime(opts);
  const label = fn.name || '<anonymous>';
  // Loaded on first use: the inspector and the parser cost require('memprof') about 20 ms.
  const { liveEdit, liveEditKey, LiveEditRefused, NeedsWrapper } = require('./liveedit') as typeof import('./liveedit');
  try {
    const target = liveEdit(fn, liveEditKey);
    rememberSource(target.file, target.pristine);
    const stats = register(target.key, fn.name || target.name);
    adoptFunction(stats, opts);
  } catch (err) {
    if (err instanceof NeedsWrapper) {
      if (err.message) process.stderr.write(`memprof: ${label}: ${err.message}; each call is measured as one row (wrapped)\n`);
      rememberSource(err.target.file, err.target.pristine);
      const stats = register(err.target.key, fn.name || err.target.name);
      adoptFunction(stats, opts);
      return wrapCalls(fn, err.target.key, err.bodyLine);
    }
    if (!(err instanceof LiveEditRefused)) throw err;
    process.stderr.write(`memprof: cannot profile ${label}: ${err.message}; it runs unprofiled\n`);
  }
  return fn;
}

/**
 * Each call measured as one row (the body's first line), around the call: a new function,
 * so other references to `fn` stay unprofiled. A promise result closes on settling.
 */
function wrapCalls<F extends AnyFunction>(fn: F, key: string, bodyLine: number): F {
  const wrapper = function (this: unknown, ...args: unknown[]): unknown {
    // Closed by this wrapper however the call ends, maybe after it returned: kept out of
    // the running frames, as an async function's.
    const frame = probes.e(key, 1);
    frame(bodyLine);
    let result: unknown;
    try {
      result = (fn as unknown as (...a: unknown[]) => unknown).apply(this, args);
    } catch (err) {
      frame();
      throw err;
    }
    if (result instanceof Promise) {
      frame.s(undefined);
      return result.finally(() => {
        frame.r(undefined);
        frame();
      });
    }
    frame();
    return result;
  };
  Object.defineProperty(wrapper, 'name', { value: fn.name });
  Object.defineProperty(wrapper, 'length', { value: fn.length });
  return wrapper as unknown as F;
}

/**
 * `linesByFile`: the files already read for this report, with their line tables (237
 * functions of one file scan it once; a big file, not kept between reports, is read once).
 */
function functionResult(fn: FunctionStats, figures: CallFigures, linesByFile?: Map<string, LineStarts>): FunctionResult {
  const starts = linesByFile?.get(fn.file) ?? lineStartsOf(fn.file, sourceText(fn.file), linesByFile);
  const text = starts.text;
  // Rows of source-mapped code are lines of the original file already (mapped-rows.ts).
  const key = parseFunctionKey(fn.key);
  const original = key.source;
  const originalLines = original === undefined ? null : sourceMap().originalFileLines(fn.file, text, original);
  const source = originalLines ? { lineText: (line: number) => originalLines[line - 1] ?? '' } : starts;
  const lines: LineResult[] = [];
  const split = splitActive();
  for (let i = 0; i < figures.occ.length; i++) {
    const line = fn.line + i;
    const quoted = quote(source.lineText(line), i === 0 && !originalLines ? key.column : undefined);
    let row: LineResult;
    if (i === 0 && figures.calls > 0) {
      // The header row: memory at entry, net increment of whole calls, peak during calls.
      row = { line, source: quoted, occurrences: figures.calls, mem: figures.entryMem, increment: figures.netInc, peak: figures.callPeak };
      if (split) Object.assign(row, { heapIncrement: figures.netHeapInc, externalIncrement: figures.netExtInc });
    } else if (figures.occ[i] === 0) {
      row = { line, source: quoted, occurrences: 0, mem: null, increment: null, peak: null };
      if (split) Object.assign(row, { heapIncrement: null, externalIncrement: null });
    } else {
      row = { line, source: quoted, occurrences: figures.occ[i], mem: figures.mem[i], increment: figures.inc[i], peak: figures.peak[i] };
      if (split) Object.assign(row, { heapIncrement: figures.heapInc[i], externalIncrement: figures.extInc[i] });
    }
    lines.push(row);
  }
  if (original !== undefined) return { name: fn.name, file: original, line: fn.line, calls: figures.calls, lines };
  const result: FunctionResult = { name: fn.name, file: fn.file, line: fn.line, calls: figures.calls, lines };
  return text ? sourceMap().mapToOriginal(result, text) : result;
}

/**
 * Past this many characters, a row quotes its line cut short: a minified line is megabytes,
 * quoted by every row on it. Longer than any line written by hand (the HTML report of
 * `memprof top` shows long lines whole, scrolling).
 */
const QUOTE_LIMIT = 1000;

/**
 * A row's line as the table quotes it: whole, or when longer than QUOTE_LIMIT, that many
 * characters from `from` (where the function starts, on its header row) marked with '…'.
 */
function quote(line: string, from = 0): string {
  if (line.length <= QUOTE_LIMIT) return line;
  const start = from > 0 && from < line.length ? from : 0;
  const end = start + QUOTE_LIMIT;
  return `${start > 0 ? '…' : ''}${line.slice(start, end)}${end < line.length ? '…' : ''}`;
}

function lineStartsOf(file: string, text: string, linesByFile?: Map<string, LineStarts>): LineStarts {
  let starts = linesByFile?.get(file);
  if (starts === undefined) {
    starts = new LineStarts(text);
    linesByFile?.set(file, starts);
  }
  return starts;
}

/** Everything profiled so far in this thread (and its workers, under the CLI), values in bytes. */
export function getResults(): ProfileResults {
  workers?.drain();
  const figures = (fn: FunctionStats): CallFigures => (workers ? workers.withWorkers(fn, allCallFigures(fn)) : allCallFigures(fn));
  const linesByFile = new Map<string, LineStarts>();
  return {
    tool: 'memprof',
    version: (require('../version') as typeof import('../version')).VERSION,
    backend: isConfigured() ? activeBackend() : 'none',
    unit: 'bytes',
    functions: allFunctions().map((fn) => functionResult(fn, figures(fn), linesByFile)),
  };
}

// Last: settings given before this module loaded (the CLI's) apply now, with every export in place.
profilerLoads();
