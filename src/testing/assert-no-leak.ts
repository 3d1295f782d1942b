import * as v8 from 'node:v8';
import { collectGarbage, currentRss } from '../measure/measure-call';
import { countProblem } from '../units/count';
import { formatSize } from '../units/size';
import { MemoryLeakError } from './errors';
import { sizeArgument } from './size-argument';
import { findLeakSites, type LeakSite } from './leak-sites';
import { checkFunction, checkOptionNames } from './options';
import { leastSquaresSlope, theilSenSlope } from '../util/statistics';

export type LeakMetric = 'heap' | 'rss';

export interface AssertNoLeakOptions {
  /** Calls measured, after the warm-up. Default 400. */
  iterations?: number;
  /** Calls made first and not measured, so caches, compiled code and lazily built
   * state settle. Default 20. */
  warmup?: number;
  /** Retained memory is read after each of this many equal rounds. Default 10. */
  rounds?: number;
  /** Growth per iteration above which it is a leak: "1KiB" (default), or a number of MiB. */
  threshold?: string | number;
  /** `heap` (default): memory JavaScript holds after a full GC, the V8 heap plus external
   * memory (Buffers, ArrayBuffers). `rss`: resident memory after a GC, for memory outside
   * JavaScript's view; not a stable verdict, since the allocator reuses freed pages before
   * RSS grows (see docs/ci.md for measured misses). */
  metric?: LeakMetric;
}

/** One reading of retained memory, after `iterations` measured calls. */
export interface LeakPoint {
  iterations: number;
  retained: number;
}

export interface LeakReport {
  /** `medianSlope` is above `threshold`. */
  leaked: boolean;
  /** Theil-Sen slope of retained memory over the iterations (the median of the slopes
   * between every pair of readings), bytes per iteration: the verdict's figure. A few
   * outlying readings cannot move it. */
  medianSlope: number;
  /** Least-squares slope, bytes per iteration, for reference: one reading taken while
   * earlier garbage was still reachable (the caller's own frame can hold it for a while)
   * pulls it far off. */
  slope: number;
  /** Bytes per iteration. */
  threshold: number;
  iterations: number;
  warmup: number;
  metric: LeakMetric;
  points: LeakPoint[];
}

function wholeNumber(value: unknown, what: string, min: number): number {
  const problem = countProblem(value, what, min);
  if (problem) throw new TypeError(problem);
  return value as number;
}

function retained(metric: LeakMetric): number {
  if (metric === 'rss') return currentRss(false);
  const heap = v8.getHeapStatistics();
  return heap.used_heap_size + heap.external_memory;
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Lets pending callbacks run (so what they release is garbage), then collects. */
async function settleAndCollect(): Promise<void> {
  await nextTurn();
  collectGarbage();
}

async function call(fn: (iteration: number) => unknown, iteration: number): Promise<void> {
  const result = fn(iteration);
  // Await only what is awaitable: a synchronous fn runs without a microtask per call.
  if (result && typeof (result as PromiseLike<unknown>).then === 'function') await result;
}

/**
 * Calls `fn` (with the iteration number) `warmup` times, then `iterations` times in
 * `rounds`, collecting garbage and reading retained memory after each round. Rejects with
 * a MemoryLeakError when retained memory grows faster than `threshold` per iteration,
 * by a robust fit (Theil-Sen) over the readings; resolves with the report otherwise.
 */
export async function assertNoLeak(
  fn: (iteration: number) => unknown,
  options?: AssertNoLeakOptions,
): Promise<LeakReport> {
  checkFunction(fn, 'assertNoLeak');
  options = checkOptionNames(options, ['iterations', 'warmup', 'rounds', 'threshold', 'metric'], 'assertNoLeak');
  const iterations = wholeNumber(options.iterations ?? 400, 'iterations', 2);
  const warmup = wholeNumber(options.warmup ?? 20, 'warmup', 0);
  const rounds = Math.min(wholeNumber(options.rounds ?? 10, 'rounds', 2), iterations);
  const threshold = sizeArgument(options.threshold ?? '1KiB', 'leak threshold');
  const metric = options.metric ?? 'heap';
  if (metric !== 'heap' && metric !== 'rss') {
    throw new TypeError(`metric must be "heap" or "rss", not ${JSON.stringify(metric)}`);
  }

  let done = 0;
  for (let i = 0; i < warmup; i++) await call(fn, -warmup + i);
  await settleAndCollect();
  const points: LeakPoint[] = [{ iterations: 0, retained: retained(metric) }];
  for (let round = 1; round <= rounds; round++) {
    const end = Math.round((iterations * round) / rounds);
    while (done < end) await call(fn, done++);
    await settleAndCollect();
    points.push({ iterations: done, retained: retained(metric) });
  }

  const xy = points.map((p) => ({ x: p.iterations, y: p.retained }));
  const slope = leastSquaresSlope(xy);
  const medianSlope = theilSenSlope(xy);
  const leaked = medianSlope > threshold;
  const report: LeakReport = { leaked, slope, medianSlope, threshold, iterations, warmup, metric, points };
  if (!leaked) return report;
  const first = points[0].retained;
  const last = points[points.length - 1].retained;
  // Only now, on failure: the sites cost two more windows of calls under allocation tracking.
  const siteIterations = Math.max(10, Math.min(100, Math.round(iterations / 4)));
  const sites = await findLeakSites((i) => call(fn, i), done, {
    iterations: siteIterations,
    minBytesPerIteration: Math.max(16, medianSlope / 100),
  });
  throw new MemoryLeakError(
    `retained ${metric} memory grew by ${formatSize(medianSlope)} per iteration over ${iterations} iterations ` +
      `(${formatSize(first)} -> ${formatSize(last)}; median slope over ${rounds} rounds, ` +
      `least-squares ${formatSize(slope)}; threshold ${formatSize(threshold)} per iteration)` +
      describeSites(sites, siteIterations),
    report,
    sites,
  );
}

function plural(n: number, word: string): string {
  const shown = Number.isInteger(n) ? String(n) : n.toFixed(2);
  return `${shown} ${word}${n === 1 ? '' : 's'}`;
}

/** The sites as the error message's tail: one line each, then what holds them. */
function describeSites(sites: LeakSite[], iterations: number): string {
  if (sites.length === 0) return '';
  const lines = sites.map(
    (s) =>
      `\n  ${s.file}:${s.line} ${s.functionName}(): ${formatSize(s.bytesPerIteration)} in ${plural(s.objectsPerIteration, 'object')} per iteration` +
      (s.retainers.length > 0 ? `\n    held by ${s.retainers.join(' → ')}` : ''),
  );
  return `\nleak sites (allocated during ${iterations} iterations and still held after ${iterations} more):${lines.join('')}`;
}
