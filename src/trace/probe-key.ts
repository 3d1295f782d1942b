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
export function functionKey(
  file: string,
  name: string,
  line: number,
  endLine: number,
  column?: number,
  mapped?: { source: string; generatedLine: number; generatedEndLine: number },
  headLine?: number,
): string {
  // The column tells apart two functions on the same lines (arrows in one chain).
  const parts: (string | number)[] = [file, name, line, endLine];
  if (column !== undefined) parts.push(column);
  // Source-mapped code: line and endLine are lines of the original file `source` (the rows'
  // file); the generated lines are what `file.js:line` selectors name.
  if (column !== undefined && mapped) parts.push(mapped.source, mapped.generatedLine, mapped.generatedEndLine);
  // The line where the function's header starts when before its own (a constructor's class,
  // `exports.make =` on the line before): what `file.js:line` selectors name. Last, when there is a column.
  if (column !== undefined && headLine !== undefined && headLine < (mapped?.generatedLine ?? line)) parts.push(`@${headLine}`);
  return parts.join('\t');
}

export interface FunctionKeyParts {
  file: string;
  name: string;
  line: number;
  endLine: number;
  /** Source-mapped code: the original file of the rows, and the function's lines in `file`. */
  source?: string;
  generatedLine?: number;
  generatedEndLine?: number;
  /** The line of the file where the header starts, when before `line` (or generatedLine). */
  headLine?: number;
}

export function parseFunctionKey(key: string): FunctionKeyParts {
  const fields = key.split('\t');
  const head = fields.length === 6 || fields.length === 9 ? fields.pop()! : undefined;
  const [file, name, line, endLine, , source, generatedLine, generatedEndLine] = fields;
  const parts: FunctionKeyParts = { file, name, line: Number(line), endLine: Number(endLine) };
  if (head !== undefined) parts.headLine = Number(head.slice(1));
  if (source !== undefined) Object.assign(parts, { source, generatedLine: Number(generatedLine), generatedEndLine: Number(generatedEndLine) });
  return parts;
}
