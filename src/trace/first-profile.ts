// Work deferred until the program first calls profile() (the CLI's stop-signal watcher,
// useless while there is nothing to report). It starts as that call begins, runs while the
// call edits the code (a worker, where the watcher needs one), and the call waits for it
// before returning: its memory is in place before any profiled line runs.

let start: (() => () => void) | null = null;
let wait: (() => void) | null = null;

/** `begin` starts the work and returns a function that waits for it. */
export function onFirstProfile(begin: () => () => void): void {
  start = begin;
}

export function firstProfileBegins(): void {
  if (!start) return;
  const begin = start;
  start = null;
  wait = begin();
}

export function firstProfileEnds(): void {
  if (!wait) return;
  const done = wait;
  wait = null;
  done();
}

// Settings that wait for the profiler (trace/profile.ts and the runtime, meters and addon
// under it) to load: the CLI's, for a program that may never profile anything.
let whenLoaded: (() => void) | null = null;
let profilerLoaded = false;

/** Runs `apply` as the profiler's module loads (now, if it has), before any profile() call. */
export function whenProfilerLoads(apply: () => void): void {
  if (profilerLoaded) apply();
  else whenLoaded = apply;
}

/** Called by trace/profile.ts as it finishes loading. */
export function profilerLoads(): void {
  profilerLoaded = true;
  const apply = whenLoaded;
  whenLoaded = null;
  apply?.();
}
