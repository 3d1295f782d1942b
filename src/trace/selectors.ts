import * as path from 'node:path';
import { UsageError } from '../errors';
import { functionKey, instrumentEach, listFunctions, parseFunctionKey, parseSource, type FoundFunction } from './instrument';

/** A `--function` selector: `name`, `file.js:name` or `file.js:line`. */
export interface Selector {
  text: string;
  file?: string;
  name?: string;
  line?: number;
}

export function parseSelector(text: string): Selector {
  const colon = text.lastIndexOf(':');
  const file = colon > 0 ? text.slice(0, colon) : undefined;
  const rest = colon > 0 ? text.slice(colon + 1) : text;
  if (rest === '' || (file !== undefined && file === '')) {
    throw new UsageError(`invalid function selector "${text}": expected name, file.js:name or file.js:line`);
  }
  if (/^\d+$/.test(rest)) {
    if (!file) throw new UsageError(`invalid function selector "${text}": a line needs its file, e.g. app.js:${rest}`);
    return { text, file, line: Number(rest) };
  }
  return { text, file, name: rest };
}

function fileMatches(selector: Selector, file: string): boolean {
  if (!selector.file) return true;
  const wanted = selector.file.split(path.sep).join('/');
  const actual = file.split(path.sep).join('/');
  return actual === path.resolve(selector.file) || actual.endsWith(`/${wanted.replace(/^\.\//, '')}`);
}

/** Whether any selector could apply to this file (cheap test before parsing). */
export function mayMatch(selectors: readonly Selector[], file: string, source: string): boolean {
  return selectors.some((s) => fileMatches(s, file) && (s.name === undefined || source.includes(s.name.replace(/^#/, ''))));
}

/** The functions of a file that the selectors pick. */
export function selectFunctions(selectors: readonly Selector[], file: string, all: readonly FoundFunction[]): FoundFunction[] {
  const chosen = new Set<FoundFunction>();
  for (const s of selectors) {
    if (!fileMatches(s, file)) continue;
    if (s.name !== undefined) {
      for (const f of all) if (f.name === s.name) chosen.add(f);
    } else {
      // The innermost function whose lines include the selected line.
      let best: FoundFunction | undefined;
      for (const f of all) if (f.line <= s.line! && s.line! <= f.endLine && (!best || f.node.start > best.node.start)) best = f;
      if (best) chosen.add(best);
    }
  }
  return [...chosen];
}

/**
 * The file's source with the selected functions instrumented, or null when none is selected
 * (or the file does not parse: it then runs as it is and Node reports its own error).
 */
export function instrumentSelected(
  selectors: readonly Selector[],
  file: string,
  source: string,
  module?: boolean,
  quiet = false,
): { code: string; inserted: number[] } | null {
  if (!mayMatch(selectors, file, source)) return null;
  let program;
  try {
    program = parseSource(source, module);
  } catch {
    return null;
  }
  const chosen = selectFunctions(selectors, file, listFunctions(program));
  if (chosen.length === 0) return null;
  const { code, inserted, refused } = instrumentEach(
    source,
    chosen.map((f) => ({ node: f.node, key: functionKey(file, f.name, f.line, f.endLine), insideWith: f.insideWith })),
  );
  for (const { target, reason } of quiet ? [] : refused) {
    const { name, line } = parseFunctionKey(target.key);
    process.stderr.write(`memprof: cannot profile ${name} (${file}:${line}): ${reason}; it runs unprofiled\n`);
  }
  return refused.length === chosen.length ? null : { code, inserted };
}
