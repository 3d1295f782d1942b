import { formatSize, formatSizeChange } from '../units/size';
import { MemoryLimitError } from './errors';
import { trackLines } from './line-attribution';
import { checkMeasureOptions, MEASURE_OPTIONS, measureMemory, type MemoryMeasurement, type MeasureMemoryOptions } from './measure-memory';
import { checkBoolean, checkFunction } from './options';
import { sizeArgument } from './size-argument';

export type LimitMetric = 'rss' | 'heap' | 'external';

const TOP_LINES = 5;

export interface LimitMemoryOptions extends MeasureMemoryOptions {
  /** `rss` (default): resident memory of the process, Buffers and native memory included.
   * `heap`: bytes used on the V8 heap. `external`: V8's external memory (ArrayBuffer and
   * Buffer backing stores, zlib, addons), its peak seen before, after and around every GC. */
  metric?: LimitMetric;
  /** Compare the limit with the absolute peak instead of the growth over the level when
   * `fn` started. Default false: a limit is what `fn` may add, as pytest-memray's. */
  absolute?: boolean;
  /** Profile `fn` line by line while it runs, so a MemoryLimitError names the lines that
   * allocated most. This instruments `fn` in place (it stays profiled afterwards) and
   * slows it down; off by default. */
  lines?: boolean;
}

function checkMetric(metric: unknown): LimitMetric {
  if (metric === 'rss' || metric === 'heap' || metric === 'external') return metric;
  throw new TypeError(`metric must be "rss", "heap" or "external", not ${JSON.stringify(metric)}`);
}

/** What kind of memory the RSS increment was (after fn minus before it), for the message. */
function splitLine(m: MemoryMeasurement): string {
  return (
    `after fn, RSS ${formatSizeChange(m.rssIncrement)}: heap ${formatSizeChange(m.heapIncrement)}, ` +
    `external ${formatSizeChange(m.externalIncrement)} (Buffers, zlib, addons), other ${formatSizeChange(m.otherIncrement)} (native)`
  );
}

/**
 * Runs `fn` once and rejects with a MemoryLimitError when its peak memory goes over
 * `limit` ("50MiB", "24 MB", or a number of MiB); resolves with the measurement otherwise.
 * By default the limit applies to the peak growth: peak minus the level when `fn` started.
 */
export async function limitMemory(
  limit: string | number,
  fn: () => unknown,
  options?: LimitMemoryOptions,
): Promise<MemoryMeasurement> {
  const limitBytes = sizeArgument(limit, 'memory limit');
  checkFunction(fn, 'limitMemory');
  options = checkMeasureOptions(options, [...MEASURE_OPTIONS, 'metric', 'absolute', 'lines'], 'limitMemory');
  checkBoolean(options.absolute, 'absolute');
  checkBoolean(options.lines, 'lines');
  const metric = checkMetric(options.metric ?? 'rss');
  const lines = options.lines ? trackLines(fn, metric) : null;
  const m = await measureMemory(fn, { includeChildren: options.includeChildren, intervalMs: options.intervalMs });
  const peak = { rss: m.peakRss, heap: m.peakHeap, external: m.peakExternal }[metric];
  const start = { rss: m.rssBefore, heap: m.heapBefore, external: m.externalBefore }[metric];
  const measured = options.absolute ? peak : peak - start;
  if (measured <= limitBytes) return m;
  const what = options.absolute ? `${metric} peak` : `${metric} peak growth`;
  const message =
    `${what} ${formatSize(measured)} is over the limit of ${formatSize(limitBytes)} ` +
    `by ${formatSize(measured - limitBytes)}` +
    (options.absolute ? '' : ` (${metric} went from ${formatSize(start)} to a peak of ${formatSize(peak)})`) +
    (metric === 'rss' ? `\n${splitLine(m)}` : '') +
    (lines ? `\n${lines.describe(TOP_LINES)}` : '');
  throw new MemoryLimitError(message, limitBytes, measured, metric, m, lines?.top(TOP_LINES));
}
