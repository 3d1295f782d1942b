import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { tryAddon, type NativeStopSignals } from '../native';
import { STOP_ENTRY_KEY } from './entry';

/** The signals that end a Node program by default, as Node names them on this platform. */
const STOP_SIGNALS: NodeJS.Signals[] = process.platform === 'win32' ? ['SIGINT', 'SIGBREAK', 'SIGHUP'] : ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** How long the main thread has to begin handling a signal (it may be blocked in a native
 * call, where nothing reaches it) before the process ends without the report. */
const GRACE_MS = 2000;

/**
 * Makes `report` run once before the program ends, however it ends. Call the returned
 * function on the exit path. A stop signal (SIGINT, SIGTERM, SIGHUP) for which the program
 * has no listener of its own runs it too, even while the program's JavaScript is busy, and
 * then ends the program by that signal, exactly as node would have ended it. Signals the
 * program listens to are left to it, untouched.
 *
 * Needs the native addon; without it, signals act as under node and the report is lost.
 */
export async function reportBeforeStop(report: () => void): Promise<() => void> {
  const native = tryAddon()?.signals;
  let state: 'pending' | 'running' | 'done' = 'pending';
  let stopAfterReport = 0;
  let watching = false;
  const runReport = (): void => {
    if (state !== 'pending') return;
    state = 'running';
    try {
      report();
    } finally {
      state = 'done';
      // A signal that arrived while this ran, or just before the program ended (a program
      // that signals itself and stops): it ends the process now, as it would have.
      const signo = stopAfterReport || (watching ? native!.arrived() : 0);
      if (signo) native!.dieBy(signo);
    }
  };
  if (!native || !(await startWatcher())) return runReport;
  watching = true;

  const onStopSignal = (signo: number): void => {
    const name = STOP_SIGNALS.find((s) => os.constants.signals[s] === signo);
    if (!name) return;
    if (process.listenerCount(name) > 0) {
      // A listener came between delivery and now: it gets the signal, as under node.
      native.cancel();
      process.kill(process.pid, name);
      return;
    }
    native.begin(signo);
    // Arrived while the report is being written at exit (this runs between two of its
    // statements): let it finish, then stop.
    if (state === 'running') {
      stopAfterReport = signo;
      return;
    }
    try {
      runReport();
    } catch (err) {
      process.stderr.write(`memprof: cannot write the report: ${(err as Error)?.message ?? String(err)}\n`);
    }
    native.dieBy(signo);
  };
  Object.defineProperty(process, Symbol.for(STOP_ENTRY_KEY), { value: onStopSignal, configurable: true });
  trackListeners(native);
  return runReport;
}

/** Holds a signal only while the program has no listener for it (node's own newListener
 * and removeListener handlers, registered at start-up, run before these). */
function trackListeners(native: NativeStopSignals): void {
  const number = (event: string | symbol): number => (STOP_SIGNALS.includes(event as NodeJS.Signals) ? os.constants.signals[event as NodeJS.Signals] : 0);
  for (const name of STOP_SIGNALS) if (process.listenerCount(name) === 0) native.claim(os.constants.signals[name]);
  process.on('newListener', (event) => {
    const signo = number(event);
    if (signo) native.release(signo);
  });
  process.on('removeListener', (event) => {
    const signo = number(event);
    if (signo && process.listenerCount(event) === 0) native.claim(signo);
  });
}

/** Starts the worker and waits until it watches, so that its start-up memory is in place
 * before the program's first line. False if it cannot start. */
function startWatcher(): Promise<boolean> {
  // The worker runs none of the program's preloads (NODE_OPTIONS --require/--import).
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.NODE_OPTIONS;
  let worker: Worker;
  try {
    worker = new Worker(path.join(__dirname, 'watcher.js'), { workerData: { graceMs: GRACE_MS }, execArgv: [], env, stdin: false });
  } catch {
    return Promise.resolve(false);
  }
  worker.unref();
  return new Promise((resolve) => {
    worker.once('message', () => resolve(true));
    // A watcher that fails leaves signals as node has them.
    worker.on('error', () => resolve(false));
    worker.once('exit', () => resolve(false));
  });
}
