import type { FoundFunction, RowMap } from './instrument';
import { functionKey } from './probe-key';
import { lastOriginalLine, loadSourceMap, originalAt, shiftedSourceMap, sourceMapComment } from './source-map';

/**
 * Rows of source-mapped code (bundles, minified files, TypeScript compiled by tsx or tsc):
 * each statement's probe is keyed by the original line its own generated position maps to,
 * so a row is a line of the original file, however many statements share a generated line.
 * The function's key then carries the original file and its line range.
 */

export interface ProbeTarget {
  key: string;
  /** Present when the rows are original lines. */
  rows?: RowMap;
}

/** The probe key (and row map, for source-mapped code) of a function of `file`, whose text is `text`. */
export function probeTarget(file: string, text: string, found: FoundFunction): ProbeTarget {
  const { start, end } = found.node.loc!;
  const plain: ProbeTarget = { key: functionKey(file, found.name, found.line, found.endLine, start.column) };
  const map = loadSourceMap(file, text);
  // Type stripping keeps every line where it was: generated lines are the rows already.
  if (!map || map.lineIdentity) return plain;
  const head = originalAt(map, start.line, start.column);
  if (!head) return plain; // code the compiler added (helpers): no original to name
  const last = Math.max(head.line, lastOriginalLine(map, head.source, start, end));
  const rows: RowMap = {
    row(node) {
      const at = originalAt(map, node.loc!.start.line, node.loc!.start.column);
      // Code from another file or before the function's own line (a class field's initializer
      // run by the constructor, inlined code) has no row of this function.
      return at !== null && at.source === head.source && at.line >= head.line && at.line <= last ? at.line : null;
    },
  };
  return { key: functionKey(file, found.name, head.line, last, start.column, map.sources[head.source]), rows };
}

/**
 * Probed code of a source-mapped file, with its map moved along: probes inserted on a line
 * move the columns after them, and in minified code everything is on one line, so stack
 * traces read through the old map would name the wrong original lines. The new map is
 * appended inline (the last comment is the one used), as an insertion of its own.
 */
export function withShiftedMap(file: string, text: string, probed: { code: string; inserted: number[] }): { code: string; inserted: number[] } {
  const map = loadSourceMap(file, text);
  if (!map || map.lineIdentity || probed.inserted.length === 0) return probed;
  const comment = sourceMapComment(shiftedSourceMap(map, text, probed.inserted));
  return { code: probed.code + comment, inserted: [...probed.inserted, probed.code.length, probed.code.length + comment.length] };
}
