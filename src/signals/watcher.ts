// The stop-signal watcher's worker thread. Its event loop stays free while the program's
// main thread may be busy: the native watcher wakes it, and it asks the main thread, through
// an inspector session (dispatched there even in a busy loop, between two statements), to
// run the handler that stop.ts put on `process`. The session opens only then, so no
// inspector client is attached while the program runs.
import * as inspector from 'node:inspector';
import { parentPort, workerData } from 'node:worker_threads';
import { tryAddon } from '../native';
import { STOP_ENTRY_KEY, WATCHER_FAILED, WATCHER_READY } from './entry';

const { graceMs, state } = workerData as { graceMs: number; state: Int32Array };

/** Tells the main thread whether signals are watched: on shared memory (a main thread
 * blocked in profile()) and by a message (one that waits at start-up). */
function started(outcome: number): void {
  Atomics.store(state, 0, outcome);
  Atomics.notify(state, 0);
  if (outcome === WATCHER_READY) parentPort!.postMessage('watching');
}

try {
  const signals = tryAddon()?.signals;
  if (!signals) throw new Error('the native addon did not load in the signal watcher');
  signals.watch((signo) => {
    const session = new inspector.Session();
    session.connectToMainThread();
    // When the handler returns (the signal went to a listener the program added meanwhile),
    // the session closes; usually the process has ended by then.
    const expression = `process[Symbol.for(${JSON.stringify(STOP_ENTRY_KEY)})](${signo})`;
    session.post('Runtime.evaluate', { expression, silent: true }, () => session.disconnect());
  }, graceMs);
  started(WATCHER_READY);
} catch (err) {
  started(WATCHER_FAILED);
  throw err;
}
