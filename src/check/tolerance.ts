import { UsageError } from '../errors';
import { formatSize, parseSize, SIZE_FORMS } from '../units/size';

/** How far a measurement may go over its baseline: a percentage of it, or a size. */
export type Tolerance = { percent: number } | { bytes: number };

export const DEFAULT_TOLERANCE = '5%';

/** "5%", "0.5%" or a size ("2MiB", "500kB", a bare number of MiB). */
export function parseTolerance(text: string, what = 'tolerance'): Tolerance {
  const percent = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*%\s*$/.exec(text);
  if (percent) return { percent: Number(percent[1]) };
  try {
    return { bytes: parseSize(text, what) };
  } catch {
    throw new UsageError(`invalid ${what} ${JSON.stringify(text)}: expected a percentage such as 5% or ${SIZE_FORMS}`);
  }
}

/** The highest measurement that `tolerance` allows over `baseline`. */
export function allowedOver(baseline: number, tolerance: Tolerance): number {
  return 'percent' in tolerance ? baseline * (1 + tolerance.percent / 100) : baseline + tolerance.bytes;
}

export function formatTolerance(tolerance: Tolerance): string {
  return 'percent' in tolerance ? `${tolerance.percent}%` : formatSize(tolerance.bytes);
}
