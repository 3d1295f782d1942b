import { measureCall, type PeakSource } from '../measure/measure-call';
import { checkBoolean, checkFunction, checkIntervalMs, checkOptionNames } from './options';

/** What `measureMemory` reports, every figure in bytes. */
export interface MemoryMeasurement {
  /** Highest RSS of the process while `fn` ran (the kernel's high-water mark where the
   * OS keeps one, else the native sampler's running maximum; see `peakSource`). */
  peakRss: number;
  /** RSS after `fn` minus RSS before it. */
  rssIncrement: number;
  /** Highest V8 heap use while `fn` ran: the heap before every GC and at the end. */
  peakHeap: number;
  /** V8 heap used after `fn` minus before it (garbage `fn` left is not collected first). */
  heapIncrement: number;
  /** V8 external memory after `fn` minus before it: ArrayBuffer/Buffer backing stores and
   * what Node (zlib) and addons report to V8. */
  externalIncrement: number;
  /** rssIncrement − heapIncrement − externalIncrement: native memory V8 is not told about,
   * code, thread stacks, heap pages committed but not used, fragmentation. */
  otherIncrement: number;
  /** Highest external memory seen (before, after, around every GC): a lower bound. */
  peakExternal: number;
  durationMs: number;
  /** RSS and heap when `fn` started (after a garbage collection). */
  rssBefore: number;
  heapBefore: number;
  externalBefore: number;
  peakSource: PeakSource;
}

export interface MeasureMemoryOptions {
  /** Count the RSS of child processes too (measured by the sampler). Default false. */
  includeChildren?: boolean;
  /** Sampler period in ms where the sampler stands in for the kernel mark. Default 1. */
  intervalMs?: number;
}

export const MEASURE_OPTIONS = ['includeChildren', 'intervalMs'];

/** Checks the options measureMemory shares with the other helpers; `names` are all the
 * helper accepts. */
export function checkMeasureOptions<T extends MeasureMemoryOptions>(options: T | undefined, names: readonly string[], helper: string): T {
  const checked = checkOptionNames(options, names, helper);
  checkBoolean(checked.includeChildren, 'includeChildren');
  checkIntervalMs(checked.intervalMs);
  return checked;
}

/**
 * Runs `fn` once (awaiting it) and measures its memory. Rejects with whatever `fn` threw.
 */
export async function measureMemory(
  fn: () => unknown,
  options?: MeasureMemoryOptions,
): Promise<MemoryMeasurement> {
  checkFunction(fn, 'measureMemory');
  const { includeChildren, intervalMs } = checkMeasureOptions(options, MEASURE_OPTIONS, 'measureMemory');
  const m = await measureCall(fn, { includeChildren, intervalMs });
  const rssIncrement = m.rssAfter - m.rssBefore;
  const heapIncrement = m.heapAfter - m.heapBefore;
  const externalIncrement = m.externalAfter - m.externalBefore;
  return {
    peakRss: m.peakRss,
    rssIncrement,
    peakHeap: m.peakHeap,
    heapIncrement,
    externalIncrement,
    otherIncrement: rssIncrement - heapIncrement - externalIncrement,
    peakExternal: m.peakExternal,
    durationMs: m.durationMs,
    rssBefore: m.rssBefore,
    heapBefore: m.heapBefore,
    externalBefore: m.externalBefore,
    peakSource: m.peakSource,
  };
}
