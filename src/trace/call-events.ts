/**
 * Entry and exit of profiled functions, for listeners outside the tracer: `memprof run`
 * turns them into mprof's FUNC lines, `--timestamp` prints them. The tracer calls the
 * listener once per call of a profiled function; with no listener it costs one check.
 */
export interface CallEvent {
  kind: 'enter' | 'exit';
  /** Qualified name as in FUNC lines: "<file basename without extension>.<function name>". */
  name: string;
  /** Absolute path of the file that defines the function. */
  file: string;
  /** Nesting of profiled calls at this moment: 1 for an outermost call. */
  depth: number;
  /** Epoch milliseconds. */
  time: number;
  /** The meter's value in bytes at that moment. */
  mem: number;
}

export type CallListener = (event: CallEvent) => void;

let listener: CallListener | null = null;

export function setCallListener(next: CallListener | null): void {
  listener = next;
}

export function callListener(): CallListener | null {
  return listener;
}

/** A profiled call from entry to exit, as one FUNC line gives it. */
export interface PairedCall {
  name: string;
  startMem: number;
  startTime: number;
  endMem: number;
  endTime: number;
  /** mprof's stack level: 0 for an outermost call (the tracer's depth counts from 1). */
  level: number;
}

/** Sets the listener to one that hands each finished call, entry and exit paired, to `onCall`. */
export function pairCalls(onCall: (call: PairedCall) => void): void {
  const open: CallEvent[] = [];
  setCallListener((event) => {
    if (event.kind === 'enter') {
      open.push(event);
      return;
    }
    let i = open.length - 1;
    while (i >= 0 && open[i].name !== event.name) i--;
    if (i < 0) return;
    const [start] = open.splice(i, 1);
    onCall({ name: event.name, startMem: start.mem, startTime: start.time, endMem: event.mem, endTime: event.time, level: Math.max(0, start.depth - 1) });
  });
}
