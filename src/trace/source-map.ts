import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { FunctionResult, LineResult } from '../report/results';
import { splitLines } from './lines';

/**
 * Source maps of compiled and minified code (TypeScript, bundles): read from the file's last
 * sourceMappingURL comment (an inline data: URL or a file), decoded once into flat arrays, so
 * that any generated position, not only a line's first, finds its original file and line.
 */

/** Ints per segment: generated column, source index, original line, original column, name index (-1: none). */
const SEGMENT = 5;

export interface SourceMapped {
  /** Absolute paths (or the map's own spelling when not a path) of the original files. */
  sources: string[];
  /** Per source: its text from sourcesContent, or null (read from disk when needed). */
  contents: (string | null)[];
  names: string[];
  /** Segments of all generated lines, SEGMENT ints each, ordered by line then column. */
  segments: Int32Array;
  /** Generated line i (0-based) holds segments [lineStart[i], lineStart[i + 1]). */
  lineStart: Int32Array;
  /** Every segment maps a line to the same line of one source, the file itself (type stripping). */
  lineIdentity: boolean;
}

const cache = new Map<string, SourceMapped | null>();
const lineCache = new WeakMap<SourceMapped, Map<number, string[]>>();

/** The URL of the script's last sourceMappingURL comment (V8 and Node use the last one). */
export function sourceMapURL(text: string): string | null {
  if (text === urlText) return urlFound;
  urlText = text;
  return (urlFound = findSourceMapURL(text));
}

// The last text asked about: a report asks once per function of the same file.
let urlText: string | null = null;
let urlFound: string | null = null;

/** Lets the last text asked about be collected. */
export function forgetLatestSourceMapURL(): void {
  urlText = urlFound = null;
}

