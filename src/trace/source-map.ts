import * as fs from 'node:fs';
import type { SourceMap } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FunctionResult, LineResult } from '../report/results';
import { splitLines } from './lines';

/**
 * Rows of compiled code mapped back to the original file (TypeScript and friends): the
 * source map comes from the file's sourceMappingURL comment (inline data: URL or a file
 * beside it). Generated lines that map to the same original line are merged.
 */

interface Loaded {
  map: SourceMap;
  contents: Map<string, string[]>;
  /** Where the map's sources are relative to: the map file's folder and its sourceRoot. */
  base: string;
  root?: string;
}

const cache = new Map<string, Loaded | null>();

function load(file: string, text: string): Loaded | null {
  if (cache.has(file)) return cache.get(file)!;
  let loaded: Loaded | null = null;
  try {
    const ref = mapReference(text);
    if (ref !== null) {
      let payload: string;
      let base = path.dirname(file);
      const data = /^data:application\/json[^,]*?(;base64)?,(.*)$/.exec(ref);
      if (data) payload = data[1] ? Buffer.from(data[2], 'base64').toString('utf8') : decodeURIComponent(data[2]);
      else {
        const mapFile = ref.startsWith('file://') ? fileURLToPath(ref) : path.resolve(base, ref);
        payload = fs.readFileSync(mapFile, 'utf8');
        base = path.dirname(mapFile);
      }
      const json = JSON.parse(payload) as { sources: string[]; sourcesContent?: (string | null)[]; sourceRoot?: string };
      const contents = new Map<string, string[]>();
      json.sources.forEach((s, i) => {
        const resolved = resolveSource(base, json.sourceRoot, s);
        const content = json.sourcesContent?.[i];
        if (typeof content === 'string') contents.set(resolved, splitLines(content));
      });
      loaded = { map: new (require('node:module') as typeof import('node:module')).SourceMap(json as never), contents, base, root: json.sourceRoot };
    }
  } catch {
    loaded = null; // an unreadable or malformed map: report the generated lines
  }
  cache.set(file, loaded);
  return loaded;
}

const MAGIC = 'sourceMappingURL=';

/**
 * The last sourceMappingURL comment's reference (an inline map can be megabytes long): at the
 * end of the text, or followed only by a module wrapper's closing (jest's `}});`).
 */
function mapReference(text: string): string | null {
  const at = text.lastIndexOf(MAGIC);
  if (at < 4 || !/^\/\/[#@] $/.test(text.slice(at - 4, at))) return null;
  const end = text.indexOf('\n', at);
  const ref = text.slice(at + MAGIC.length, end < 0 ? text.length : end).trim();
  if (!/^\S+$/.test(ref) || !/^[\s});]*$/.test(end < 0 ? '' : text.slice(end))) return null;
  return ref;
}

function resolveSource(base: string, root: string | undefined, source: string): string {
  if (source.startsWith('file://')) return fileURLToPath(source);
  return path.resolve(base, root ?? '', source);
}

function originalLines(loaded: Loaded, file: string): string[] {
  let lines = loaded.contents.get(file);
  if (!lines) {
    try {
      lines = splitLines(fs.readFileSync(file, 'utf8'));
    } catch {
      lines = [];
    }
    loaded.contents.set(file, lines);
  }
  return lines;
}

/** `fn` in the original file's lines, or `fn` itself when its file has no usable source map. */
export function mapToOriginal(fn: FunctionResult, generatedText: string): FunctionResult {
  const loaded = load(fn.file, generatedText);
  if (!loaded) return fn;
  const generated = splitLines(generatedText);
  const where = (line: number): { file: string; line: number } | null => {
    const text = generated[line - 1] ?? '';
    const column = text.length - text.trimStart().length;
    const entry = loaded.map.findEntry(line - 1, column) as { originalSource?: string; originalLine?: number };
    if (entry?.originalSource === undefined || entry.originalLine === undefined) return null;
    // Node gives the source as the map spells it: relative to the map, not to the script.
    return { file: resolveSource(loaded.base, loaded.root, entry.originalSource), line: entry.originalLine + 1 };
  };
  const head = where(fn.line);
  if (!head) return fn;
  const merged = new Map<number, LineResult>();
  for (const l of fn.lines) {
    const to = where(l.line);
    if (!to || to.file !== head.file) continue;
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
  const source = originalLines(loaded, head.file);
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
  return { ...fn, file: head.file, line: first, lines };
}
