import { isMainThread } from 'node:worker_threads';
import { exitWithUncaught, topFrame, type UncaughtOrigin } from '../util/uncaught';

let watching = false;

/**
 * Node prints an uncaught error with the source line V8 holds, which in a probed function
 * is the probed text (`null.x;}finally{$mp$f()}`). An error that is about to end the
 * program from a probed line ends it here instead, as node would (the 'exit' listeners with
 * code 1, then the error), printed from the file's own text; any other is left to node. In
 * the main thread only: a worker's uncaught error goes to its parent, as it would.
 */
export function printProbedCrashesAsWritten(isProbedLine: (file: string, line: number) => boolean): void {
  if (watching || !isMainThread) return;
  watching = true;
  process.on('uncaughtExceptionMonitor', (err, origin) => {
    // The program's handler gets it, or node's domain callback: the program goes on.
    if (process.listenerCount('uncaughtException') > 0 || process.hasUncaughtExceptionCaptureCallback()) return;
    const top = err instanceof Error ? topFrame(err.stack) : null;
    if (top !== null && isProbedLine(top.file, top.line)) exitWithUncaught(err, origin as UncaughtOrigin);
  });
}
