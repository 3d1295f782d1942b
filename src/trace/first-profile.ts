// Work deferred until the program first calls profile() (the CLI's stop-signal watcher,
// useless while there is nothing to report). It starts as that call begins, runs while the
// call edits the code, and the call waits for it before returning: its memory is in place
// before any profiled line runs.

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
