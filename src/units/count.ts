/**
 * The most repetitions memprof runs when asked for a count (iterations, repeats): ten
 * million. A mistyped 1e12 or a digit too many would otherwise hang a test run for days
 * instead of failing at once.
 */
export const MAX_COUNT = 10_000_000;

/** Why `value` is not a count from `min` to MAX_COUNT, or null when it is. */
export function countProblem(value: unknown, what: string, min: number): string | null {
  if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= MAX_COUNT) return null;
  return `${what} must be a whole number from ${min} to ${MAX_COUNT.toLocaleString('en-US')}, got ${typeof value === 'string' ? JSON.stringify(value) : String(value)}`;
}
