import Module from 'node:module';
import type * as WorkerThreads from 'node:worker_threads';
import { WORKER_EVAL, WORKER_PRELOAD, WORKER_SETUP_KEY, WRAPPED_DATA, type WorkerSetup, type WrappedData } from './worker-threads';

// Loaded with --require in every worker thread of a program memprof runs (worker-threads.ts):
// the worker gets the runtime, the global profile() and the --function load hooks, and its
// figures are shared with the main thread's report.

// The module's own exports object: workerData is put back there for the program.
const workerThreads = require('node:worker_threads') as typeof WorkerThreads;
const setup = workerThreads.getEnvironmentData(WORKER_SETUP_KEY) as WorkerSetup | undefined;
const wrapped = (workerThreads.workerData as Partial<WrappedData> | null)?.[WRAPPED_DATA];
// Node's module-hooks thread (started by module.register in a worker) is a worker too, with
// the same execArgv but not our workerData; it runs none of the program's code.
if (setup && wrapped) {
  try {
    start(setup, wrapped);
  } catch (err) {
    // The program's worker runs as under node, whatever happened here.
    process.stderr.write(`memprof: a worker thread runs unprofiled: ${(err as Error)?.message ?? String(err)}\n`);
  }
}

function start(setup: WorkerSetup, { port, data, probed, esModules }: WrappedData[typeof WRAPPED_DATA]): void {
  // The program sees its own workerData and execArgv (and a process it forks gets no preload).
  (workerThreads as { workerData: unknown }).workerData = data;
  Module.syncBuiltinESMExports();
  for (let i = process.execArgv.indexOf(WORKER_PRELOAD); i >= 0; i = process.execArgv.indexOf(WORKER_PRELOAD)) {
    const withFlag = i > 0 && process.execArgv[i - 1] === '--require';
    process.execArgv.splice(withFlag ? i - 1 : i, withFlag ? 2 : 1);
  }
  port.unref();
  const { configure, configureOnFirstUse, finishOpenFrames } = require('./runtime') as typeof import('./runtime');
  const { profile, rememberSource, setProfileDefaults, sourceOf } = require('./profile') as typeof import('./profile');
  const { shareCalls, shareMatch, shareStats } = require('./shared-stats') as typeof import('./shared-stats');
  const { preloadInWorkers } = require('./worker-threads') as typeof import('./worker-threads');
  shareStats(port, sourceOf);
  if (setup.calls) shareCalls(port);
  const { selectors, config } = setup;
  if (selectors.length > 0) configure(config);
  else configureOnFirstUse(config);
  // The main thread's report shows this worker's functions.
  setProfileDefaults({ report: 'none' });
  (globalThis as Record<string, unknown>).profile = profile;
  if (selectors.length > 0) {
    const { forwardSelectorMatches, installLoadHooks } = require('./load-hooks') as typeof import('./load-hooks');
    installLoadHooks(selectors, esModules !== false);
    const files = new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT);
    const count = new Int32Array(files);
    shareMatch(port, { files });
    const told = new Set<string>();
    forwardSelectorMatches(({ matched, seenFile, loaded }) => {
      if (loaded) Atomics.add(count, 0, loaded);
      if (matched !== undefined && !told.has(matched)) {
        told.add(matched);
        shareMatch(port, { matched });
      }
      if (seenFile !== undefined && !told.has(`file ${seenFile}`)) {
        told.add(`file ${seenFile}`);
        shareMatch(port, { seenFile });
      }
    });
  }
  // An eval worker's functions, probed by the thread that created it: their text for
  // toString() and for the report (shared with the main thread: there is no file to read).
  if (probed) {
    (require('./original-text') as typeof import('./original-text')).rememberProbedScript(probed.code, probed.original, probed.inserted);
    rememberSource(WORKER_EVAL, probed.original);
  }
  // This worker's own workers report through this worker's port.
  preloadInWorkers(setup, (nested) => shareMatch(port, { port: nested }));
  // Calls still running when the worker ends (process.exit in it) still get their rows.
  process.once('exit', finishOpenFrames);
  // The worker's program loads its own acorn (and any dependency it shares with memprof).
  (require('./isolate') as typeof import('./isolate')).forgetLoadedDependencies();
}
