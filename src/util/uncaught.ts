import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as util from 'node:util';
import { writeAllSync } from './write-sync';

// An error the script throws while it loads reaches memprof's `await`, not node's handler of
// uncaught errors: this does what that handler would, and prints what it would print.

/** Where node says an uncaught error came from: a throw, or the rejected import of an ES module. */
export type UncaughtOrigin = 'uncaughtException' | 'unhandledRejection';

/**
 * What node does with an error thrown while the main script loads: the program's own
 * 'uncaughtException' handlers get it (and the program goes on, as under node); without
 * one, the process ends at once (no timer of the program's runs) as exitWithUncaught says.
 */
export function reportUncaught(err: unknown, origin: UncaughtOrigin): void {
  const emit = process.emit.bind(process) as (event: string, ...args: unknown[]) => boolean;
  emit('uncaughtExceptionMonitor', err, origin);
  if (process.listenerCount('uncaughtException') > 0) {
    emit('uncaughtException', err, origin);
    return;
  }
  exitWithUncaught(err, origin);
}

/**
 * Ends the process as node ends it on an uncaught error: the 'exit' listeners run with code 1
 * (memprof's report among them), then the error is printed as node prints it.
 */
export function exitWithUncaught(err: unknown, origin: UncaughtOrigin): never {
  // Registered last, so it runs after every listener the program has.
  process.once('exit', () => writeAllSync(2, formatUncaught(err, origin)));
  process.exit(1);
}

/**
 * Node's print of an uncaught error: the source line it was thrown at with a caret, the error
 * as util.inspect shows it (its properties and cause too), and the Node version; memprof's
 * own frames left out of every stack.
 */
export function formatUncaught(err: unknown, origin: UncaughtOrigin): string {
  const trailer = `\n\nNode.js ${process.version}\n`;
  if (!util.types.isNativeError(err) && !(err instanceof Error)) return `\n${util.inspect(err)}${trailer}`;
  const shown = withTrimmedStacks(err, () =>
    util.inspect(err, { colors: process.stderr.isTTY === true && process.stderr.hasColors(), customInspect: false, depth: Math.max(util.inspect.defaultOptions.depth ?? 2, 5) }),
  );
  // Node puts the caret into a SyntaxError's stack as it compiles the file.
  const decorated = typeof err.stack === 'string' && /^.*:\d+\n.*\n[\t ]*\^/.test(err.stack);
  const arrow = decorated ? '' : sourceArrow(err.stack, origin);
  return `${arrow}${shown}${trailer}`;
}

/**
 * A stack without memprof's frames: the hooks it wraps around Node's loader, and everything
 * below the call that loaded the script (the CLI that ran it; a copy of commander the
 * program uses itself keeps its frames).
 */
function trimmedStack(stack: string): string {
  const lines = stack.split('\n');
  const isFrame = (line: string): boolean => /^\s+at /.test(line);
  const caller = lines.findIndex((l) => isFrame(l) && l.includes(RUN_SCRIPT));
  return (caller < 0 ? lines : lines.slice(0, caller)).filter((l) => !(isFrame(l) && l.includes(OWN_DIR))).join('\n');
}
const OWN_DIR = path.join(__dirname, '..') + path.sep;
const RUN_SCRIPT = path.join(__dirname, 'run-script.js');

/** Runs `show` while the error and its causes have stacks without memprof's frames. */
function withTrimmedStacks<T>(err: Error, show: () => T): T {
  const restore: Array<() => void> = [];
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 16; e = e.cause, depth++) {
    const own = Object.getOwnPropertyDescriptor(e, 'stack');
    if (!own || typeof own.value !== 'string' || !own.writable) continue;
    const target = e;
    Object.defineProperty(target, 'stack', { ...own, value: trimmedStack(own.value) });
    restore.push(() => Object.defineProperty(target, 'stack', own));
  }
  try {
    return show();
  } finally {
    for (const undo of restore) undo();
  }
}

/**
 * `file:line`, the line, and a caret under where the error was thrown, followed by a blank
 * line; empty when the top frame's file cannot be read (node's own code, eval). The top
 * frame is where the error was made: node points at the `throw` that threw it (found when it
 * is on the same line), and for an ES module's rejection where the error was made.
 */
function sourceArrow(stack: string | undefined, origin: UncaughtOrigin): string {
  const top = topFrame(stack);
  if (top === null) return '';
  let sourceLine: string | undefined;
  try {
    sourceLine = fs.readFileSync(top.file, 'utf8').split(/\r?\n/)[top.line - 1];
  } catch {
    return '';
  }
  if (sourceLine === undefined) return '';
  let column = top.column - 1;
  // The `throw` whose expression made the error, when it is on the same line.
  if (origin === 'uncaughtException') {
    const thrown = /\bthrow\b[^;]*$/.exec(sourceLine.slice(0, column));
    if (thrown) column = thrown.index;
  }
  // Tabs stay tabs, so the caret lines up however wide the terminal draws them.
  const indent = sourceLine.slice(0, column).replace(/[^\t]/g, ' ');
  return `${top.name}:${top.line}\n${sourceLine}\n${indent}^\n\n`;
}

/**
 * The top frame of a stack, when it is a place in a file: its name as the stack gives it (a
 * path, or an ES module's URL), the file's path, 1-based line and column.
 */
export function topFrame(stack: string | undefined): { name: string; file: string; line: number; column: number } | null {
  const top = stack?.split('\n').find((l) => /^\s+at /.test(l));
  const where = top && /(?:\(|at )((?:file:\/\/)?[^()\s][^()]*?):(\d+):(\d+)\)?$/.exec(top);
  if (!where) return null;
  const name = where[1];
  try {
    const file = name.startsWith('file://') ? fileURLToPath(name) : name;
    return path.isAbsolute(file) ? { name, file, line: Number(where[2]), column: Number(where[3]) } : null;
  } catch {
    return null;
  }
}
