import Module from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as WorkerThreads from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import type { RuntimeConfig } from './runtime';
import type { Selector } from './selectors';

/**
 * Worker threads run the program's code in isolates of their own: each gets memprof's
 * runtime and load hooks through a preload (worker-preload.js, given to every Worker the
 * program creates as `--require` in its execArgv) and shares its line statistics with the
 * main thread (shared-stats.ts) through a port of its own, so the main thread reports all
 * threads' calls in one table.
 */

/** What the preload reads in each worker (worker_threads environment data: not in the program's process.env). */
export interface WorkerSetup {
  selectors: Selector[];
  config: RuntimeConfig;
  /** Each profiled call goes to the main thread as it ends (`--timestamp` FUNC lines). */
  calls?: boolean;
}

export const WORKER_SETUP_KEY = 'memprof.worker-setup';

/** The worker's own workerData travels inside this wrapper, with the port to the main thread. */
export const WRAPPED_DATA = '__memprof_worker_data__';

export interface WrappedData {
  /** `probed`: an `eval: true` worker's code was instrumented (its text before, for toString()). */
  [WRAPPED_DATA]: {
    port: MessagePort;
    data: unknown;
    probed?: { original: string; code: string; inserted: number[] };
    /** Whether the worker starts with an ES module (then its ES module hooks start at once). */
    esModules: boolean;
  };
}

/** The name Node gives an `eval: true` worker's code (its rows' file). */
export const WORKER_EVAL = '[worker eval]';

export const WORKER_PRELOAD = path.join(__dirname, 'worker-preload.js');

const OWN_DIR = path.join(__dirname, '..') + path.sep;

function isOwnFile(filename: string | URL, options: WorkerThreads.WorkerOptions): boolean {
  if (options.eval) return false;
  const file = filename instanceof URL ? (filename.protocol === 'file:' ? fileURLToPath(filename) : '') : filename;
  return file.startsWith(OWN_DIR);
}

/** An `eval: true` worker's code with the selected functions probed (by the thread that creates it), or null. */
function probedEval(setup: WorkerSetup, code: string): { code: string; inserted: number[] } | null {
  if (setup.selectors.length === 0) return null;
  return (require('./load-hooks') as typeof import('./load-hooks')).instrumentWorkerEval(setup.selectors, code);
}

/**
 * Whether a worker's code starts with an ES module (its file, a data: URL, modules its
 * execArgv imports first), or may load one before a CommonJS file does (eval code).
 */
function startsWithEsModules(setup: WorkerSetup, filename: string | URL, options: WorkerThreads.WorkerOptions, execArgv: readonly string[]): boolean {
  if (setup.selectors.length === 0) return false;
  if (execArgv.some((arg) => /^--(?:import|(?:experimental-)?loader)(?:=|$)/.test(arg))) return true;
  if (options.eval) return typeof filename !== 'string' || (require('./esm-syntax') as typeof import('./esm-syntax')).mayLoadEsModules(filename);
  const url = typeof filename === 'string' ? null : filename;
  if (url && url.protocol !== 'file:') return true; // data: URLs and others
  const { isModule } = require('../util/run-script') as typeof import('../util/run-script');
  return isModule(url ? fileURLToPath(url) : path.resolve(filename as string));
}

/**
 * Makes every Worker created from now on (in this thread) load the preload first; each
 * gets a new port, handed to `onPort` (which reads it, or forwards it to the main thread).
 */
export function preloadInWorkers(setup: WorkerSetup, onPort: (port: MessagePort) => void): void {
  // The module's own exports object (an `import *` would be a copy with getters).
  const workerThreads = require('node:worker_threads') as typeof WorkerThreads;
  workerThreads.setEnvironmentData(WORKER_SETUP_KEY, setup as unknown as WorkerThreads.Serializable);
  const { MessageChannel } = workerThreads;
  const Original = workerThreads.Worker;
  // A subclass keeps `instanceof Worker`, the events and every method as they are.
  class Worker extends Original {
    constructor(filename: string | URL, options: WorkerThreads.WorkerOptions = {}) {
      // memprof's own workers (the stop-signal watcher) are not the program's.
      if (isOwnFile(filename, options)) {
        super(filename, options);
        return;
      }
      // Node gives a worker its parent's execArgv unless told otherwise (ours are hidden from it).
      const execArgv = (options.execArgv ?? process.execArgv).filter((arg, i, all) => arg !== WORKER_PRELOAD && !(arg === '--require' && all[i + 1] === WORKER_PRELOAD));
      const { port1, port2 } = new MessageChannel();
      const workerData: WrappedData = { [WRAPPED_DATA]: { port: port2, data: options.workerData, esModules: startsWithEsModules(setup, filename, options, execArgv) } };
      const probed = options.eval && typeof filename === 'string' ? probedEval(setup, filename) : null;
      if (probed) workerData[WRAPPED_DATA].probed = { original: filename as string, ...probed };
      super(probed ? probed.code : filename, {
        ...options,
        workerData,
        transferList: [...(options.transferList ?? []), port2],
        execArgv: [...execArgv, '--require', WORKER_PRELOAD],
      });
      onPort(port1);
    }
  }
  (workerThreads as { Worker: typeof Original }).Worker = Worker;
  // `import { Worker } from 'node:worker_threads'` reads the patched one too.
  Module.syncBuiltinESMExports();
}
