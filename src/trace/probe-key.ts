// What probed code and the runtime share, kept apart from the instrumenter so the runtime
// loads without acorn.

/** Probed code finds the probes at globalThis[Symbol.for(PROBE_GLOBAL)]. */
export const PROBE_GLOBAL = 'memprof.probe';

/**
 * The entry key: everything the runtime needs to describe a function it has not seen
 * (load hooks instrument in another thread, so the key carries the description).
 */
export function functionKey(file: string, name: string, line: number, endLine: number, column?: number, source?: string): string {
  // The column tells apart two functions on the same lines (arrows in one chain).
  const parts: (string | number)[] = [file, name, line, endLine];
  if (column !== undefined) parts.push(column);
  // Source-mapped code: line and endLine are lines of the original file `source` (the rows' file).
  if (column !== undefined && source !== undefined) parts.push(source);
  return parts.join('\t');
}

export function parseFunctionKey(key: string): { file: string; name: string; line: number; endLine: number; source?: string } {
  const [file, name, line, endLine, , source] = key.split('\t');
  return source === undefined ? { file, name, line: Number(line), endLine: Number(endLine) } : { file, name, line: Number(line), endLine: Number(endLine), source };
}
