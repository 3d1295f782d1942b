import { UsageError } from '../errors';
import { requireAddon, type Sample } from '../native';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { Sampler, SHARED_LATEST, SHARED_PEAK } from '../sampler';
import { formatMiB, MiB } from '../units/size';
import { appendWhole, writeFailure, writeFailureExitCode, writeFileAtomic } from '../util/write-file';
import { childRecord, cmdlineRecord, memRecord, parseDat } from './dat';
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

/** How often FUNC records (and, on Windows, buffered samples) go to the file. */
export const FLUSH_MS = 100;
const STATUS_MS = 250;

/**
 * Samples one process with the native sampler thread and appends mprof records to the .dat
 * file: the thread writes each sample as it takes it (one write(2) of whole lines), so a
 * SIGKILL of memprof loses at most the sample being written; FUNC records follow every
 * FLUSH_MS. On Windows JavaScript drains the samples every FLUSH_MS instead.
 */
export class Recorder {
  private sampler: Sampler | null = null;
  private timer: NodeJS.Timeout | null = null;
  private statusTimer: NodeJS.Timeout | null = null;
  private pendingFuncs = '';
  private stopped = false;
  /** The descriptor the sampler thread appends samples to, where it does. */
  private datFd: number | null = null;
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
    // The sampler thread appends each sample as it takes it (a SIGKILL of memprof loses at
    // most the one being written); on Windows, JavaScript drains and writes them.
    if (process.platform !== 'win32') this.datFd = fs.openSync(this.output, 'a');
    try {
      this.sampler = new Sampler({
        pid,
        intervalMs: this.options.intervalSeconds * 1000,
        includeChildren: this.options.includeChildren || this.options.multiprocess,
        ...(this.datFd === null
          ? {}
          : { keepSamples: false, datFd: this.datFd, datChildrenInMem: this.options.includeChildren, datChildLines: this.options.multiprocess }),
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
    let text = this.pendingFuncs;
    if (this.sampler && this.datFd === null) text = this.format(this.sampler.samples()) + text;
    else if (this.sampler) this.followThread(this.sampler);
    this.pendingFuncs = '';
    try {
      const threadError = this.sampler?.writeError ?? 0;
      if (threadError !== 0) throw Object.assign(new Error(errnoName(threadError)), { code: errnoName(threadError) });
      if (text !== '') appendWhole(this.output, text);
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
    if (this.datFd !== null) {
      fs.closeSync(this.datFd);
      this.datFd = null;
      this.countWritten();
    }
    if (this.options.status) this.options.status.write('\r\x1b[K');
  }

  /** Exact figures of what the thread wrote (the sampler's peak counts children that -M keeps out of MEM). */
  private countWritten(): void {
    try {
      const mem = parseDat(fs.readFileSync(this.output, 'utf8'), this.output).mem;
      this.samples = mem.mib.length;
      this.peak = mem.mib.reduce((a, b) => Math.max(a, b), 0) * MiB;
    } catch {
      // Unreadable now: the live figures stand.
    }
  }

  /** The figures of samples the thread wrote itself: count, latest and peak MEM. */
  private followThread(sampler: Sampler): void {
    this.samples = sampler.count;
    const shared = sampler.shared;
    this.current = shared[SHARED_LATEST];
    if (shared[SHARED_PEAK] > this.peak) this.peak = shared[SHARED_PEAK];
    this.lastTime = Date.now();
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

/** "ENOSPC" for errno 28: the code writeFailure knows. */
function errnoName(errno: number): string {
  for (const [name, value] of Object.entries(os.constants.errno)) if (value === errno) return name;
  return `errno ${errno}`;
}
