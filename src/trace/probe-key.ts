// What probed code and the runtime share, kept apart from the instrumenter so the runtime
// loads without acorn.

/** Probed code finds the probes at globalThis[Symbol.for(PROBE_GLOBAL)]. */
export const PROBE_GLOBAL = 'memprof.probe';

/**
 * And first the entry probe itself in this `let` of the global scope, where the runtime's
 * thread declares it: no symbol lookup at every call, no property of the global object for
 * the program to see, and one call with one argument (each temporary costs the probed
 * function's frame a slot).
 */
export const PROBE_BINDING = '$mp$e';

/**
 * The start of every probed function's entry, up to its key (a JSON string), then `,1)` for
 * an async function or generator, `)` else: `const $mp$f=(ENTRY_PROBE)(KEY);`. Without a
 * tracer in this thread (a worker loading a module probed by a load hook), the probes do
 * nothing. The fallback is an arrow so that its temporaries stay out of the probed frame.
 * No '(){' in it: V8's text diff could match a function's own '(){' there.
 */
export const ENTRY_HEAD =
  `const $mp$f=(typeof ${PROBE_BINDING}==="function"?${PROBE_BINDING}:(()=>globalThis[Symbol.for(${JSON.stringify(PROBE_GLOBAL)})]?.e` +
  '??(()=>Object.assign(()=>0,{s:v=>v,r:v=>v})))())(';

/** Matches an entry; group 1 is its key as a JSON string. (Not global: a shared regex keeps no lastIndex.) */
export const ENTRY_PATTERN = new RegExp(`${ENTRY_HEAD.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}("(?:[^"\\\\]|\\\\.)*")(?:,1)?\\);`);

/**
 * The second argument of a frame probe `$mp$f(line, kind)` (runtime.ts FrameProbe): a line
 * probe inside an expression (no `debugger` follows it), the probe of a `return` whose value
 * runs no code (the exit in the finally block takes its reading), and the same in a
 * function without a finally block (the call ends there).
 */
export const PROBE_KIND = { expression: 1, return: 2, returnExit: 3 } as const;

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
  /** The 0-based column where the function starts on its first line (of `file`), when the key has it. */
  column?: number;
}

export function parseFunctionKey(key: string): FunctionKeyParts {
  const fields = key.split('\t');
  const head = fields.length === 6 || fields.length === 9 ? fields.pop()! : undefined;
  const [file, name, line, endLine, column, source, generatedLine, generatedEndLine] = fields;
  const parts: FunctionKeyParts = { file, name, line: Number(line), endLine: Number(endLine) };
  if (column !== undefined) parts.column = Number(column);
  if (head !== undefined) parts.headLine = Number(head.slice(1));
  if (source !== undefined) Object.assign(parts, { source, generatedLine: Number(generatedLine), generatedEndLine: Number(generatedEndLine) });
  return parts;
}
