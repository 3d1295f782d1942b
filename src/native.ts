import * as path from 'node:path';
import { UsageError } from './errors';

/** RSS of one descendant process, in bytes. */
export interface ChildRss {
  pid: number;
  rss: number;
}

/** One sample taken by the native sampler thread. */
export interface Sample {
  /** Epoch milliseconds (fractional). */
  time: number;
  /** RSS of the sampled pid itself, in bytes. */
  rss: number;
  /** Descendants' RSS, present when the sampler was created with `includeChildren`. */
  children?: ChildRss[];
}

export interface SamplerOptions {
  /** Process to sample; default this process. */
  pid?: number;
  /** Sampling period in milliseconds, 0.1 and up; default 1. */
  intervalMs?: number;
  /** Add the RSS of all descendants to `latest` and `peak`, and list them in samples. */
  includeChildren?: boolean;
  /** Keep (time, rss) samples for `samples()`; default true. The line tracer only needs
   * `latest` and `peak`, and turns this off so the sampler allocates nothing as it runs. */
  keepSamples?: boolean;
  /** How many samples to keep between two samples() calls; past that the oldest are
   * dropped and counted in `dropped`. Default 1,048,576 (16 MiB). */
  maxSamples?: number;
  /** A descriptor open for appending: the thread writes each sample's mprof records there
   * as it takes it (`MEM`, and `CHLD` lines with `datChildLines`; MEM includes the
   * descendants with `datChildrenInMem`). Not on Windows. */
  datFd?: number;
  datChildrenInMem?: boolean;
  datChildLines?: boolean;
}

/** Indices into `NativeSampler.shared`, a Float64Array over the sampler's native memory. */
export const SHARED_LATEST = 0;
export const SHARED_PEAK = 1;
export const SHARED_COUNT = 2;

export interface NativeSampler {
  start(): void;
  /** Stops and joins the thread; idempotent. */
  stop(): void;
  /** Sets the running peak to the current value. */
  resetPeak(): void;
  /** Removes and returns the samples buffered since the previous call. */
  samples(): Sample[];
  /** Highest value (bytes) since start or resetPeak(); with includeChildren, the total. */
  readonly peak: number;
  /** Most recent value (bytes); with includeChildren, the total. */
  readonly latest: number;
  readonly running: boolean;
  /** Samples dropped because the buffer was full (the oldest go first). */
  readonly dropped: number;
  /** Live view of [latest, peak, sample count] in native memory: read without a call. */
  readonly shared: Float64Array;
  /** The errno of the write to `datFd` that failed (0: none); writing stopped there. */
  readonly writeError: number;
}

/** Stop signals (native/stop_signals.h), used by src/signals/. Signal numbers as in
 * os.constants.signals. */
export interface NativeStopSignals {
  /** Takes the signal over while nothing else handles it; false where it is ignored or unsupported. */
  claim(signo: number): boolean;
  /** Someone else handles it now (a JavaScript listener was added). */
  release(signo: number): void;
  /** Calls `callback` (in this thread) with each claimed signal; one thread per process.
   * With `interrupt`, also while this thread's JavaScript is busy (needs canInterrupt()). */
  watch(callback: (signo: number) => void, graceMs?: number, interrupt?: boolean): void;
  /** Whether watch() can interrupt busy JavaScript (V8's RequestInterrupt was found). */
  canInterrupt(): boolean;
  /** The program began handling the signal: lifts the deadline. */
  begin(signo: number): void;
  /** Forgets the signal being handled (it went to a JavaScript listener). */
  cancel(): void;
  /** The claimed signal that arrived and is not cancelled (0: none), as soon as it is delivered. */
  arrived(): number;
  /** Ends the process as the signal would have without memprof. */
  dieBy(signo: number): never;
}

