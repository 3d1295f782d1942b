import * as path from 'node:path';
import type { Worker } from 'node:worker_threads';
import type { NativeStopSignals } from '../native';
import { STOP_ENTRY_KEY, WATCHER_READY } from './entry';

/** The signals that end a Node program by default, as Node names them on this platform. */
const STOP_SIGNALS: NodeJS.Signals[] = process.platform === 'win32' ? ['SIGINT', 'SIGBREAK', 'SIGHUP'] : ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** How long the main thread has to begin handling a signal (it may be blocked in a native
 * call, where nothing reaches it) before the process ends without the report. */
const GRACE_MS = 2000;

/** How long to wait for the watcher's thread to start before leaving signals as node has them. */
const START_TIMEOUT_MS = 10000;

/** Node's number for a signal name (node:os loads only once signals are watched). */
const signalNumber = (name: NodeJS.Signals): number => (require('node:os') as typeof import('node:os')).constants.signals[name];

/**
 * Makes `report` run once before the program ends, however it ends. Call the returned
 * function on the exit path. A stop signal (SIGINT, SIGTERM, SIGHUP) for which the program
 * has no listener of its own runs it too, even while the program's JavaScript is busy, and
 * then ends the program by that signal, exactly as node would have ended it. Signals the
 * program listens to are left to it, untouched.
 *
 * The watcher (a native thread; where it cannot interrupt busy JavaScript, a worker thread:
 * ~30 ms and ~10 MiB) starts now, or, with `later`, when `later` is called (for a report
 * that is empty until then: a signal before it ends the program as under node, and loses
 * nothing). `later` registers a start function that
 * returns a wait; the caller starts it when the report stops being empty and waits before
 * anything is measured, so the watcher's memory is in place before then.
 *
 * Needs the native addon; without it, signals act as under node and the report is lost.
 */
export async function reportBeforeStop(report: () => void, later?: (start: () => () => void) => void): Promise<() => void> {
  let native: NativeStopSignals | undefined;
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

  const onStopSignal = (signo: number): void => {
    const name = STOP_SIGNALS.find((s) => signalNumber(s) === signo);
    if (!name) return;
    if (process.listenerCount(name) > 0) {
      // A listener came between delivery and now: it gets the signal, as under node.
      native!.cancel();
      process.kill(process.pid, name);
      return;
    }
    native!.begin(signo);
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
    native!.dieBy(signo);
  };

  const arm = (): void => {
    watching = true;
    Object.defineProperty(process, Symbol.for(STOP_ENTRY_KEY), { value: onStopSignal, configurable: true });
    trackListeners(native!);
  };
  // The addon's thread hands signals to this one, interrupting its JavaScript when busy; where
  // it cannot interrupt (Windows), a worker thread does (its inspector session reaches a busy
  // main thread). MEMPROF_STOP_WATCHER=worker chooses the worker (to test it anywhere).
  const watchHere = (): boolean => {
    if (process.env.MEMPROF_STOP_WATCHER === 'worker' || !native!.canInterrupt()) return false;
    try {
      native!.watch(onStopSignal, GRACE_MS, true);
    } catch {
      return false; // V8 gave no isolate for this thread: the worker
    }
    return true;
  };
  if (later) {
    // Started by the first profile() call, which waits for a worker on shared memory.
    later(() => {
      native = (require('../native') as typeof import('../native')).tryAddon()?.signals;
      if (native && watchHere()) {
        arm();
        return () => {};
      }
      const watcher = native ? startWatcher() : null;
      return () => {
        if (watcher?.watchingNow()) arm();
      };
    });
  } else {
    native = (require('../native') as typeof import('../native')).tryAddon()?.signals;
    if (native && (watchHere() || (await startWatcher()?.watching))) arm();
  }
  return runReport;
}

/** Holds a signal only while the program has no listener for it (node's own newListener
 * and removeListener handlers, registered at start-up, run before these). */
function trackListeners(native: NativeStopSignals): void {
  const number = (event: string | symbol): number => (STOP_SIGNALS.includes(event as NodeJS.Signals) ? signalNumber(event as NodeJS.Signals) : 0);
  for (const name of STOP_SIGNALS) if (process.listenerCount(name) === 0) native.claim(signalNumber(name));
  process.on('newListener', (event) => {
    const signo = number(event);
    if (signo) native.release(signo);
  });
  process.on('removeListener', (event) => {
    const signo = number(event);
    if (signo && process.listenerCount(event) === 0) native.claim(signo);
  });
}

interface Watcher {
  /** Resolves once the worker watches (true), or failed (false). */
  watching: Promise<boolean>;
  /** The same, blocking on shared memory (for profile(), which is synchronous). */
  watchingNow(): boolean;
}

/** Starts the worker, whose start-up memory is then in place before anything is measured. */
function startWatcher(): Watcher | null {
  const { Worker } = require('node:worker_threads') as typeof import('node:worker_threads');
  // The worker runs none of the program's preloads (NODE_OPTIONS --require/--import).
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.NODE_OPTIONS;
  const state = new Int32Array(new SharedArrayBuffer(4));
  let worker: Worker;
  try {
    worker = new Worker(path.join(__dirname, 'watcher.js'), { workerData: { graceMs: GRACE_MS, state }, execArgv: [], env, stdin: false });
  } catch {
    return null;
  }
  worker.unref();
  // A watcher that fails leaves signals as node has them.
  const watching = new Promise<boolean>((resolve) => {
    worker.once('message', () => resolve(true));
    worker.on('error', () => resolve(false));
    worker.once('exit', () => resolve(false));
  });
  const watchingNow = (): boolean => {
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (Atomics.load(state, 0) === 0 && Date.now() < deadline) Atomics.wait(state, 0, 0, deadline - Date.now());
    return Atomics.load(state, 0) === WATCHER_READY;
  };
  return { watching, watchingNow };
}
