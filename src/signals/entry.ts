/** Where the main thread's stop-signal handler sits: `process[Symbol.for(STOP_ENTRY_KEY)]`. */
export const STOP_ENTRY_KEY = 'memprof.stopSignal';
