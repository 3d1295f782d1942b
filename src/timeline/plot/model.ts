import * as path from 'node:path';
import { peakOf, type FuncSpan, type Recording, type Series } from '../dat';

// What every renderer draws, computed once: times relative to the first sample of the
// earliest file (seconds), MiB values, downsampled so a render costs the same for a
// minute or for hours of samples while every peak and trough stays visible.

export interface PlotOptions {
  title?: string;
  /** [t0, t1] in seconds from the start, as mprof's --window. */
  window?: [number, number];
  /** Draw FUNC brackets (default true; mprof turns them off for several files). */
  functions?: boolean;
  flame?: boolean;
  slope?: boolean;
  /** Points kept per curve at most (about two per bucket). */
  maxPoints?: number;
}

export interface Curve {
  label: string;
  /** Index of the file it belongs to (colours). */
  file: number;
  kind: 'mem' | 'child';
  t: number[];
  mib: number[];
}

export interface Bracket extends FuncSpan {
  /** Relative seconds. */
  t0: number;
  t1: number;
}

export interface PlotModel {
  title: string;
  curves: Curve[];
  /** Highest MEM sample of each file. */
  peaks: { file: number; label: string; t: number; mib: number }[];
  brackets: Bracket[];
  functionNames: string[];
  flame: boolean;
  slope: { file: number; perSecond: number; intercept: number } | null;
  xMin: number;
  xMax: number;
  yMin: number;
  yMax: number;
  /** Epoch seconds of t = 0. */
  origin: number;
  samples: number;
}

/**
 * Keeps at most about `maxPoints` points: the window is cut into buckets of equal time and
 * each bucket keeps its lowest and highest sample, in time order, so spikes survive.
 */
export function downsample(times: readonly number[], values: readonly number[], maxPoints: number): Series {
  const n = times.length;
  if (n <= maxPoints) return { times: times.slice(), mib: values.slice() };
  const buckets = Math.max(1, Math.floor(maxPoints / 2));
  const t0 = times[0];
  const span = times[n - 1] - t0 || 1;
  const out: Series = { times: [], mib: [] };
  let i = 0;
  for (let b = 0; b < buckets && i < n; b++) {
    const end = b === buckets - 1 ? Infinity : t0 + (span * (b + 1)) / buckets;
    if (times[i] >= end) continue; // no sample in this bucket
    let lo = i;
    let hi = i;
    for (; i < n && times[i] < end; i++) {
      if (values[i] < values[lo]) lo = i;
      if (values[i] > values[hi]) hi = i;
    }
    for (const k of lo === hi ? [lo] : [Math.min(lo, hi), Math.max(lo, hi)]) {
      out.times.push(times[k]);
      out.mib.push(values[k]);
    }
  }
  return out;
}

function windowed(series: Series, origin: number, window?: [number, number]): Series {
  const out: Series = { times: [], mib: [] };
  for (let i = 0; i < series.times.length; i++) {
    const t = series.times[i] - origin;
    if (window && (t < window[0] || t > window[1])) continue;
    out.times.push(t);
    out.mib.push(series.mib[i]);
  }
  return out;
}

/** Least-squares line through the samples: MiB per second. */
function fitSlope(series: Series): { perSecond: number; intercept: number } | null {
  const n = series.times.length;
  if (n < 2) return null;
  let st = 0, sm = 0, stt = 0, stm = 0;
  for (let i = 0; i < n; i++) {
    const t = series.times[i];
    const m = series.mib[i];
    st += t; sm += m; stt += t * t; stm += t * m;
  }
  const den = n * stt - st * st;
  if (den === 0) return null;
  const perSecond = (n * stm - st * sm) / den;
  return { perSecond, intercept: (sm - perSecond * st) / n };
}

export function buildPlotModel(recordings: readonly Recording[], options: PlotOptions = {}): PlotModel {
  const maxPoints = options.maxPoints ?? 4000;
  const starts = recordings.map((r) => r.mem.times[0]).filter((t) => t !== undefined);
  const origin = starts.length ? Math.min(...starts) : 0;
  // Several files share one time axis from each one's own start, as mprof overlays them.
  const curves: Curve[] = [];
  const peaks: PlotModel['peaks'] = [];
  const brackets: Bracket[] = [];
  let samples = 0;
  let slope: PlotModel['slope'] = null;
  recordings.forEach((rec, file) => {
    const fileOrigin = recordings.length > 1 ? (rec.mem.times[0] ?? origin) : origin;
    const label = recordings.length > 1 ? path.basename(rec.file) : 'memory';
    const mem = windowed(rec.mem, fileOrigin, options.window);
    samples += mem.times.length;
    const peak = peakOf(mem);
    if (!Number.isNaN(peak.mib)) peaks.push({ file, label, t: peak.time, mib: peak.mib });
    const shown = downsample(mem.times, mem.mib, maxPoints);
    curves.push({ label, file, kind: 'mem', t: shown.times, mib: shown.mib });
    if (options.slope && file === 0) {
      const fit = fitSlope(mem);
      if (fit) slope = { file, ...fit };
    }
    // Many children share one budget, so the output stays small however many there were.
    const perChild = Math.min(maxPoints, Math.max(400, Math.floor(maxPoints / Math.max(1, rec.children.size))));
    for (const [pid, series] of rec.children) {
      const child = windowed(series, fileOrigin, options.window);
      const ds = downsample(child.times, child.mib, perChild);
      curves.push({ label: `child ${pid}`, file, kind: 'child', t: ds.times, mib: ds.mib });
    }
    if (options.functions !== false) {
      for (const f of rec.funcs) {
        const t0 = f.start - fileOrigin;
        const t1 = f.end - fileOrigin;
        if (options.window && (t1 < options.window[0] || t0 > options.window[1])) continue;
        brackets.push({ ...f, t0, t1 });
      }
    }
  });
  let xMin = Infinity, xMax = -Infinity, yMin = Infinity, yMax = -Infinity;
  for (const c of curves) {
    for (let i = 0; i < c.t.length; i++) {
      xMin = Math.min(xMin, c.t[i]); xMax = Math.max(xMax, c.t[i]);
      yMin = Math.min(yMin, c.mib[i]); yMax = Math.max(yMax, c.mib[i]);
    }
  }
  for (const b of brackets) {
    xMin = Math.min(xMin, b.t0); xMax = Math.max(xMax, b.t1);
    yMin = Math.min(yMin, b.memStart, b.memEnd); yMax = Math.max(yMax, b.memStart, b.memEnd);
  }
  if (options.window) [xMin, xMax] = options.window;
  if (!Number.isFinite(xMin)) { xMin = 0; xMax = 1; }
  if (!Number.isFinite(yMin)) { yMin = 0; yMax = 1; }
  if (xMax <= xMin) xMax = xMin + 1;
  // Memory plots read best from zero, as mprof's.
  yMin = Math.min(0, yMin);
  if (yMax <= yMin) yMax = yMin + 1;
  yMax += (yMax - yMin) * 0.05;
  const title = options.title ?? (recordings.length === 1 ? (recordings[0].cmdline ?? path.basename(recordings[0].file)) : 'memory over time');
  return {
    title,
    curves,
    peaks,
    brackets,
    functionNames: [...new Set(brackets.map((b) => b.name))],
    flame: options.flame === true,
    slope,
    xMin, xMax, yMin, yMax,
    origin,
    samples,
  };
}

/** Round numbers for an axis: about `count` ticks between lo and hi. */
export function niceTicks(lo: number, hi: number, count = 6): number[] {
  const raw = (hi - lo) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(Number(v.toFixed(10)));
  return ticks;
}

export const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];
