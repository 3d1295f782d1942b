import * as fs from 'node:fs';
import * as path from 'node:path';
import { UsageError } from '../errors';
import type { FoundFunction } from './instrument';
import { loadingOwnDependency } from './isolate';
import { functionAt, functionOfLine } from './pick-function';
import { parseFunctionKey } from './probe-key';

// Selectors and what they name. Parsing and instrumenting what they pick is
// instrument-selected.ts, loaded (with acorn) only once a loaded file may hold a function a
// selector picks.

/**
 * A `--function` selector: `name`, `file.js:name`, `file.js:line`, `file.js:line:column` (the
 * innermost function there: an arrow on a line with another function), or `file.js:*` (every
 * function of the file). The file may be a glob: `lib/**\/*.js:*`.
 */
export interface Selector {
  text: string;
  file?: string;
  name?: string;
  line?: number;
  /** 1-based, as editors and stack traces count. */
  column?: number;
  /** Every function of the matching files. */
  all?: boolean;
}

const SELECTOR_FORMS = 'name, file.js:name, file.js:line, file.js:line:column or file.js:*';

export function parseSelector(text: string): Selector {
  const position = /^(.+):(\d+):(\d+)$/.exec(text);
  if (position) {
    if (Number(position[3]) < 1) throw new UsageError(`invalid function selector "${text}": columns count from 1`);
    if (Number(position[2]) < 1) throw new UsageError(`invalid function selector "${text}": lines are numbered from 1`);
    return { text, file: position[1], line: Number(position[2]), column: Number(position[3]) };
  }
  const colon = text.lastIndexOf(':');
  const file = colon > 0 ? text.slice(0, colon) : undefined;
  const rest = colon > 0 ? text.slice(colon + 1) : text;
  if (rest === '' || text.startsWith(':') || /\s/.test(rest)) {
    throw new UsageError(`invalid function selector "${text}": expected ${SELECTOR_FORMS}`);
  }
  if (rest === '*') {
    if (!file) throw new UsageError(`invalid function selector "${text}": * needs its file, e.g. lib/parse.js:* or 'lib/**/*.js:*'`);
    return { text, file, all: true };
  }
  if (/^\d+$/.test(rest)) {
    if (!file) throw new UsageError(`invalid function selector "${text}": a line needs its file, e.g. app.js:${rest}`);
    if (Number(rest) === 0) throw new UsageError(`invalid function selector "${text}": lines are numbered from 1`);
    return { text, file, line: Number(rest) };
  }
  return { text, file, name: rest };
}

const globs = new Map<string, RegExp>();

/** Whether a selector's file is a glob: wildcards, or alternatives (`*.{js,mjs}`). */
const GLOB = /[*?]|\{[^{}]*,[^{}]*\}/;

/** Whether a selector's file part is a glob (it then names files, not one file). */
export function isGlob(file: string): boolean {
  return GLOB.test(file);
}

/** A glob (`*`, `**`, `?`, `{a,b}`) as a regular expression over a '/' path's tail. */
function globRegExp(glob: string): RegExp {
  let re = globs.get(glob);
  if (!re) {
    let body = '';
    let braces = 0;
    for (let i = 0; i < glob.length; i++) {
      const c = glob[i];
      if (c === '*' && glob[i + 1] === '*') {
        const slash = glob[i + 2] === '/';
        body += slash ? '(?:.*/)?' : '.*';
        i += slash ? 2 : 1;
      } else if (c === '*') body += '[^/]*';
      else if (c === '?') body += '[^/]';
      // Alternatives as shells write them (`lib/**/*.{js,mjs}`), unquoted braces being expanded by the shell.
      else if (c === '{' && /^\{[^{}]*,[^{}]*\}/.test(glob.slice(i))) {
        body += '(?:';
        braces++;
      } else if (c === ',' && braces > 0) body += '|';
      else if (c === '}' && braces > 0) {
        body += ')';
        braces--;
      } else body += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    }
    re = new RegExp(`${glob.startsWith('/') ? '^' : '(?:^|/)'}${body}$`);
    globs.set(glob, re);
  }
  return re;
}

