import { UsageError } from '../errors';
import { requireAddon, type Sample } from '../native';
import { Sampler } from '../sampler';
import { formatMiB } from '../units/size';
import { appendWhole, writeFailure, writeFailureExitCode, writeFileAtomic } from '../util/write-file';
import { childRecord, cmdlineRecord, memRecord } from './dat';
import { claimProfileName } from './files';

export interface RecorderOptions {
  /** The .dat file to replace; none: a new mprofile_<time>.dat here, taken exclusively. */
  output?: string;
  cmdline: string;
  intervalSeconds: number;
  /** MEM is the process plus all its descendants (mprof -C). */
  includeChildren: boolean;
  /** One CHLD curve per descendant (mprof -M). */
  multiprocess: boolean;
  /** Live "elapsed, current, peak" line on this stream (a terminal), or none. */
  status?: NodeJS.WriteStream | null;
}

/** How often buffered samples go to the file: at most this much is lost to a SIGKILL. */
export const FLUSH_MS = 100;
const STATUS_MS = 250;

/**
 * Samples one process with the native sampler thread and appends mprof records to the .dat
 * file as they arrive: every FLUSH_MS the buffered samples become one write(2), so a kill
 * of memprof or of the program leaves every sample drained so far in the file.
 */
export class Recorder {
  private sampler: Sampler | null = null;
  private timer: NodeJS.Timeout | null = null;
  private statusTimer: NodeJS.Timeout | null = null;
  private pendingFuncs = '';
  private stopped = false;
  /** Why the file could not be written (a full disk...): recording stopped there. */
  writeError: string | null = null;
  /** Called once when a write fails; the session stops the program. */
  onWriteError: ((why: string) => void) | null = null;
  private readonly startedAt = Date.now();
  /** Samples written so far. */
  samples = 0;
  /** Latest and highest MEM values written, in bytes. */
  current = 0;
  peak = 0;
  lastTime = 0;
  /** The file being written. */
  readonly output: string;

  constructor(private readonly options: RecorderOptions) {
    requireAddon(); // the sampler thread is native: say how to build it before anything runs
    // A fresh file: appending to an older recording would mix two runs in one plot. Written
    // before the program starts, so an unwritable path fails before anything runs.
    const first = cmdlineRecord(options.cmdline);
    try {
      if (options.output === undefined) this.output = claimProfileName(first);
      else writeFileAtomic((this.output = options.output), first);
    } catch (err) {
      throw new UsageError(`cannot write ${options.output ?? 'a recording in this directory'}: ${writeFailure(err)}`, writeFailureExitCode(err));
    }
  }

  /** Starts sampling `pid` (and its descendants where asked). */
  start(pid: number): void {
    try {
      this.sampler = new Sampler({
        pid,
        intervalMs: this.options.intervalSeconds * 1000,
        includeChildren: this.options.includeChildren || this.options.multiprocess,
      }).start();
    } catch (err) {
      // A program that ended before the first sample: an empty recording, not a failure.
      if (/no process with pid/.test((err as Error).message)) return;
      throw err;
    }
    this.flush();
    this.timer = setInterval(() => this.flush(), FLUSH_MS);
    if (this.options.status) {
      this.statusTimer = setInterval(() => this.showStatus(), STATUS_MS);
      this.statusTimer.unref();
    }
  }

  /** False once the sampled process has exited (the sampler thread ends on its own). */
  get running(): boolean {
    return this.sampler?.running ?? false;
  }

  get dropped(): number {
    return this.sampler?.dropped ?? 0;
  }

  /** FUNC records to write with the next flush. */
  addFuncs(records: string): void {
    this.pendingFuncs += records;
  }

  /**
   * Drains the sampler into the file in one append. A failed append (a full disk) leaves the
   * file as it was, whole lines only; recording stops and onWriteError is told, once.
   */
  flush(): void {
    if (this.writeError !== null) return;
    const text = (this.sampler ? this.format(this.sampler.samples()) : '') + this.pendingFuncs;
    this.pendingFuncs = '';
    if (text === '') return;
    try {
      appendWhole(this.output, text);
    } catch (err) {
      this.writeError = writeFailure(err);
      if (this.timer) clearInterval(this.timer);
      this.timer = null;
      this.sampler?.stop();
      this.onWriteError?.(this.writeError);
    }
  }

  /** Stops sampling and writes everything still buffered. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.statusTimer) clearInterval(this.statusTimer);
    this.timer = this.statusTimer = null;
    this.sampler?.stop();
    this.flush();
    if (this.options.status) this.options.status.write('\r\x1b[K');
  }

  private format(samples: Sample[]): string {
    const { includeChildren, multiprocess } = this.options;
    let text = '';
    for (const s of samples) {
      let total = s.rss;
      if (includeChildren && s.children) for (const c of s.children) total += c.rss;
      text += memRecord(total, s.time);
      if (multiprocess && s.children) for (const c of s.children) text += childRecord(c.pid, c.rss, s.time);
      this.current = total;
      if (total > this.peak) this.peak = total;
      this.lastTime = s.time;
    }
    this.samples += samples.length;
    return text;
  }

  private showStatus(): void {
    const elapsed = ((Date.now() - this.startedAt) / 1000).toFixed(1);
    this.options.status?.write(`\r\x1b[Kmemprof: ${elapsed} s  RSS ${formatMiB(this.current)}  peak ${formatMiB(this.peak)}  ${this.samples} samples`);
  }
}
