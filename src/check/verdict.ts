import { formatSize } from '../units/size';
import type { BaselineEntry } from './baseline';
import type { CommandMeasurement } from './run-command';
import { allowedOver, formatTolerance, type Tolerance } from './tolerance';

// Judges one measured budget: its limits, its baseline, and whether the command itself
// succeeded. Every breach carries the one line a CI log should show.

export type Metric = 'peakRss' | 'peakHeap' | 'peakExternal';

export const METRICS: readonly Metric[] = ['peakRss', 'peakHeap', 'peakExternal'];

export const METRIC_LABEL: Record<Metric, string> = { peakRss: 'peak RSS', peakHeap: 'heap peak', peakExternal: 'external peak' };

export interface Breach {
  kind: 'budget' | 'baseline' | 'command' | 'unmeasured';
  metric?: Metric;
  message: string;
}

export interface CheckInput {
  name: string;
  command: string;
  limits: Partial<Record<Metric, number>>;
  measurement: CommandMeasurement;
  /** The baseline compared with, when there was one for this budget. */
  baseline?: BaselineEntry;
  tolerance: Tolerance;
}

export interface CheckedBudget extends CheckInput {
  breaches: Breach[];
}

function percent(part: number, whole: number): string {
  return `${((part / whole) * 100).toFixed(1)}%`;
}

export function judge(input: CheckInput): CheckedBudget {
  const { measurement: m, limits, baseline, tolerance } = input;
  const breaches: Breach[] = [];
  if (m.timedOut) {
    breaches.push({ kind: 'command', message: `the command ran past its timeout and was stopped (${m.signal ?? `exit code ${m.exitCode}`})` });
  } else if (m.exitCode !== 0) {
    const how = m.signal ? `was killed by ${m.signal}` : `exited with code ${m.exitCode}`;
    // Say whose signal it was: a cancelled CI job is not a broken command.
    const why = m.interruptedBy ? ` (memprof was interrupted by ${m.interruptedBy} and passed it on)` : '';
    breaches.push({ kind: 'command', message: `the command ${how}${why}` });
  }
  for (const metric of METRICS) {
    const value = m[metric];
    const limit = limits[metric];
    const base = baseline?.[metric];
    if (value === null) {
      if (limit !== undefined) breaches.push({ kind: 'unmeasured', metric, message: unmeasuredMessage(metric, m) });
      continue;
    }
    if (limit !== undefined && value > limit) {
      breaches.push({
        kind: 'budget',
        metric,
        message: `${METRIC_LABEL[metric]} ${formatSize(value)} is over the budget of ${formatSize(limit)} by ${formatSize(value - limit)}`,
      });
    }
    if (base !== undefined && value > allowedOver(base, tolerance)) {
      breaches.push({
        kind: 'baseline',
        metric,
        message:
          `${METRIC_LABEL[metric]} ${formatSize(value)} is ${formatSize(value - base)} (+${percent(value - base, base)}) ` +
          `above the baseline ${formatSize(base)}, more than the tolerance of ${formatTolerance(tolerance)}`,
      });
    }
  }
  return { ...input, breaches };
}

function unmeasuredMessage(metric: Metric, m: CommandMeasurement): string {
  if (metric === 'peakHeap' || metric === 'peakExternal') {
    const what = metric === 'peakHeap' ? 'heap' : 'external';
    return `no ${what} peak: no Node.js process of the command reported one (the ${what} figure is measured in Node.js processes that exit normally)`;
  }
  const why =
    m.samplerMissed === 'no-addon'
      ? 'the native addon, which samples the command, is not built (npm rebuild memprof)'
      : m.samplerMissed === 'addon-disabled'
        ? 'the native addon, which samples the command, is disabled (MEMPROF_DISABLE_NATIVE=1)'
        : 'the command ended before the sampler\'s first reading (it ran for under a millisecond)';
  return `no RSS peak: ${why}, and no Node.js process reported one`;
}
