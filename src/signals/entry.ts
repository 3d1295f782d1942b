/** Where the main thread's stop-signal handler sits: `process[Symbol.for(STOP_ENTRY_KEY)]`. */
export const STOP_ENTRY_KEY = 'memprof.stopSignal';

/** What the watcher stores in its shared state word once it has started (0: not yet). */
export const WATCHER_READY = 1;
export const WATCHER_FAILED = 2;
