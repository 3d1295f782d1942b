/**
 * Under `memprof leaks`, takes a heap snapshot now (call it at a point the program comes
 * back to: after each request, each batch); elsewhere does nothing and costs nothing.
 */
export function leakMark(): void {
  const take = (globalThis as Record<symbol, unknown>)[Symbol.for('memprof.leakMark')];
  if (typeof take === 'function') take();
}
