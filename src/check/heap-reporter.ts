// Preloaded (NODE_OPTIONS=--require) into every Node.js process that `memprof check` runs,
// descendants included: tracks the process's V8 heap peak and, as it exits, appends one
// JSON line { pid, peakHeap, peakExternal, maxRss } to the file named by MEMPROF_CHECK_REPORT.
//
// The heap peak is exact: between two collections the heap only grows, and v8.GCProfiler
// reports the heap right before every collection. The profiler is drained once a second
// so a long-running process does not keep a record of every collection. External memory
// (Buffers, zlib) also falls between collections, so its peak is the highest seen before and
// after every collection, once a second and at exit: a lower bound.
import * as v8 from 'node:v8';
import { isMainThread } from 'node:worker_threads';
import { appendWhole } from '../util/write-file';

export const REPORT_ENV = 'MEMPROF_CHECK_REPORT';

/** One Node.js process's figures, in bytes. */
export interface HeapReport {
  pid: number;
  /** -1 where this Node.js version has no v8.GCProfiler. */
  peakHeap: number;
  /** -1 where this Node.js version has no v8.GCProfiler; absent in older reports. */
  peakExternal?: number;
  /** The kernel's peak RSS of this process over its whole life (getrusage ru_maxrss). */
  maxRss: number;
}

/** Starts tracking; throws nothing: a preload must never break the program it rides in. */
function track(reportFile: string): void {
  // v8.GCProfiler came with Node 18.15/19.6: a command that runs an older node still
  // reports its RSS peak, without the heap.
  const Profiler = (v8 as { GCProfiler?: typeof v8.GCProfiler }).GCProfiler;
  let peakHeap = v8.getHeapStatistics().used_heap_size;
  let peakExternal = process.memoryUsage().external;
  const readExternal = (): void => {
    peakExternal = Math.max(peakExternal, process.memoryUsage().external);
  };
  let profiler = Profiler ? new Profiler() : null;
  profiler?.start();
  const drain = (): void => {
    for (const gc of profiler?.stop().statistics ?? []) {
      peakHeap = Math.max(peakHeap, gc.beforeGC.heapStatistics.usedHeapSize);
      peakExternal = Math.max(peakExternal, gc.beforeGC.heapStatistics.externalMemory, gc.afterGC.heapStatistics.externalMemory);
    }
  };
  if (Profiler) {
    setInterval(() => {
      drain();
      readExternal();
      profiler = new Profiler();
      profiler.start();
    }, 1000).unref();
  }
  process.on('exit', () => {
    try {
      drain();
      readExternal();
      const report: HeapReport = {
        pid: process.pid,
        peakHeap: Profiler ? Math.max(peakHeap, v8.getHeapStatistics().used_heap_size) : -1,
        peakExternal: Profiler ? peakExternal : -1,
        maxRss: process.resourceUsage().maxRSS * 1024, // KiB
      };
      appendWhole(reportFile, `${JSON.stringify(report)}\n`);
    } catch {
      // The checker went away, or its directory did: nothing to report to.
    }
  });
}

const reportFile = process.env[REPORT_ENV];
if (reportFile && isMainThread) {
  try {
    track(reportFile);
  } catch {
    // Leave the program alone.
  }
}
