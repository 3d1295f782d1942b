import { parseSize } from '../units/size';

// A number above this many MiB (1 TiB) is almost surely bytes passed by mistake.
const LARGEST_PLAUSIBLE_MIB = 1024 * 1024;

/**
 * A size given to a test helper, in bytes: a string with a unit ("50MiB", "24 MB"), or a
 * number of MiB as everywhere in memprof. A number that only makes sense as bytes is
 * refused rather than read as terabytes, so a limit can never silently never trigger.
 */
export function sizeArgument(value: string | number, what: string): number {
  if (typeof value === 'number' && value > LARGEST_PLAUSIBLE_MIB) {
    throw new TypeError(
      `${what} ${value} would mean ${value} MiB: a number is MiB in memprof; give bytes as "${value}B" or a size like "50MiB"`,
    );
  }
  if (typeof value !== 'number' && typeof value !== 'string') {
    throw new TypeError(`${what} must be a size such as "50MiB" or a number of MiB, not ${typeof value}`);
  }
  return parseSize(value, what);
}
