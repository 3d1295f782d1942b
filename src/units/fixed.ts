/**
 * Fixed-point formatting as Python's `'%.Nf' % x` does it, for the figures memprof promises
 * to print exactly as mprof does (`.dat` lines, `peak`).
 *
 * Both round the exact binary value; they differ only on exact ties, which are common here
 * (MiB figures are multiples of 1/256): JavaScript's `toFixed` takes the larger digit
 * (`(153.8125).toFixed(3)` is `153.813`), Python rounds half to even (`153.812`).
 */
export function toFixedHalfEven(value: number, digits: number): string {
  const rounded = value.toFixed(digits);
  if (!Number.isFinite(value)) return rounded;
  // toFixed(100) spells the double's exact decimal expansion whenever a tie is possible: a
  // tie at `digits` has exactly digits + 1 fractional digits, far fewer than 100.
  const exact = Math.abs(value).toFixed(100);
  const point = exact.indexOf('.');
  const fraction = exact.slice(point + 1);
  const isTie = fraction[digits] === '5' && /^0*$/.test(fraction.slice(digits + 1));
  if (!isTie) return rounded;
  const truncated = exact.slice(0, digits === 0 ? point : point + 1 + digits);
  const lastDigit = Number(truncated[truncated.length - 1]);
  if (lastDigit % 2 === 1) return rounded; // rounding up reaches the even digit
  return (value < 0 ? '-' : '') + truncated;
}
