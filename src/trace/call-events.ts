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
