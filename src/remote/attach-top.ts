import { attachedTopReport } from '../top/attached';
import { checkTopOutput, writeTopReport, type TopFormat } from '../top/report/write';
import { LiveTop } from './live-top';
import { watchForStop } from './stop';
import { refusedAsUsage } from './session';
import { commandLineOf } from './target-process';

export interface AttachTopOptions {
  samplingInterval: number;
  includeDeps: boolean;
  format: TopFormat;
  output?: string;
  timeoutSeconds?: number;
}

/** How many functions the report names an `attach --lines` command for (as `memprof top`'s default --top). */
const ZOOM_HINTS = 5;
const SUMMARY_ROWS = 10;

function log(text: string): void {
  process.stderr.write(`memprof: ${text}\n`);
}

/**
 * `memprof attach --top`: samples a running process's allocations until -t or Ctrl+C, then
 * detaches and writes `memprof top`'s report. Resolves to the exit code.
 */
export async function attachTop(pid: number, options: AttachTopOptions): Promise<number> {
  checkTopOutput(options.format, options.output, false);
  const command = commandLineOf(pid);
  const session = await refusedAsUsage(LiveTop.attach(pid, { samplingInterval: options.samplingInterval, note: log }));
  const { opened } = session.inspector;
  log(
    `${session.attachedLine}: ` +
      `sampling its allocations${options.timeoutSeconds !== undefined ? ` for ${options.timeoutSeconds} s` : ''} (Ctrl+C for the report)`,
  );
  const watch = watchForStop(options.timeoutSeconds, () => session.ended);
  let ended: string;
  let capture;
  try {
    ended = await watch.stopped;
    if (session.lost) {
      log(`pid ${pid} went away (${session.lost.message}): its profile went with it`);
      return 1;
    }
    // A program that finished waits for memprof: its profile is still there to take.
    if (session.exiting) ended = 'exit';
    capture = await session.stop();
    if (session.exiting) log(`pid ${pid} exited: its profile up to its exit`);
  } finally {
    watch.dispose();
    await session.detach();
    if (!session.ended) log(`detached from pid ${pid}: sampling stopped${opened ? ', its inspector closed' : ''}`);
  }
  const report = attachedTopReport({ pid, command, ...capture, ended, samplingInterval: options.samplingInterval }, { includeDeps: options.includeDeps, top: ZOOM_HINTS });
  writeTopReport(report, options.format, options.output, SUMMARY_ROWS);
  return typeof process.exitCode === 'number' ? process.exitCode : 0;
}
