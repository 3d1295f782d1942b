import { measureCall } from './measure-call';
import { countProblem } from '../units/count';

export interface MemitOptions {
  /** Runs of `fn`, exactly; default 1. */
  repeat?: number;
  /** Seconds between the sampler's readings where it stands in for the kernel's exact peak
   * (with includeChildren, or off Linux); default 0.001. */
  interval?: number;
  /** Count the RSS of descendant processes too. */
  includeChildren?: boolean;
}

/** What `memit` reports, in bytes. */
export interface MemitResult {
  /** Highest RSS reached during any run. */
  peak: number;
  /** `peak` minus the RSS before the first run. */
  increment: number;
  /** RSS before the first run (after a garbage collection). */
  before: number;
  /** Each run's peak, in order. */
  peaks: number[];
  /** The same split as the line tables': how far V8's used heap and its external memory
   * (ArrayBuffer/Buffer backing stores, zlib, addons) rose above their level before the
   * first run, at their highest over the runs. They peak at different moments, so they need
   * not add up to `increment`; the external peak is the highest seen around every GC. */
  heapIncrement: number;
  externalIncrement: number;
}

const OPTION_NAMES = ['repeat', 'interval', 'includeChildren'];

function checkOptions(options: MemitOptions): Required<Pick<MemitOptions, 'repeat' | 'includeChildren'>> & { intervalMs?: number } {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) throw new TypeError('memit options must be an object');
  for (const key of Object.keys(options)) {
    if (!OPTION_NAMES.includes(key)) throw new TypeError(`unknown memit option "${key}": valid options are ${OPTION_NAMES.join(', ')}`);
  }
  const { repeat = 1, interval, includeChildren = false } = options;
  const problem = countProblem(repeat, 'repeat', 1);
  if (problem) throw new RangeError(problem);
  if (interval !== undefined && (typeof interval !== 'number' || !Number.isFinite(interval) || interval < 0.0001)) {
    throw new RangeError(`interval must be a number of seconds, at least 0.0001, got ${String(interval)}`);
  }
  if (typeof includeChildren !== 'boolean') throw new TypeError(`includeChildren must be a boolean, got ${String(includeChildren)}`);
  return { repeat, includeChildren, intervalMs: interval === undefined ? undefined : interval * 1000 };
}

/**
 * IPython's `%memit` as a function: runs `fn` exactly `repeat` times, one after the other
 * (awaiting a returned promise), and reports the peak RSS over the runs and its increment
 * over the RSS before the first run. Each run starts after a garbage collection, so garbage
 * left by one run is not counted against the next. An error thrown by `fn` propagates.
 */
export async function memit(fn: () => unknown, options: MemitOptions = {}): Promise<MemitResult> {
  if (typeof fn !== 'function') throw new TypeError(`memit needs a function to run, got ${fn === null ? 'null' : typeof fn}`);
  const { repeat, includeChildren, intervalMs } = checkOptions(options);
  const peaks: number[] = [];
  let before = 0;
  let heapBefore = 0;
  let externalBefore = 0;
  let peakHeap = -Infinity;
  let peakExternal = -Infinity;
  // What fn returns is dropped as soon as it settles: a value kept for the caller (or in a
  // suspended frame) would still be resident during the next run and add to its peak.
  const runOnce = async (): Promise<void> => {
    await fn();
  };
  for (let run = 0; run < repeat; run++) {
    // measureCall collects garbage first and waits for RSS to settle.
    const m = await measureCall(runOnce, { includeChildren, intervalMs });
    if (run === 0) [before, heapBefore, externalBefore] = [m.rssBefore, m.heapBefore, m.externalBefore];
    peaks.push(m.peakRss);
    peakHeap = Math.max(peakHeap, m.peakHeap);
    peakExternal = Math.max(peakExternal, m.peakExternal);
  }
  const peak = Math.max(...peaks);
  return { peak, increment: peak - before, before, peaks, heapIncrement: peakHeap - heapBefore, externalIncrement: peakExternal - externalBefore };
}
