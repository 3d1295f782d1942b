import type { FoundFunction, RowMap } from './instrument';
import { LineStarts } from './lines';
import { functionKey } from './probe-key';
import { forgetLatestSourceMapURL, lastOriginalLine, loadSourceMap, originalAt, shiftedSourceMap, sourceMapComment, type SourceMapped } from './source-map';

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
  const plain: ProbeTarget = { key: functionKey(file, found.name, found.line, found.endLine, found.node.loc!.start.column, undefined, found.head?.line) };
  const map = mapOf(file, text);
  // Type stripping keeps every line where it was: generated lines are the rows already.
  if (!map || map.lineIdentity) return plain;
  // Positions from offsets: a function parsed from its own text (LiveEdit) has columns of
  // its first line shifted by the parser's wrapper; its offsets are the script's.
  const at = positions(text);
  const start = at(found.node.start);
  const head = originalAt(map, start.line, start.column);
  if (!head) return plain; // code the compiler added (helpers): no original to name
  const last = Math.max(head.line, lastOriginalLine(map, head.source, start, at(found.node.end)));
  const rows: RowMap = {
    row(node) {
      const p = at(node.start);
      const original = originalAt(map, p.line, p.column);
      // Code from another file or before the function's own line (a class field's initializer
      // run by the constructor, inlined code) has no row of this function.
      return original !== null && original.source === head.source && original.line >= head.line && original.line <= last ? original.line : null;
    },
  };
  const mapped = { source: map.sources[head.source], generatedLine: found.line, generatedEndLine: found.endLine };
  return { key: functionKey(file, found.name, head.line, last, found.node.loc!.start.column, mapped, found.head?.line), rows };
}

let mapFile: string | null = null;
let mapText: string | null = null;
let lastMap: SourceMapped | null = null;

/** loadSourceMap, kept for the latest file and text (`file.js:*` asks once per function). */
function mapOf(file: string, text: string): SourceMapped | null {
  if (file !== mapFile || text !== mapText) {
    lastMap = loadSourceMap(file, text);
    mapFile = file;
    mapText = text;
  }
  return lastMap;
}

let lastText: string | null = null;
let lastLines: LineStarts | null = null;

/** Offset -> 1-based line and 0-based column in `text` (line starts kept for the latest text). */
function positions(text: string): (offset: number) => { line: number; column: number } {
  if (text !== lastText || !lastLines) {
    lastLines = new LineStarts(text);
    lastText = text;
  }
  const lines = lastLines;
  return (offset) => lines.position(offset);
}

/**
 * Drops the texts kept for the latest file: called once a file is instrumented, so its
 * source (megabytes for a bundle) is collected before the program runs.
 */
export function forgetLatestText(): void {
  mapFile = mapText = lastText = null;
  lastMap = null;
  lastLines = null;
  forgetLatestSourceMapURL();
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