/** The last comment's reference: at the end of the text, or followed only by a module wrapper's closing (jest's `}});`). */
function findSourceMapURL(text: string): string | null {
  const at = Math.max(text.lastIndexOf('//# sourceMappingURL='), text.lastIndexOf('//@ sourceMappingURL='));
  if (at < 0) return null;
  const match = /^\/\/[#@] sourceMappingURL=(\S+)(?:\s*[\r\n][\s});]*|\s*)$/.exec(text.slice(at));
  return match ? match[1] : null;
}

/** The source map of `file` whose text is `text`, or null (none, unreadable or malformed). */
export function loadSourceMap(file: string, text: string): SourceMapped | null {
  const url = sourceMapURL(text);
  if (url === null) return null;
  const cacheKey = `${file}\0${url}`;
  if (cache.has(cacheKey)) return cache.get(cacheKey)!;
  let loaded: SourceMapped | null = null;
  try {
    let payload: string;
    let base = path.dirname(file);
    const data = /^data:application\/json[^,]*?(;base64)?,(.*)$/.exec(url);
    if (data) payload = data[1] ? Buffer.from(data[2], 'base64').toString('utf8') : decodeURIComponent(data[2]);
    else {
      const mapFile = url.startsWith('file://') ? fileURLToPath(url) : path.resolve(base, url);
      payload = fs.readFileSync(mapFile, 'utf8');
      base = path.dirname(mapFile);
    }
    loaded = parseSourceMap(JSON.parse(payload), base, file);
  } catch {
    loaded = null; // an unreadable or malformed map: the generated lines are reported
  }
  cache.set(cacheKey, loaded);
  return loaded;
}

interface RawMap {
  sources: string[];
  sourcesContent?: (string | null)[];
  sourceRoot?: string;
  names?: string[];
  mappings: string;
}

function parseSourceMap(json: RawMap, base: string, file: string): SourceMapped {
  if (!Array.isArray(json.sources) || typeof json.mappings !== 'string') throw new Error('not a source map');
  const sources = json.sources.map((s) => resolveSource(base, json.sourceRoot, s));
  const contents = json.sources.map((_, i) => (typeof json.sourcesContent?.[i] === 'string' ? json.sourcesContent[i] : null));
  const { segments, lineStart } = decodeMappings(json.mappings);
  let lineIdentity = sources.length === 1 && sources[0] === file;
  for (let line = 0; lineIdentity && line + 1 < lineStart.length; line++) {
    for (let s = lineStart[line]; s < lineStart[line + 1]; s++) if (segments[s * SEGMENT + 2] !== line) lineIdentity = false;
  }
  return { sources, contents, names: json.names ?? [], segments, lineStart, lineIdentity };
}

function resolveSource(base: string, root: string | undefined, source: string): string {
  if (source.startsWith('file://')) return fileURLToPath(source);
  if (/^[a-z][a-z0-9+.-]*:/i.test(source) && !/^[a-z]:[\\/]/i.test(source)) return source; // webpack://, http:
  return path.resolve(base, root ?? '', source);
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const DIGIT = new Int8Array(128).fill(-1);
for (let i = 0; i < BASE64.length; i++) DIGIT[BASE64.charCodeAt(i)] = i;

/** The mappings string as flat segments; segments without a source keep -1 there. */
function decodeMappings(mappings: string): { segments: Int32Array; lineStart: Int32Array } {
  let segments = new Int32Array(SEGMENT * 1024);
  const starts: number[] = [0];
  let count = 0;
  let column = 0;
  let source = 0;
  let line = 0;
  let originalColumn = 0;
  let name = 0;
  const fields = [0, 0, 0, 0, 0];
  for (let i = 0; i < mappings.length; ) {
    const c = mappings.charCodeAt(i);
    if (c === 59 /* ; */) {
      starts.push(count);
      column = 0;
      i++;
      continue;
    }
    if (c === 44 /* , */) {
      i++;
      continue;
    }
    let n = 0;
    while (i < mappings.length && mappings[i] !== ',' && mappings[i] !== ';') {
      let value = 0;
      let shift = 0;
      let digit: number;
      do {
        digit = DIGIT[mappings.charCodeAt(i++)] ?? -1;
        if (digit < 0) throw new Error('bad mappings');
        value += (digit & 31) * 2 ** shift;
        shift += 5;
      } while (digit & 32);
      if (n < 5) fields[n++] = value % 2 === 1 ? -(value - 1) / 2 : value / 2;
    }
    if (count * SEGMENT + SEGMENT > segments.length) {
      const grown = new Int32Array(segments.length * 2);
      grown.set(segments);
      segments = grown;
    }
    const o = count * SEGMENT;
    column += fields[0];
    segments[o] = column;
    segments[o + 1] = segments[o + 2] = segments[o + 3] = segments[o + 4] = -1;
    if (n >= 4) {
      source += fields[1];
      line += fields[2];
      originalColumn += fields[3];
      segments[o + 1] = source;
      segments[o + 2] = line;
      segments[o + 3] = originalColumn;
      if (n >= 5) segments[o + 4] = name += fields[4];
    }
    count++;
  }
  starts.push(count);
  return { segments: segments.slice(0, count * SEGMENT), lineStart: Int32Array.from(starts) };
}

function encodeValue(value: number): string {
  let v = value < 0 ? -value * 2 + 1 : value * 2;
  let out = '';
  do {
    let digit = v & 31;
    v = Math.floor(v / 32);
    if (v > 0) digit |= 32;
    out += BASE64[digit];
  } while (v > 0);
  return out;
}

/** Index of the segment at or before (0-based line, column) on that line, -1 when none. */
function segmentAt(map: SourceMapped, line: number, column: number): number {
  if (line < 0 || line + 1 >= map.lineStart.length) return -1;
  let lo = map.lineStart[line];
  let hi = map.lineStart[line + 1] - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (map.segments[mid * SEGMENT] <= column) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

export interface OriginalPosition {
  /** Index into map.sources. */
  source: number;
  /** 1-based. */
  line: number;
}

/** The original file and line of a generated position (1-based line, 0-based column), or null. */
export function originalAt(map: SourceMapped, line: number, column: number): OriginalPosition | null {
  const s = segmentAt(map, line - 1, column);
  if (s < 0 || map.segments[s * SEGMENT + 1] < 0) return null;
  return { source: map.segments[s * SEGMENT + 1], line: map.segments[s * SEGMENT + 2] + 1 };
}

/**
 * The last original line of `source` that the generated range [from, to] (1-based lines,
 * 0-based columns) maps to, or -1.
 */
export function lastOriginalLine(map: SourceMapped, source: number, from: { line: number; column: number }, to: { line: number; column: number }): number {
  let last = -1;
  for (let line = from.line - 1; line <= to.line - 1 && line + 1 < map.lineStart.length; line++) {
    for (let s = map.lineStart[line]; s < map.lineStart[line + 1]; s++) {
      const o = s * SEGMENT;
      if (line === from.line - 1 && map.segments[o] < from.column) continue;
      if (line === to.line - 1 && map.segments[o] >= to.column) break;
      if (map.segments[o + 1] === source && map.segments[o + 2] + 1 > last) last = map.segments[o + 2] + 1;
    }
  }
  return last;
}

/** The lines of an original source: its sourcesContent, else the file on disk ([] when unreadable). */
export function originalSourceLines(map: SourceMapped, source: number): string[] {
  const text = map.contents[source];
  if (text !== null) return splitLines(text);
  const file = map.sources[source];
  try {
    return splitLines(fs.readFileSync(file, 'utf8'));
  } catch {
    return [];
  }
}

/**
 * The map of `original` rewritten for `probed`, the same text with insertions (no line
 * breaks) at the [start, end) ranges `inserted` of `probed`: every segment moves right by
 * what was inserted before it on its line, so stack traces through the map still name the
 * user's lines and columns. The sources' texts are carried inline.
 */
export function shiftedSourceMap(map: SourceMapped, original: string, inserted: readonly number[]): string {
  // Generated offsets of line starts in `original`.
  const lineOffsets: number[] = [0];
  const breaks = /\r\n|[\n\r\u2028\u2029]/g;
  for (let m = breaks.exec(original); m; m = breaks.exec(original)) lineOffsets.push(m.index + m[0].length);
  // Insertions as (offset in `original`, length), ascending.
  const at: number[] = [];
  const length: number[] = [];
  let removed = 0;
  for (let i = 0; i < inserted.length; i += 2) {
    at.push(inserted[i] - removed);
    length.push(inserted[i + 1] - inserted[i]);
    removed += inserted[i + 1] - inserted[i];
  }
  let k = 0;
  let shift = 0;
  const lines: string[] = [];
  const contentLength = map.contents.reduce((sum, text) => sum + (text?.length ?? 0), 0);
  const previous = [0, 0, 0, 0];
  for (let line = 0; line + 1 < map.lineStart.length; line++) {
    const lineOffset = lineOffsets[line] ?? Infinity;
    // Insertions on earlier lines do not move this line's columns.
    while (k < at.length && at[k] < lineOffset) shift += length[k++];
    const lineShift = shift;
    let column = 0;
    const parts: string[] = [];
    for (let s = map.lineStart[line]; s < map.lineStart[line + 1]; s++) {
      const o = s * SEGMENT;
      const offset = lineOffset + map.segments[o];
      // Text inserted at a segment's own offset goes before it: the segment follows it.
      while (k < at.length && at[k] <= offset) shift += length[k++];
      const newColumn = map.segments[o] + shift - lineShift;
      let part = encodeValue(newColumn - column);
      column = newColumn;
      if (map.segments[o + 1] >= 0) {
        part += encodeValue(map.segments[o + 1] - previous[0]) + encodeValue(map.segments[o + 2] - previous[1]) + encodeValue(map.segments[o + 3] - previous[2]);
        previous[0] = map.segments[o + 1];
        previous[1] = map.segments[o + 2];
        previous[2] = map.segments[o + 3];
        if (map.segments[o + 4] >= 0) {
          part += encodeValue(map.segments[o + 4] - previous[3]);
          previous[3] = map.segments[o + 4];
        }
      }
      parts.push(part);
    }
    lines.push(parts.join(','));
  }
  return JSON.stringify({
    version: 3,
    sources: map.sources.map((s) => (path.isAbsolute(s) ? pathToFileURL(s).href : s)),
    // The texts ride along only when small: the map lives in the script's own text, and a
    // bundle's sources can weigh megabytes (Node reads a missing one from disk if it needs it).
    sourcesContent: map.sources.map((_, i) => (contentLength <= INLINE_SOURCES_LIMIT ? map.contents[i] ?? null : null)),
    names: map.names,
    mappings: lines.join(';'),
  });
}

const INLINE_SOURCES_LIMIT = 1024 * 1024;

/** A comment carrying `mapJson` inline, to append to a script: V8 and Node use the last such comment. */
export function sourceMapComment(mapJson: string): string {
  return `\n//# sourceMappingURL=data:application/json;base64,${Buffer.from(mapJson).toString('base64')}\n`;
}

/**
 * `fn` in the original file's lines, or `fn` itself when its file has no usable source map.
 * For rows of generated lines (each line's first statement maps it); functions probed with
 * original-line rows (mapped-rows.ts) need none of this.
 */
export function mapToOriginal(fn: FunctionResult, generatedText: string): FunctionResult {
  const loaded = loadSourceMap(fn.file, generatedText);
  if (!loaded) return fn;
  const generated = splitLines(generatedText);
  const where = (line: number): OriginalPosition | null => {
    const text = generated[line - 1] ?? '';
    return originalAt(loaded, line, text.length - text.trimStart().length);
  };
  const head = where(fn.line);
  if (!head) return fn;
  const merged = new Map<number, LineResult>();
  for (const l of fn.lines) {
    const to = where(l.line);
    if (!to || to.source !== head.source) continue;
    const prev = merged.get(to.line);
    if (!prev) {
      merged.set(to.line, { ...l, line: to.line });
      continue;
    }
    if (l.occurrences === 0) continue;
    if (prev.occurrences === 0) {
      merged.set(to.line, { ...l, line: to.line });
      continue;
    }
    prev.occurrences = Math.max(prev.occurrences, l.occurrences);
    prev.mem = Math.max(prev.mem!, l.mem!);
    prev.increment = prev.increment! + l.increment!;
    if (prev.heapIncrement != null && l.heapIncrement != null) prev.heapIncrement += l.heapIncrement;
    if (prev.externalIncrement != null && l.externalIncrement != null) prev.externalIncrement += l.externalIncrement;
    prev.peak = Math.max(prev.peak!, l.peak!);
  }
  const source = sourceLinesOf(loaded, head.source);
  const first = Math.min(...merged.keys());
  const last = Math.max(...merged.keys());
  const lines: LineResult[] = [];
  for (let n = first; n <= last; n++) {
    const row = merged.get(n);
    const text = source[n - 1] ?? row?.source ?? '';
    const split = fn.lines.some((l) => l.heapIncrement !== undefined);
    const empty: LineResult = { line: n, source: text, occurrences: 0, mem: null, increment: null, peak: null };
    if (split) Object.assign(empty, { heapIncrement: null, externalIncrement: null });
    lines.push(row ? { ...row, source: text } : empty);
  }
  return { ...fn, file: loaded.sources[head.source], line: first, lines };
}

/** The lines of `source`, an original file of the generated file `file` (text `text`): its map's sourcesContent, or the file on disk. */
export function originalFileLines(file: string, text: string, source: string): string[] {
  const map = loadSourceMap(file, text);
  const index = map ? map.sources.indexOf(source) : -1;
  if (map && index >= 0) return sourceLinesOf(map, index);
  try {
    return splitLines(fs.readFileSync(source, 'utf8'));
  } catch {
    return [];
  }
}

/** originalSourceLines, kept per map and source (a report quotes the same file many times). */
export function sourceLinesOf(map: SourceMapped, source: number): string[] {
  let perSource = lineCache.get(map);
  if (!perSource) lineCache.set(map, (perSource = new Map()));
  let lines = perSource.get(source);
  if (!lines) perSource.set(source, (lines = originalSourceLines(map, source)));
  return lines;
}