/** Whether the selector names this file (any file when it names none). */
export function fileMatches(selector: Selector, file: string): boolean {
  if (!selector.file) return true;
  const wanted = selector.file.split(path.sep).join('/');
  const actual = file.split(path.sep).join('/');
  if (GLOB.test(wanted)) {
    const absolute = path.isAbsolute(selector.file) || /^\.\.?\//.test(wanted);
    if (globRegExp(absolute ? path.resolve(selector.file).split(path.sep).join('/') : wanted).test(actual)) return true;
  } else if (actual === path.resolve(selector.file).split(path.sep).join('/') || actual.endsWith(`/${wanted.replace(/^\.\//, '')}`)) {
    return true;
  }
  // Node loads a file by its real path: a selector through a symbolic link (pnpm's
  // node_modules, a workspace's or npm link's package) names it by the link's.
  const real = realSelectorFile(selector.file);
  return real !== null && (GLOB.test(real) ? globRegExp(real).test(actual) : actual === real);
}

const realFiles = new Map<string, string | null>();

/**
 * The selector's file (or a glob's directory before its first wildcard) as the real path of
 * what it names from the working directory, when that differs; else null.
 */
function realSelectorFile(file: string): string | null {
  let real = realFiles.get(file);
  if (real === undefined) {
    real = null;
    const parts = path.resolve(file).split(path.sep);
    const magic = parts.findIndex((p) => GLOB.test(p));
    const base = magic < 0 ? parts.join(path.sep) : parts.slice(0, magic).join(path.sep) || path.sep;
    try {
      const resolved = fs.realpathSync(base);
      if (resolved !== base) real = [resolved, ...(magic < 0 ? [] : parts.slice(magic))].join(path.sep).split(path.sep).join('/');
    } catch {
      // Names nothing from here: matched as written only.
    }
    realFiles.set(file, real);
  }
  return real;
}

/** Whether a selector picks a function described by its file, name and lines (for what was profiled). */
export function selectorPicks(s: Selector, f: { file: string; name: string; line: number; endLine: number; headLine?: number; key?: string }): boolean {
  if (!fileMatches(s, f.file)) return false;
  if (s.all) return true;
  if (s.name !== undefined) return s.name === f.name;
  // Rows of source-mapped code are original lines; the selector names the file's own.
  const generated = f.key === undefined ? undefined : parseFunctionKey(f.key);
  const [line, endLine] = generated?.source !== undefined ? [generated.generatedLine!, generated.generatedEndLine!] : [f.line, f.endLine];
  // From its header's line (a constructor's class, `exports.make =` the line before).
  const from = Math.min(line, generated?.headLine ?? f.headLine ?? line);
  return from <= s.line! && s.line! <= endLine;
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
    if (s.all) {
      for (const f of all) chosen.add(f);
    } else if (s.name !== undefined) {
      for (const f of all) if (f.name === s.name) chosen.add(f);
    } else {
      const best = s.column === undefined ? functionOfLine(all, s.line!) : functionAt(all, s.line!, s.column - 1);
      if (best) chosen.add(best);
    }
  }
  return [...chosen];
}

/** What a selector met in a loaded file: `picked` functions there, or only `file`, a file it names. */
export type MatchKind = 'picked' | 'file';

let onMatch: ((text: string, kind: MatchKind) => void) | null = null;

/**
 * Called with a selector's text each time a loaded file is one it names (`file`), and each
 * time it picks functions in one (`picked`): what its "found nothing" message says.
 */
export function setMatchListener(listener: ((text: string, kind: MatchKind) => void) | null): void {
  onMatch = listener;
}

// From this size, name selectors find their functions without parsing the whole file.
export { BIG_FILE } from './lines';

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
  // acorn, loading for the instrumenter itself: memprof's, not the program's.
  if (loadingOwnDependency()) return null;
  for (const s of selectors) if (s.file !== undefined && fileMatches(s, file)) onMatch?.(s.text, 'file');
  if (!mayMatch(selectors, file, source)) return null;
  const { instrumentPicked } = require('./instrument-selected') as typeof import('./instrument-selected');
  return instrumentPicked(selectors, file, source, { module, quiet, onPicked: (text) => onMatch?.(text, 'picked') });
}
