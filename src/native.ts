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
}

/** Stop signals (native/stop_signals.h), used by src/signals/. Signal numbers as in
 * os.constants.signals. */
export interface NativeStopSignals {
  /** Takes the signal over while nothing else handles it; false where it is ignored or unsupported. */
  claim(signo: number): boolean;
  /** Someone else handles it now (a JavaScript listener was added). */
  release(signo: number): void;
  /** Calls `callback` (in this thread) with each claimed signal; one thread per process. */
  watch(callback: (signo: number) => void, graceMs?: number): void;
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
  signals: NativeStopSignals;
}

let addon: Addon | null | undefined;
let loadError: Error | null = null;

const ROOT = path.join(__dirname, '..');

// Where bindings looks, in order: a prebuild first, then a local node-gyp build.
// prebuildify 6 names the file after the package; older versions wrote node.napi.node.
const PREBUILD_TRY = [
  ['module_root', 'prebuilds', 'prebuild_dir', 'memprof.node'],
  ['module_root', 'prebuilds', 'prebuild_dir', 'node.napi.node'],
];
const BUILD_TRY = [
  ['module_root', 'build', 'Release', 'bindings'],
  ['module_root', 'build', 'Debug', 'bindings'],
];

function load(): Addon {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const bindings = require('bindings');
  const options = {
    bindings: 'memprof.node',
    module_root: ROOT,
    // bindings maps each element of a `try` path through its options: a custom key works.
    prebuild_dir: `${process.platform}-${process.arch}`,
  };
  try {
    return bindings({ ...options, try: [...PREBUILD_TRY, ...BUILD_TRY] });
  } catch (err) {
    // bindings stops at the first file that exists but does not load (a prebuild for
    // another libc, say); a local build, which the install hook makes then, may still work.
    try {
      return bindings({ ...options, try: BUILD_TRY });
    } catch {
      throw err;
    }
  }
}

/** The addon, or null where it cannot load (then `addonLoadError()` says why). */
export function tryAddon(): Addon | null {
  if (addon !== undefined) return addon;
  if (process.env.MEMPROF_DISABLE_NATIVE === '1') {
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

export function addonLoadError(): Error | null {
  tryAddon();
  return loadError;
}

/** One line that says why the addon is missing and how to build it. */
export function addonMissingMessage(): string {
  const reason = (addonLoadError()?.message ?? 'unknown reason').split('\n')[0];
  return `the native addon could not be loaded (${reason}); build it with \`npm rebuild memprof\` (needs python3, make and a C++ compiler)`;
}

/** The addon; a UsageError with the build instructions where it cannot load. */
export function requireAddon(): Addon {
  const a = tryAddon();
  if (!a) throw new UsageError(addonMissingMessage());
  return a;
}
