import { performance } from 'node:perf_hooks';
import { descendants, kernelPeak, rss, type KernelPeak } from '../rss';
import { Sampler } from '../sampler';
import { tryAddon, type SamplerOptions } from '../native';
import { isMainThread } from 'node:worker_threads';

// node:v8 and node:vm load with the first measurement, not with require('memprof').
const v8 = (): typeof import('node:v8') => require('node:v8');
const vm = (): typeof import('node:vm') => require('node:vm');

/** Where `peakRss` came from, weakest last. */
export type PeakSource =
  /** The kernel's high-water mark (Linux VmHWM, reset before the call): exact. */
  | 'kernel'
  /** The native sampler thread's running maximum: misses spikes shorter than its interval. */
  | 'sampler'
  /** Neither was available (no kernel mark on this OS and no native addon): the larger of
   * the values before and after. */
  | 'endpoints';

/** One run of a function, every figure in bytes. */
export interface CallMeasurement<T> {
  /** RSS right before the call (with descendants when `includeChildren`). */
  rssBefore: number;
  /** RSS right after the call settled. */
  rssAfter: number;
  /** Highest RSS while the call ran; never below rssBefore or rssAfter. */
  peakRss: number;
  peakSource: PeakSource;
  /** Bytes used on the V8 heap right before the call. */
  heapBefore: number;
  /** Bytes used on the V8 heap right after the call (garbage not collected). */
  heapAfter: number;
  /** Highest heap use while the call ran: the heap before every GC (v8.GCProfiler) and the final value. */
  peakHeap: number;
  /** V8's external memory (ArrayBuffer/Buffer backing stores, zlib, addons) right before
   * and right after the call. */
  externalBefore: number;
  externalAfter: number;
  /** Highest external memory seen: before and after the call and around every GC in it
   * (external memory also moves between collections, so this is a lower bound). */
  peakExternal: number;
  /** Garbage collections during the call. */
  gcCount: number;
  durationMs: number;
  /** What the function returned (awaited when it returned a promise). */
  result: T;
}

export interface MeasureCallOptions {
  /** Also count every descendant process's RSS. The kernel peak covers this process only,
   * so this measures with the sampler. Default false. */
  includeChildren?: boolean;
  /** Sampler period in milliseconds when the sampler is used; default 1. */
  intervalMs?: number;
  /** Collect garbage before the call so earlier garbage is not freed during it and counted
   * against it (measureCall also waits for RSS to settle after it). Default true. */
  collectBefore?: boolean;
}

let gcFunction: (() => void) | undefined;

/** V8's external memory in bytes, the figure process.memoryUsage().external and the GC
 * profiler report: from v8.getHeapStatistics() where it has the field, else process.memoryUsage(). */
export function externalMemory(): number {
  const stats = v8().getHeapStatistics() as import('node:v8').HeapInfo & { external_memory?: number };
  return stats.external_memory ?? process.memoryUsage().external;
}

/**
 * Collects all garbage, with or without --expose-gc: without it, the flag is set at run
 * time and a fresh context hands out its `gc` function (V8 installs `gc` on contexts
 * created after the flag is set). Two full collections: V8 frees the memory of dead
 * ArrayBuffers (Buffers) on a background sweeper, which the second one completes; after
 * one alone, a 48 MiB Buffer was often still counted, in RSS and external memory.
 */
export function collectGarbage(): void {
  if (!gcFunction) {
    const globalGc = (globalThis as { gc?: () => void }).gc;
    if (typeof globalGc === 'function') {
      gcFunction = globalGc;
    } else {
      v8().setFlagsFromString('--expose-gc');
      gcFunction = vm().runInNewContext('gc') as () => void;
    }
  }
  gcFunction();
  gcFunction();
}

let processKernelPeak: KernelPeak | undefined;

/** RSS of this process, plus its descendants' (which needs the addon) when asked. */
export function currentRss(includeChildren = false): number {
  let total = rss();
  if (includeChildren) for (const child of descendants()) total += child.rss;
  return total;
}

const RSS_STEADY = 256 * 1024;
const RSS_STEADY_READS = 5;
const RSS_SETTLE_LIMIT_MS = 200;

/**
 * A full garbage collection, then a wait (up to 200 ms, usually about 10) until RSS stops
 * moving: V8 returns freed pages to the OS from background threads over several
 * milliseconds after a collection, and a measurement that starts before they are done
 * sees RSS fall during the call and under-reports its growth.
 */
export async function collectGarbageAndSettle(): Promise<void> {
  collectGarbage();
  const start = performance.now();
  let last = rss();
  let steady = 0;
  while (steady < RSS_STEADY_READS && performance.now() - start < RSS_SETTLE_LIMIT_MS) {
    await new Promise((resolve) => setTimeout(resolve, 1));
    const now = rss();
    steady = Math.abs(now - last) < RSS_STEADY ? steady + 1 : 0;
    last = now;
  }
}

function startSampler(options: SamplerOptions): Sampler | null {
  try {
    const sampler = new Sampler(options);
    sampler.start();
    sampler.resetPeak();
    return sampler;
  } catch {
    return null; // no addon
  }
}

