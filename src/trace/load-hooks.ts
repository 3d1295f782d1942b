import * as fs from 'node:fs';
import Module from 'node:module';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { rememberProbedScript, setRedo } from './original-text';
import { rememberSource } from './profile';
import { MessageChannel, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { WORKER_EVAL } from './worker-threads';
import { BIG_FILE, instrumentSelected, setMatchListener, type Selector } from './selectors';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { tryAddon } from '../native';

const matched = new Set<string>();
const seenFile = new Set<string>();
let loadedFiles = 0;
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
    loadedFiles += message.loaded ?? 0;
  }
  return { matched, seenFile, files: loadedFiles };
}

/**
 * Instruments functions picked by `--function` selectors as their modules load, so no code
 * changes: CommonJS through Module.prototype._compile, ES modules through module.register
 * load hooks (esm-loader.js, run by Node in its loader thread).
 */
export function installLoadHooks(selectors: readonly Selector[]): void {
  const proto = Module.prototype as unknown as { _compile(content: string, filename: string, ...rest: unknown[]): unknown };
  const compile = proto._compile;
  // Node >= 20.19 compiles an ES module loaded by require() here too, with format 'module'.
  // memprof's own modules, loaded lazily while the program runs, are not the program's.
  const ownDir = path.join(__dirname, '..') + path.sep;
  proto._compile = function (this: unknown, content: string, filename: string, ...rest: unknown[]): unknown {
    if (filename.startsWith(ownDir) || filename === NODE_EVAL_WRAPPER) return compile.call(this, content, filename, ...rest);
    const format = rest[0];
    loadedFiles++;
    forward?.({ loaded: 1 });
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
  const register = (Module as unknown as { register?: (specifier: string, parent: string, options: object) => void }).register;
  if (register) {
    const { port1, port2 } = new MessageChannel();
    port1.unref();
    fromLoader = port1;
    register(pathToFileURL(path.join(__dirname, 'esm-loader.js')).href, pathToFileURL(__filename).href, {
      data: { selectors, port: port2 },
      transferList: [port2],
    });
  }
  setMatchListener((text, kind) => {
    const seen = kind === 'picked' ? matched : seenFile;
    if (seen.has(text)) return;
    seen.add(text);
    forward?.(kind === 'picked' ? { matched: text } : { seenFile: text });
  });
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
