// Whether a CommonJS file's code may bring in Node's ES module loader, decided before it runs:
// Node 20 has no synchronous hook into that loader, so memprof starts its ES module hooks
// (module.register: a thread of its own) only when some code could need them.

import { CodeText } from './code-text';

/**
 * `import(`, `import.meta`, `import x from`, `import {`, `import *`, `import '...'` and
 * `export {` / `export default` / `export const` ...: the syntax through which code loads an ES
 * module (or is one: Node 20.19+ runs an ambiguous .js that has it as an ES module). Not a
 * property (`x.import`), a key (`import:`), nor an identifier that merely starts so.
 */
const CANDIDATE =
  /(?<![\w$.#])(?:import(?![\w$])\s*(?:[(.{*'"`/]|[A-Za-z_$])|export(?![\w$])\s*(?:[{*/]|(?:default|const|let|var|function|class|async)(?![\w$])))/g;

/** Code that evaluates text with Node's default loader behind its import(). */
const VM_IMPORT = /\b(?:importModuleDynamically|USE_MAIN_CONTEXT_DEFAULT_LOADER)\b/;

/** Code that evaluates text: eval, the Function constructors, vm's compilers. */
const EVALUATES = /\beval\s*\(|\b(?:Async)?(?:Generator)?Function\s*\(|\.constructor\s*\(|\brunIn(?:This|New)?Context\b|\bcompileFunction\b|\bScript\s*\(/;

/**
 * Whether this source may load an ES module (or be one), judged on its code: such syntax in a
 * comment, or in a string of a file that evaluates no text (error messages, code printed for
 * people: typescript.js and acorn.js have both), does not count. Conservative where unsure:
 * what the scan cannot place in a string or comment counts as code.
 *
 * Not seen: an import() in text that this file does not hold and another evaluates (code
 * read from a file and run with eval or new Function).
 */
export function mayLoadEsModules(source: string): boolean {
  if (VM_IMPORT.test(source)) return true;
  CANDIDATE.lastIndex = 0;
  let candidate = CANDIDATE.exec(source);
  if (candidate === null) return false; // no lexing at all
  // Lexed only as far as the candidates go: the first in code ends it.
  const text = new CodeText(source);
  let inString = false;
  for (; candidate !== null; candidate = CANDIDATE.exec(source)) {
    const kind = text.kindAt(candidate.index);
    if (kind === 'code') return true;
    if (kind === 'string' && candidate[0].startsWith('import')) inString = true;
  }
  return inString && EVALUATES.test(source);
}
