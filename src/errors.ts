/**
 * An error the user can fix by changing how memprof is called (a bad option, a malformed
 * size, a missing file). The CLI prints its message as one line, without a stack trace,
 * and exits with `exitCode` (2 for usage errors, 1 for a missing input file).
 */
export class UsageError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 2) {
    super(message);
    this.name = 'UsageError';
    this.exitCode = exitCode;
  }
}
