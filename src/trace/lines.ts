// Kept apart from the instrumenter so the report and the runtime can use it without loading acorn.

/**
 * Line breaks as JavaScript counts them (acorn's loc and V8's line numbers): \r\n, \n, a lone
 * \r, U+2028 and U+2029. Rows are numbered this way, so their text must be split the same way.
 */
export const LINE_BREAK = /\r\n|[\n\r\u2028\u2029]/g;

/** The source's lines, numbered as acorn and V8 number them. */
export function splitLines(source: string): string[] {
  return source.split(LINE_BREAK);
}
