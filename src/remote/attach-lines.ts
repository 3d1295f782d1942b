import * as path from 'node:path';
import { UsageError } from '../errors';
import type { BackendName } from '../meter';
import { formatReport, type ProfileResults, type ReportFormat } from '../report';
import { writeAllSync } from '../util/write-sync';
import type { Selector } from '../trace/selectors';
import { appendWhole, checkWritable, writeFailure, writeFileAtomic } from '../util/write-file';
import { LiveLines } from './live-lines';
import { watchForStop } from './stop';
import { refusedAsUsage } from './session';

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
  const session = await refusedAsUsage(LiveLines.attach(pid, { selectors: options.selectors, mode: options.fast ? 'fast' : 'exact', backend: options.backend, note: log }));
  const { opened } = session.inspector;
  log(
    `${session.attachedLine}: ` +
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

  const watch = watchForStop(options.timeoutSeconds, () => session.ended);
  let reporting: Promise<void> = Promise.resolve();
  const reportTimer =
    options.reportEverySeconds === undefined
      ? null
      : setInterval(() => {
          reporting = reporting.then(async () => {
            if (!session.ended) write(await session.results());
          });
        }, options.reportEverySeconds * 1000);
  try {
    await watch.stopped;
    await reporting.catch(() => undefined);
    if (session.exiting) {
      // The program finished: its tables came at its exit; memprof leaves so that it can end.
      if (session.exitResults) write(session.exitResults);
      log(`pid ${pid} exited${session.exitResults ? ': its tables up to its exit' : ' before memprof could read its figures'}`);
      return session.exitResults ? 0 : 1;
    }
    if (session.lost) {
      log(`pid ${pid} went away (${session.lost.message}): its figures since the last report went with it`);
      return 1;
    }
    write(await session.results());
    return 0;
  } finally {
    if (reportTimer) clearInterval(reportTimer);
    watch.dispose();
    await session.detach();
    if (!session.ended) log(`detached from pid ${pid}: its functions are back as they were${opened ? ', its inspector closed' : ''}`);
  }
}
