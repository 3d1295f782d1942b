import * as inspector from 'node:inspector';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { GUARD_ENV, SAMPLING_INTERVAL, type GuardConfig } from './config';

let session: inspector.Session | null = null;

/**
 * V8's sampling heap profiler, started from the main thread through an in-process session
 * (kept: closing it would stop the sampling). The guard's worker reads the profile later.
 */
function startHeapSampling(): void {
  session = new inspector.Session();
  session.connect();
  session.post('HeapProfiler.enable');
  session.post('HeapProfiler.startSampling', { samplingInterval: SAMPLING_INTERVAL });
}

/**
 * In the program (loaded by the preload of `memprof run --guard`): the guard runs in a
 * worker thread of its own, so it watches and reports even while the program's main thread
 * is stuck in a synchronous allocation loop. It never keeps the program alive.
 */
export function startGuard(): void {
  const text = process.env[GUARD_ENV];
  delete process.env[GUARD_ENV];
  if (!text) return;
  let config: GuardConfig;
  try {
    config = JSON.parse(text) as GuardConfig;
  } catch {
    return;
  }
  startHeapSampling();
  const worker = new Worker(path.join(__dirname, 'watcher.js'), { workerData: { ...config, pid: process.pid, argv: process.argv }, stdout: false, stderr: false });
  worker.unref();
  worker.on('error', (err) => process.stderr.write(`memprof: the OOM guard stopped: ${err.message}\n`));
}