export interface Addon {
  /** RSS in bytes of this process (no argument) or of `pid`. Throws if pid does not exist. */
  rss(pid?: number): number;
  /** All descendants of `pid` (default this process), recursively, with their RSS. */
  descendants(pid?: number): ChildRss[];
  /** Resets the kernel's high-water mark of this process to its current RSS.
   * Returns false where the OS keeps no resettable peak (callers then use the sampler). */
  resetPeak(): boolean;
  /** The kernel's high-water mark of this process in bytes, or -1 where there is none. */
  readPeak(): number;
  Sampler: new (options?: SamplerOptions) => NativeSampler;
  /** A reader whose read() fills `values` with [rss, external] in bytes, allocating nothing. */
  createVectorReader(): { values: Float64Array; read(): void };
  /** The isolate's external memory in bytes (napi_adjust_external_memory by 0). */
  externalMemory(): number;
  /** Resolves when child `pid` has exited (not reaping it) with its kernel peak RSS in bytes
   * (Linux ru_maxrss through waitid WNOWAIT, Windows PeakWorkingSetSize); -1 where unknown. */
  waitChildPeak(pid: number): Promise<number>;
  /** The largest peak RSS among the children this process has reaped (getrusage
   * RUSAGE_CHILDREN), in bytes; -1 on Windows. */
  reapedChildrenPeak(): number;
  /** Windows: ends child `pid` when this process ends (a kill-on-close Job Object). False
   * elsewhere (Linux does it in the child: PR_SET_PDEATHSIG). */
  endWithThisProcess(pid: number): boolean;
  /** A measurement starts; true when no other runs in this process, in any thread (only
   * then may it reset the kernel's one high-water mark). */
  beginMeasurement(): boolean;
  /** The measurement begun with beginMeasurement() is over. */
  endMeasurement(): void;
  /** Gives the C heap's freed memory back to the OS (glibc malloc_trim); false where it cannot. */
  returnFreedMemory(): boolean;
  signals: NativeStopSignals;
}

let addon: Addon | null | undefined;
let loadError: Error | null = null;
let disabled = false;

const ROOT = path.join(__dirname, '..');

// node-gyp-build picks build/Release (a local `npm rebuild`) first, then the prebuild in
// prebuilds/<platform>-<arch>/ whose tags (napi, libc: glibc or musl) match this process.
function load(): Addon {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const nodeGypBuild: (dir: string) => Addon = require('node-gyp-build');
  return nodeGypBuild(ROOT);
}

/** The addon, or null where it cannot load (then `addonLoadError()` says why). */
export function tryAddon(): Addon | null {
  if (addon !== undefined) return addon;
  if (process.env.MEMPROF_DISABLE_NATIVE === '1') {
    disabled = true;
    loadError = new Error('disabled by MEMPROF_DISABLE_NATIVE=1');
    addon = null;
    return addon;
  }
  try {
    addon = load();
  } catch (err) {
    loadError = err as Error;
    addon = null;
  }
  return addon;
}

/** True where MEMPROF_DISABLE_NATIVE=1 turned the addon off on purpose. */
export function addonDisabled(): boolean {
  tryAddon();
  return disabled;
}

export function addonLoadError(): Error | null {
  tryAddon();
  return loadError;
}

/** One line that says why the addon is missing (the whole reason) and what to do. */
export function addonMissingMessage(): string {
  tryAddon();
  if (disabled) return 'the native addon is disabled (MEMPROF_DISABLE_NATIVE=1 is set; unset it to use the addon)';
  // node-gyp-build's and dlopen's reasons span lines ("No native build was found for
  // platform=… \n loaded from: …"): all of it, on one line.
  const reason = (loadError?.message ?? 'unknown reason').split('\n').map((line) => line.trim()).filter(Boolean).join('; ');
  return `the native addon could not be loaded (${reason}); build it with \`npm rebuild memprof\` (needs python3, make and a C++ compiler)`;
}

/** The addon; a UsageError with the build instructions where it cannot load. */
export function requireAddon(): Addon {
  const a = tryAddon();
  if (!a) throw new UsageError(addonMissingMessage());
  return a;
}
