import { UsageError } from '../errors';

/** Bytes in one MiB: memory_profiler's unit for every figure it prints. */
export const MiB = 1024 * 1024;

const UNITS: Record<string, number> = {
  B: 1,
  KiB: 1024,
  MiB: 1024 ** 2,
  GiB: 1024 ** 3,
  TiB: 1024 ** 4,
  kB: 1000,
  KB: 1000,
  MB: 1000 ** 2,
  GB: 1000 ** 3,
  TB: 1000 ** 4,
};

/** The largest size memprof accepts: 1024 TiB (2^50 bytes), beyond the memory of any machine
 * and still an exact integer, so a typo of a few digits cannot become a limit never reached. */
export const MAX_SIZE = 1024 ** 5;
const SIZE_RANGE = 'sizes go from 0 B to 1024 TiB';

/** Decimal places a figure may be printed with: toFixed takes up to 100, and 20 is plenty. */
export const MAX_PRECISION = 20;

/** Why `precision` is not a number of decimals memprof prints, or null when it is. */
export function precisionProblem(precision: unknown): string | null {
  if (typeof precision === 'number' && Number.isInteger(precision) && precision >= 0 && precision <= MAX_PRECISION) return null;
  return `precision must be a whole number from 0 to ${MAX_PRECISION}, got ${String(precision)}`;
}

export const SIZE_FORMS = 'a number of MiB (200, 1.5) or a number with a unit: B, KiB, MiB, GiB, TiB (powers of 1024) or kB, MB, GB, TB (powers of 1000), e.g. 512MiB, 2GB';

/**
 * Parses a memory size into bytes. `KiB/MiB/GiB` are powers of 1024, `kB/MB/GB` powers of
 * 1000, a bare number is MiB (as memory_profiler's thresholds). Anything else, negative
 * values included, is a UsageError naming the accepted forms.
 */
export function parseSize(text: string | number, what = 'size'): number {
  if (typeof text === 'number') {
    if (Number.isFinite(text) && text >= 0) return inRange(Math.round(text * MiB), text, what);
    throw new UsageError(`invalid ${what} ${JSON.stringify(String(text))}: expected ${SIZE_FORMS}`);
  }
  const match = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*([A-Za-z]*)\s*$/.exec(String(text));
  const unit = match ? (match[2] === '' ? 'MiB' : match[2]) : '';
  if (!match || !(unit in UNITS)) {
    throw new UsageError(`invalid ${what} ${JSON.stringify(String(text))}: expected ${SIZE_FORMS}`);
  }
  return inRange(Math.round(Number(match[1]) * UNITS[unit]), text, what);
}

function inRange(bytes: number, text: string | number, what: string): number {
  if (bytes <= MAX_SIZE) return bytes;
  throw new UsageError(`invalid ${what} ${JSON.stringify(String(text))}: beyond the memory of any machine; ${SIZE_RANGE}`);
}

/** `value.toFixed(digits)` without the sign of a figure that rounds to zero: "0.0", never "-0.0". */
function fixedNoNegativeZero(value: number, digits: number): string {
  const text = value.toFixed(digits);
  return text.startsWith('-') && Number(text) === 0 ? text.slice(1) : text;
}

/** Bytes as MiB with `precision` decimals, without the unit: "12.3" (a few bytes freed is "0.0"). */
export function toMiB(bytes: number, precision = 1): string {
  return fixedNoNegativeZero(bytes / MiB, precision);
}

/** Bytes as "12.3 MiB" (memory_profiler's style). */
export function formatMiB(bytes: number, precision = 1): string {
  return `${toMiB(bytes, precision)} MiB`;
}

/** Bytes in the largest binary unit that keeps the number at or above 1: "640 KiB", "1.5 GiB". */
export function formatSize(bytes: number, precision = 1): string {
  const value = Math.abs(bytes);
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let power = value < 1024 ? 0 : Math.min(units.length - 1, Math.floor(Math.log2(value) / 10));
  const shown = (p: number): string => (value / 1024 ** p).toFixed(p === 0 ? 0 : precision);
  // Rounding can reach the next unit: 1048575 bytes is "1.0 MiB", not "1024.0 KiB".
  if (power < units.length - 1 && Number(shown(power)) >= 1024) power++;
  // A figure that rounds to zero has no sign ("0 B", not "-0 B").
  const sign = bytes < 0 && Number(shown(power)) !== 0 ? '-' : '';
  return `${sign}${shown(power)} ${units[power]}`;
}

/** A change in bytes with its sign always shown: "+64.0 MiB", "-1.5 KiB", "+0 B". */
export function formatSizeChange(bytes: number, precision = 1): string {
  return `${bytes < 0 ? '-' : '+'}${formatSize(Math.abs(bytes), precision)}`;
}