// Measurements that are running now. The kernel mark is one per process: only a
// measurement that starts alone may reset it; one that overlaps another uses the sampler.
// The addon counts them across all the threads of the process (worker threads have their
// own copy of this module); without it, this thread's count, and in a worker thread the
// kernel mark is never reset (another thread might be measuring).
let active = 0;

/** Counts a measurement in; true when it is the only one, so it may reset the kernel mark. */
function beginAlone(): boolean {
  const addon = tryAddon();
  active++;
  if (addon) return addon.beginMeasurement();
  return active === 1 && isMainThread;
}

function endCounted(): void {
  active--;
  tryAddon()?.endMeasurement();
}

/**
 * A measurement in progress: `begin()` takes the "before" figures and starts the peak
 * trackers, `end(result)` takes the "after" figures. Split in two so a synchronous and an
 * asynchronous call share it.
 */
class Measurement {
  private readonly includeChildren: boolean;
  private readonly gcProfiler = new (v8().GCProfiler)();
  private kernel: KernelPeak | null = null;
  private sampler: Sampler | null = null;
  private rssBefore = 0;
  private heapBefore = 0;
  private externalBefore = 0;
  private startTime = 0;

  constructor(private readonly options: MeasureCallOptions) {
    this.includeChildren = options.includeChildren ?? false;
  }

  begin(): void {
    // First, so a read that throws (descendants without the addon) leaves nothing running.
    this.rssBefore = currentRss(this.includeChildren);
    const alone = beginAlone();
    const kernel = !this.includeChildren && alone ? (processKernelPeak ??= kernelPeak()) : null;
    if (kernel && kernel.reset()) {
      this.kernel = kernel;
    } else {
      this.sampler = startSampler({
        intervalMs: this.options.intervalMs ?? 1,
        includeChildren: this.includeChildren,
        keepSamples: false,
      });
    }
    this.gcProfiler.start();
    this.heapBefore = v8().getHeapStatistics().used_heap_size;
    this.externalBefore = externalMemory();
    this.startTime = performance.now();
  }

  end<T>(result: T): CallMeasurement<T> {
    const durationMs = performance.now() - this.startTime;
    const heapAfter = v8().getHeapStatistics().used_heap_size;
    const externalAfter = externalMemory();
    const rssAfter = currentRss(this.includeChildren);
    const { peakRss, peakSource } = this.stopPeakTrackers(rssAfter);
    const gcs = this.gcProfiler.stop().statistics;
    let peakHeap = Math.max(this.heapBefore, heapAfter);
    let peakExternal = Math.max(this.externalBefore, externalAfter);
    for (const gc of gcs) {
      peakHeap = Math.max(peakHeap, gc.beforeGC.heapStatistics.usedHeapSize);
      peakExternal = Math.max(peakExternal, gc.beforeGC.heapStatistics.externalMemory, gc.afterGC.heapStatistics.externalMemory);
    }
    return {
      rssBefore: this.rssBefore,
      rssAfter,
      peakRss,
      peakSource,
      heapBefore: this.heapBefore,
      heapAfter,
      peakHeap,
      externalBefore: this.externalBefore,
      externalAfter,
      peakExternal,
      gcCount: gcs.length,
      durationMs,
      result,
    };
  }

  /** Stops tracking after a throw, so nothing keeps running. */
  abandon(): void {
    this.stopPeakTrackers(0);
    this.gcProfiler.stop();
  }

  private stopPeakTrackers(rssAfter: number): { peakRss: number; peakSource: PeakSource } {
    endCounted();
    const floor = Math.max(this.rssBefore, rssAfter);
    if (this.kernel) return { peakRss: Math.max(floor, this.kernel.read()), peakSource: 'kernel' };
    if (this.sampler) {
      this.sampler.stop();
      return { peakRss: Math.max(floor, this.sampler.peak), peakSource: 'sampler' };
    }
    return { peakRss: floor, peakSource: 'endpoints' };
  }
}

/**
 * Runs `fn` once (awaiting it if it returns a promise) and measures its memory: RSS before,
 * after and at its peak, V8 heap before, after and at its peak, and its duration. A throw or
 * rejection from `fn` propagates unchanged.
 *
 * The peak is the process's: other work running at the same time (timers, concurrent
 * tests) counts too.
 */
export async function measureCall<T>(
  fn: () => T | PromiseLike<T>,
  options: MeasureCallOptions = {},
): Promise<CallMeasurement<Awaited<T>>> {
  if (options.collectBefore ?? true) await collectGarbageAndSettle();
  const measurement = new Measurement(options);
  measurement.begin();
  let result: Awaited<T>;
  try {
    result = await fn();
  } catch (err) {
    measurement.abandon();
    throw err;
  }
  return measurement.end(result);
}

/** `measureCall` for a synchronous function, without a promise in between (nor the wait
 * for RSS to settle after the collection). */
export function measureCallSync<T>(fn: () => T, options: MeasureCallOptions = {}): CallMeasurement<T> {
  if (options.collectBefore ?? true) collectGarbage();
  const measurement = new Measurement(options);
  measurement.begin();
  let result: T;
  try {
    result = fn();
  } catch (err) {
    measurement.abandon();
    throw err;
  }
  return measurement.end(result);
}
