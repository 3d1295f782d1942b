// What probed code and the runtime share, kept apart from the instrumenter so the runtime
// loads without acorn.

/** Probed code finds the probes at globalThis[Symbol.for(PROBE_GLOBAL)]. */
export const PROBE_GLOBAL = 'memprof.probe';

/**
 * And first in this `let` of the global scope, where the runtime's thread declares it: no
 * symbol lookup at every call, and no property of the global object for the program to see.
 */
export const PROBE_BINDING = '$mp$probes';

/**
 * The entry key: everything the runtime needs to describe a function it has not seen
 * (load hooks instrument in another thread, so the key carries the description).
 */
export function functionKey(file: string, name: string, line: number, endLine: number, column?: number): string {
  // The column tells apart two functions on the same lines (arrows in one chain).
  return (column === undefined ? [file, name, line, endLine] : [file, name, line, endLine, column]).join('\t');
}

export function parseFunctionKey(key: string): { file: string; name: string; line: number; endLine: number } {
  const [file, name, line, endLine] = key.split('\t');
  return { file, name, line: Number(line), endLine: Number(endLine) };
}
