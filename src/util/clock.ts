/**
 * Milliseconds from an arbitrary origin, monotonic, for durations. Not `performance.now()`:
 * the first read of the global `performance` loads node's perf_hooks (a dozen built-in
 * modules, about 1-2 ms) into a program that may never use it.
 */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}
