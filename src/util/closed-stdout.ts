/**
 * `memprof list | head -1`: once the reader has gone, writing to stdout fails with EPIPE,
 * which Node raises as an unhandled 'error' event (a stack trace, exit 1). For memprof's
 * own reports, a reader that stopped reading wants no more output: drop the rest quietly
 * and let the command finish with its own exit code (a check's verdict still counts).
 * Not for `memprof script.js`, whose stdout belongs to the user's program.
 */
export function quietOnClosedStdout(): void {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED') return;
    throw err;
  });
}
