import * as os from 'node:os';

/** The shell's exit status of a child that ended with `code` or by `signal`: 128 + n for a signal. */
export function exitStatus(code: number | null, signal: NodeJS.Signals | string | null): number {
  if (code !== null) return code;
  return signal ? 128 + (os.constants.signals[signal as NodeJS.Signals] ?? 0) : 1;
}
