import * as path from 'node:path';
import { UsageError } from '../errors';
import type { BackendName } from '../meter';
import { formatReport, type ProfileResults, type ReportFormat } from '../report';
import { writeAllSync } from '../report/write-sync';
import type { Selector } from '../trace/selectors';
import { appendWhole, checkWritable, writeFailure, writeFileAtomic } from '../util/write-file';
import { LiveLines } from './live-lines';
import { AttachRefused } from './target-process';

export interface AttachLinesOptions {
  selectors: Selector[];
  fast: boolean;
  backend?: BackendName;
  format: ReportFormat;
  precision: number;
  output?: string;
  timeoutSeconds?: number;
  reportEverySeconds?: number;
}

const STOP_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

function log(text: string): void {
  process.stderr.write(`memprof: ${text}\n`);
}

/**
 * `memprof attach --lines`: probes functions of a running process, prints their tables every
 * --report-every, and at the end (-t, Ctrl+C), then detaches. Resolves to the exit code.
 */
export async function attachLines(pid: number, options: AttachLinesOptions): Promise<number> {
  if (options.output) {
    try {
      checkWritable(options.output);
    } catch (err) {
      throw new UsageError(`cannot write ${options.output}: ${writeFailure(err)}`);
    }
  }
  let session: LiveLines;
  try {
    session = await LiveLines.attach(pid, { selectors: options.selectors, mode: options.fast ? 'fast' : 'exact', backend: options.backend, note: log });
  } catch (err) {
    if (err instanceof AttachRefused) throw new UsageError(err.message, 1);
    throw err;
  }
  const { port, opened } = session.inspector;
  log(
    `attached to pid ${pid} (inspector on 127.0.0.1:${port}${opened ? ', opened by memprof until it detaches' : ''}): ` +
      `probing ${session.probed.map((p) => `${path.basename(p.slice(0, p.lastIndexOf(':')))}:${p.slice(p.lastIndexOf(':') + 1)}`).join(', ')}` +
      `${options.timeoutSeconds !== undefined ? ` for ${options.timeoutSeconds} s` : ''} (Ctrl+C for the tables)`,
  );
  const write = (results: ProfileResults): void => {
    const text = formatReport(results, options.format, options.precision);
    if (!options.output) {
      writeAllSync(1, text);
      return;
    }
    try {
      if (options.format === 'json') writeFileAtomic(options.output, text);
      else appendWhole(options.output, text);
    } catch (err) {
      throw new UsageError(`cannot write ${options.output}: ${writeFailure(err)}`, 1);
    }
  };

  let stop: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => {
    stop = resolve;
  });
  for (const signal of STOP_SIGNALS) process.on(signal, stop);
  const timers: NodeJS.Timeout[] = [];
  if (options.timeoutSeconds !== undefined) timers.push(setTimeout(stop, options.timeoutSeconds * 1000));
  const lostCheck = setInterval(() => session.lost && stop(), 200);
  timers.push(lostCheck);
  let reporting: Promise<void> = Promise.resolve();
  if (options.reportEverySeconds !== undefined) {
    timers.push(
      setInterval(() => {
        reporting = reporting.then(async () => {
          if (!session.lost) write(await session.results());
        });
      }, options.reportEverySeconds * 1000),
    );
  }
  try {
    await stopped;
    await reporting.catch(() => undefined);
    if (session.lost) {
      log(`pid ${pid} went away (${session.lost.message}): its figures since the last report went with it`);
      return 1;
    }
    write(await session.results());
    return 0;
  } finally {
    for (const t of timers) clearTimeout(t);
    for (const signal of STOP_SIGNALS) process.off(signal, stop);
    await session.detach();
    if (!session.lost) log(`detached from pid ${pid}: its functions are back as they were${opened ? ', its inspector closed' : ''}`);
  }
}
