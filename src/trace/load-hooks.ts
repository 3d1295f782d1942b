import * as fs from 'node:fs';
import Module from 'node:module';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { loadingOwnDependency } from './isolate';
import { rememberProbedScript, setRedo } from './original-text';
import { rememberSource } from './profile';
import { MessageChannel, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { WORKER_EVAL } from './worker-threads';
import { mayLoadEsModules } from './esm-syntax';
import { BIG_FILE, instrumentSelected, setMatchListener, type Selector } from './selectors';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { tryAddon } from '../native';

/** Selectors (as written) that picked a function in some loaded file. */
const matched = new Set<string>();
/** Selectors whose file part named some loaded file (found the file, whatever its functions). */
const seenFile = new Set<string>();
let loadedFiles = 0;
/** The files some load hook saw (CommonJS compiles, and ES modules the hooks thread loaded). */
const seenFiles = new Set<string>();
let fromLoader: MessagePort | null = null;
let collectAfterLoad: string | null = null;

/** What a selector met in a loaded file, as load hooks tell it (see setMatchListener). */
export interface SelectorMessage {
  /** It picked a function. */
  matched?: string;
  /** A loaded file is one it names. */
  seenFile?: string;
  /** Files loaded. */
  loaded?: number;
  /** A file the ES module hooks thread loaded (whether or not a selector names it). */
  file?: string;
}

/**
 * The selectors that picked a function in some loaded file, those that named a loaded file,
 * and how many files were loaded.
 */
export function selectorMatches(): { matched: ReadonlySet<string>; seenFile: ReadonlySet<string>; files: number } {
  for (let m = fromLoader && receiveMessageOnPort(fromLoader); m; m = fromLoader && receiveMessageOnPort(fromLoader)) {
    const message = m.message as SelectorMessage;
    if (message.matched !== undefined) matched.add(message.matched);
    if (message.seenFile !== undefined) seenFile.add(message.seenFile);
    if (message.file !== undefined) seenFiles.add(message.file);
    loadedFiles += message.loaded ?? 0;
  }
  return { matched, seenFile, files: loadedFiles };
}

/**
 * Instruments functions picked by `--function` selectors as their modules load, so no code
 * changes: CommonJS through Module.prototype._compile, ES modules through module.register
 * load hooks (esm-loader.js, run by Node in its loader thread).
 *
 * That thread costs a Node instance of its own (about 0.2 s and 5-11 MiB): it starts now when
 * `esModules` says the program starts with ES modules (its entry is one, or --import), and
 * otherwise only before the first CommonJS file whose code may load one (esm-syntax.ts) runs
 * (MEMPROF_ESM_HOOKS=1: at once, for code that builds an import() from text memprof never
 * reads; a selector that finds nothing says when that happened: esModulesNotSearched).
 *
 * Node >= 22.15 has synchronous hooks that run in the thread itself (module.registerHooks):
 * with them nothing waits for a reason, and they start at once, unless `inThread` is false
 * (the program starts module hooks of its own first: --import tsx, TypeScript entries).
 */
export function installLoadHooks(selectors: readonly Selector[], esModules = true, inThread = true): void {
  const proto = Module.prototype as unknown as { _compile(content: string, filename: string, ...rest: unknown[]): unknown };
  const compile = proto._compile;
  // Node >= 20.19 compiles an ES module loaded by require() here too, with format 'module'.
  // memprof's own modules, loaded lazily while the program runs, are not the program's.
  const ownDir = path.join(__dirname, '..') + path.sep;
  proto._compile = function (this: unknown, content: string, filename: string, ...rest: unknown[]): unknown {
    if (filename.startsWith(ownDir) || filename === NODE_EVAL_WRAPPER || loadingOwnDependency()) return compile.call(this, content, filename, ...rest);
    const format = rest[0];
    // An ES module that require() loaded through the in-thread hooks: instrumented there.
    if (format === 'module' && loadedInThread.delete(filename)) return compile.call(this, content, filename, ...rest);
    loadedFiles++;
    seenFiles.add(filename);
    forward?.({ loaded: 1 });
    // Before Node can run it as an ES module (require(esm), or an ambiguous .js with ES module
    // syntax) or it can import one.
    if (!esmHooksStarted && (format === 'module' || mayLoadEsModules(content))) startEsmHooks(selectors);
    const probed = instrumentSelected(selectors, filename, content, format === 'module' ? true : format === 'commonjs' ? false : undefined);
    if (probed === null) return compile.call(this, content, filename, ...rest);
    const big = content.length >= BIG_FILE;
    // A big file's text is read again from disk for the report, not kept.
    if (!big) rememberSource(filename, content);
    rememberProbedScript(probed.code, content, probed.inserted);
    // The instrumenter's garbage for a big file would inflate every row after it: collected
    // before the module's code runs, and its original text (held by Node's loader until the
    // module has run) once the module is loaded.
    if (big) {
      collectGarbage();
      collectAfterLoad = filename;
    }
    return compile.call(this, probed.code, filename, ...rest);
  };
  const loaderProto = Module.prototype as unknown as { load(filename: string, ...rest: unknown[]): unknown };
  const load = loaderProto.load;
  loaderProto.load = function (this: unknown, filename: string, ...rest: unknown[]): unknown {
    try {
      return load.call(this, filename, ...rest);
    } finally {
      if (collectAfterLoad === filename) {
        collectAfterLoad = null;
        collectGarbage();
      }
    }
  };
  // ES modules are instrumented in the loader thread: toString() redoes one here when asked.
  setRedo((file) => {
    let content: string;
    try {
      content = fs.readFileSync(file, 'utf8');
    } catch {
      return;
    }
    const probed = instrumentSelected(selectors, file, content, true, true);
    if (probed !== null) rememberProbedScript(probed.code, content, probed.inserted);
  });
  const registerHooks = inThread ? (Module as unknown as { registerHooks?: RegisterHooks }).registerHooks : undefined;
  if (registerHooks) {
    esmHooksStarted = true;
    registerHooks({ load: (url, context, nextLoad) => loadInThread(selectors, url, nextLoad(url, context)) });
  } else if (esModules || process.env.MEMPROF_ESM_HOOKS === '1') startEsmHooks(selectors);
  setMatchListener((text, kind) => {
    const seen = kind === 'picked' ? matched : seenFile;
    if (seen.has(text)) return;
    seen.add(text);
    forward?.(kind === 'picked' ? { matched: text } : { seenFile: text });
  });
}

let esmHooksStarted = false;

interface LoadResult {
  format?: string | null;
  source?: string | ArrayBuffer | ArrayBufferView | null;
}
type RegisterHooks = (hooks: { load(url: string, context: object, nextLoad: (url: string, context: object) => LoadResult): LoadResult }) => unknown;

/** ES modules the in-thread hooks loaded (and instrumented if selected): require() compiles them as they are. */
const loadedInThread = new Set<string>();

/** The in-thread load hook's work: an ES module file with its selected functions instrumented (as esm-loader.ts does in Node's thread). */
function loadInThread(selectors: readonly Selector[], url: string, result: LoadResult): LoadResult {
  if (result.format !== 'module' || !url.startsWith('file:') || result.source == null) return result;
  const file = fileURLToPath(url);
  loadedFiles++;
  seenFiles.add(file);
  forward?.({ loaded: 1 });
  loadedInThread.add(file);
  const source = typeof result.source === 'string' ? result.source : Buffer.from(result.source as Uint8Array).toString('utf8');
  const probed = instrumentSelected(selectors, file, source, true);
  if (probed === null) return result;
  if (source.length < BIG_FILE) rememberSource(file, source);
  rememberProbedScript(probed.code, source, probed.inserted);
  return { ...result, source: probed.code };
}

/** The ES module load hooks (Node's loader thread), once. */
function startEsmHooks(selectors: readonly Selector[]): void {
  esmHooksStarted = true;
  const register = (Module as unknown as { register?: (specifier: string, parent: string, options: object) => void }).register;
  if (!register) return;
  const { port1, port2 } = new MessageChannel();
  port1.unref();
  fromLoader = port1;
  if (forward) {
    fromLoader.on('message', forward);
    fromLoader.unref();
  }
  register(pathToFileURL(path.join(__dirname, 'esm-loader.js')).href, pathToFileURL(__filename).href, {
    data: { selectors, port: port2 },
    transferList: [port2],
  });
}

/**
 * ES modules of this thread that no load hook saw, and why: the hooks never started (no code
 * memprof read could load one, yet the program built an import() from text and ran it), or
 * Node ran none for them (Node 20 links the imports of an ES module loaded by require()
 * without module hooks). Asked of V8's debugger, so only when a selector found nothing.
 */
export function esModulesNotSearched(): { files: string[]; hooksStarted: boolean } {
  selectorMatches(); // the hooks thread's news first
  const loaded = (require('./loaded-modules') as typeof import('./loaded-modules')).loadedEsModuleFiles();
  return { files: loaded.filter((f) => !seenFiles.has(f)), hooksStarted: esmHooksStarted };
}

let forward: ((message: SelectorMessage) => void) | null = null;

/**
 * In a worker thread: what its load hooks see (files loaded, selectors matched) goes to
 * `listener` as it happens, for the main thread's report.
 */
export function forwardSelectorMatches(listener: (message: SelectorMessage) => void): void {
  forward = listener;
  if (!fromLoader) return;
  fromLoader.on('message', listener);
  fromLoader.unref();
}

/** Node's own wrapper around an eval worker's code (not the program's). */
const NODE_EVAL_WRAPPER = `${WORKER_EVAL}-wrapper`;

/**
 * An `eval: true` worker's code runs through Node's internal vm call, not a module compile:
 * its selected functions are instrumented here, by the thread that creates the worker.
 */
export function instrumentWorkerEval(selectors: readonly Selector[], code: string): { code: string; inserted: number[] } | null {
  loadedFiles++;
  forward?.({ loaded: 1 });
  const probed = instrumentSelected(selectors, WORKER_EVAL, code, false);
  if (probed !== null) rememberSource(WORKER_EVAL, code);
  return probed;
}

/**
 * A full garbage collection (without --expose-gc for the program), and the C heap's freed
 * memory given back: V8's parser and compilers leave tens of MiB of it after a big file.
 */
function collectGarbage(): void {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  // Twice: V8's cache of regular expressions drops an entry at its second full collection.
  // acorn builds a RegExp for each literal it parses, its pattern a slice of the file's
  // text; left in the cache, it would serve the program's same literals, and their
  // patterns would keep the whole original text alive (typescript.js: 8.7 MiB).
  gc();
  gc();
  // (An addon built before this call existed has none: then only the collection.)
  tryAddon()?.returnFreedMemory?.();
}
