import { findFunctionsByName, forgetScan } from './find-by-name';
import { findFunctionAt, forgetBrackets } from './find-by-position';
import { instrumentEach, listFunctions, parseFunctionKey, parseSource, type FoundFunction } from './instrument';
import { BIG_FILE } from './lines';
import { forgetLatestText, probeTarget, withShiftedMap } from './mapped-rows';
import { fileMatches, selectFunctions, selectorPicks, type Selector } from './selectors';

// Parsing a file that selectors may pick functions in, and instrumenting those they pick.

function parsedAndSelected(selectors: readonly Selector[], file: string, source: string, module?: boolean): FoundFunction[] | null {
  let program;
  try {
    program = parseSource(source, module);
  } catch {
    return null;
  }
  return selectFunctions(selectors, file, listFunctions(program));
}

/**
 * The functions the selectors that apply to a big file pick, found without parsing it whole:
 * by name, or by line and column. Null when one of them needs the full parse (`file.js:*`).
 */
function withoutFullParse(selectors: readonly Selector[], file: string, source: string, module?: boolean): FoundFunction[] | null {
  const applying = selectors.filter((s) => fileMatches(s, file));
  if (applying.some((s) => s.all)) return null;
  const chosen: FoundFunction[] = [];
  try {
    for (const s of applying) {
      const found = s.name !== undefined ? findFunctionsByName(source, s.name) : findFunctionAt(source, s.line!, s.column === undefined ? undefined : s.column - 1, module);
      if (found === null) return null;
      for (const f of Array.isArray(found) ? found : found ? [found] : []) if (!chosen.some((c) => c.node.start === f.node.start)) chosen.push(f);
    }
    return chosen;
  } finally {
    forgetScan();
    forgetBrackets();
  }
}

/**
 * The file's source with the functions the selectors pick instrumented, or null when they
 * pick none (or the file does not parse: it then runs as it is and Node reports its own
 * error). `onPicked` hears each selector that picked some.
 */
export function instrumentPicked(
  selectors: readonly Selector[],
  file: string,
  source: string,
  { module, quiet = false, onPicked }: { module?: boolean; quiet?: boolean; onPicked(text: string): void },
): { code: string; inserted: number[] } | null {
  const chosen = (source.length >= BIG_FILE && withoutFullParse(selectors, file, source, module)) || parsedAndSelected(selectors, file, source, module);
  if (chosen === null) return null;
  if (chosen.length === 0) return null;
  for (const sel of selectors) {
    if (chosen.some((f) => selectorPicks(sel, { file, name: f.name, line: f.line, endLine: f.endLine, headLine: f.head?.line }))) onPicked(sel.text);
  }
  try {
    const { code, inserted, refused } = instrumentEach(
      source,
      chosen.map((f) => ({ node: f.node, ...probeTarget(file, source, f), insideWith: f.insideWith })),
    );
    for (const { target, reason } of quiet ? [] : refused) {
      const { name, line, source: original } = parseFunctionKey(target.key);
      process.stderr.write(`memprof: cannot profile ${name} (${original ?? file}:${line}): ${reason}; it runs unprofiled\n`);
    }
    return refused.length === chosen.length ? null : withShiftedMap(file, source, { code, inserted });
  } finally {
    forgetLatestText();
  }
}
