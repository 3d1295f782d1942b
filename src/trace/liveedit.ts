import * as inspector from 'node:inspector';
import { fileURLToPath } from 'node:url';
import { functionAt, functionKey, instrument, offsetOf, parseSource, PROBE_GLOBAL, type FoundFunction } from './instrument';

const PROBE_MARK = `Symbol.for(${JSON.stringify(PROBE_GLOBAL)})`;

/**
 * Delivery by V8 LiveEdit through an in-process inspector session: find the function's
 * script and position ([[FunctionLocation]]), instrument that range in the script's current
 * source, and replace the script (Debugger.setScriptSource). V8 swaps the code of existing
 * closures, so captured variables stay and every reference runs the probed code.
 * For in-process sessions, Runtime and Debugger replies arrive synchronously (checked on Node 20).
 */

export interface LiveEditTarget {
  key: string;
  file: string;
  name: string;
  line: number;
  endLine: number;
  /** The script's text before memprof touched it (for the report's line contents). */
  pristine: string;
}

export class LiveEditRefused extends Error {}

/**
 * V8 counts an insertion at the very end of a function as outside it, and an
 * expression-bodied arrow can only be closed there: the edit either is refused (the
 * enclosing code runs) or leaves existing closures on the old code. Such arrows are wrapped.
 */
export class ExpressionArrowBlocked extends LiveEditRefused {
  constructor(readonly target: LiveEditTarget, readonly bodyLine: number) {
    super('an expression-bodied arrow cannot be edited in place');
  }
}

let session: inspector.Session | null = null;
const urls = new Map<string, string>();
const pristineSources = new Map<string, string>();

function post<T>(method: string, params?: object): T {
  if (!session) {
    session = new inspector.Session();
    session.connect();
    session.on('Debugger.scriptParsed', (m: { params: { scriptId: string; url: string } }) => {
      urls.set(m.params.scriptId, m.params.url);
    });
  }
  let error: Error | null = null;
  let result: T | undefined;
  let replied = false;
  (session.post as (m: string, p: object | undefined, cb: (err: Error | null, res: T) => void) => void)(method, params, (err, res) => {
    error = err;
    result = res;
    replied = true;
  });
  if (!replied) throw new LiveEditRefused(`the inspector did not answer ${method} synchronously`);
  if (error) throw new LiveEditRefused((error as Error).message);
  return result as T;
}

interface FunctionLocation {
  scriptId: string;
  lineNumber: number;
  columnNumber: number;
}

const STASH = Symbol.for('memprof.liveedit.target');

function locate(fn: Function): FunctionLocation {
  (globalThis as Record<symbol, unknown>)[STASH] = fn;
  try {
    const { result } = post<{ result: { objectId?: string } }>('Runtime.evaluate', {
      expression: `globalThis[Symbol.for(${JSON.stringify('memprof.liveedit.target')})]`,
    });
    if (!result.objectId) throw new LiveEditRefused('the inspector gave no handle for the function');
    const props = post<{ internalProperties?: { name: string; value?: { value?: FunctionLocation } }[] }>(
      'Runtime.getProperties',
      { objectId: result.objectId, ownProperties: true },
    );
    post('Runtime.releaseObject', { objectId: result.objectId });
    const location = props.internalProperties?.find((p) => p.name === '[[FunctionLocation]]')?.value?.value;
    if (!location) throw new LiveEditRefused('it is native or built-in code (no source location)');
    return location;
  } finally {
    delete (globalThis as Record<symbol, unknown>)[STASH];
  }
}

function fileOf(url: string): string {
  if (url.startsWith('file://')) return fileURLToPath(url);
  return url;
}

/**
 * Instruments `fn` in place. Returns its description; throws LiveEditRefused with the reason
 * when V8 or the source refuse (the caller runs the function unprofiled).
 */
export function liveEdit(fn: Function, keyFor: (found: FoundFunction, file: string) => string): LiveEditTarget {
  post('Debugger.enable');
  try {
    const location = locate(fn);
    const url = urls.get(location.scriptId) ?? '';
    if (!url) throw new LiveEditRefused('its script has no file (eval or built-in code)');
    const file = fileOf(url);
    const { scriptSource } = post<{ scriptSource: string }>('Debugger.getScriptSource', { scriptId: location.scriptId });
    // A script probed by a load hook is not pristine: its text is read from disk instead.
    if (!pristineSources.has(location.scriptId)) {
      pristineSources.set(location.scriptId, scriptSource.includes(PROBE_MARK) ? '' : scriptSource);
    }
    let program;
    try {
      program = parseSource(scriptSource, url.endsWith('.mjs') ? true : undefined);
    } catch (err) {
      throw new LiveEditRefused(`its script does not parse (${(err as Error).message})`);
    }
    const found = functionAt(program, offsetOf(scriptSource, location.lineNumber + 1, location.columnNumber));
    if (!found) throw new LiveEditRefused('its source was not found in the script');
    // Already probed (by a load hook, or an earlier profile()): use its key, leave the code alone.
    const existing = existingKey(scriptSource, found);
    const key = existing ?? keyFor(found, file);
    const probed = existing !== null;
    const target: LiveEditTarget = {
      key,
      file,
      name: found.name,
      line: found.line,
      endLine: found.endLine,
      pristine: pristineSources.get(location.scriptId)!,
    };
    if (probed) return target;
    if (found.node.expression) throw new ExpressionArrowBlocked(target, found.node.body.loc!.start.line);
    const edited = instrument(scriptSource, [{ node: found.node, key }]);
    const reply = post<{ status?: string; exceptionDetails?: { text: string; lineNumber: number } }>('Debugger.setScriptSource', {
      scriptId: location.scriptId,
      scriptSource: edited,
    });
    if (reply.exceptionDetails) {
      throw new LiveEditRefused(`the probed source does not compile: ${reply.exceptionDetails.text} (line ${reply.exceptionDetails.lineNumber + 1})`);
    }
    if (reply.status && reply.status !== 'Ok') throw new LiveEditRefused(refusal(reply.status));
    return target;
  } finally {
    // An enabled Debugger in this thread would make a `debugger` statement wait on us.
    post('Debugger.disable');
  }
}

/** The entry probe's key when the function's body already starts with one. */
function existingKey(source: string, found: FoundFunction): string | null {
  const body = found.node.body as { type: string; start: number; body?: { directive?: string; end: number }[] };
  if (body.type !== 'BlockStatement') return null;
  let at = body.start + 1;
  for (const stmt of body.body ?? []) {
    if (stmt.directive === undefined) break;
    at = stmt.end;
  }
  const head = /^const \$mp\$r=[^;]*?,\$mp\$f=\$mp\$r\.e\(("(?:[^"\\]|\\.)*")\);try\{/.exec(source.slice(at, at + 8192));
  return head ? (JSON.parse(head[1]) as string) : null;
}

function refusal(status: string): string {
  switch (status) {
    case 'BlockedByActiveFunction':
    case 'BlockedByActiveGenerator':
      return 'it is running right now (on the stack or a suspended generator): V8 cannot replace running code';
    case 'BlockedByTopLevelEsModuleChange':
      return 'V8 cannot edit the top level of an ES module';
    default:
      return `V8 refused the edit (${status})`;
  }
}

/** The line key of a function edited at runtime. */
export function liveEditKey(found: FoundFunction, file: string): string {
  return functionKey(file, found.name, found.line, found.endLine);
}
