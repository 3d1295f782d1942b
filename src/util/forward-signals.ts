import type { ChildProcess } from 'node:child_process';

// A program memprof runs ends the way it would end alone: a stop signal sent to memprof
// (`kill`, a supervisor, `timeout`, a container stopping) is passed on to it, and memprof
// waits for it, then reports. Ctrl+C on a terminal reaches the program already (same
// process group): a second SIGINT would cut short a program that shuts down on the first.

/** The signals passed on: those that ask a program to stop. */
export const FORWARDED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * Passes memprof's stop signals on to `child` until the returned function is called;
 * `onSignal` hears each one first (a terminal's Ctrl+C too).
 */
export function forwardStopSignals(child: ChildProcess, onSignal?: (signal: NodeJS.Signals) => void): () => void {
  const forward = (signal: NodeJS.Signals): void => {
    onSignal?.(signal);
    if (signal === 'SIGINT' && process.stdin.isTTY) return;
    child.kill(signal);
  };
  for (const signal of FORWARDED) process.on(signal, forward);
  return () => {
    for (const signal of FORWARDED) process.off(signal, forward);
  };
}
