import type { REPLServer } from 'node:repl';
import type { BackendName } from '../meter';
import { collectGarbageAndSettle } from '../measure/measure-call';
import { formatFunctionText } from '../report/text';
import { PROBE_GLOBAL } from '../trace/probe-key';
import { liveEdit, liveEditKey, LiveEditRefused } from '../trace/liveedit';
import { getResults, profile } from '../trace/profile';
import { allFunctions, probes, resetStats } from '../trace/runtime';
import { writeFailure, writeFileAtomic } from '../util/write-file';
import { compileStatement } from './statement';
import { CommandLineError, parseCommandLine } from './options';

export interface MprunSettings {
  precision: number;
  backend?: BackendName;
}

export const MPRUN_USAGE = '.mprun -f <function> [-f <function> ...] [-T FILE] <statement>';

/** Lets probed code find the probes when the REPL runs in a context of its own (useGlobal false). */
function installProbes(server: REPLServer): void {
  const context = server.context as object;
  if (context === globalThis || Object.getOwnPropertySymbols(context).includes(Symbol.for(PROBE_GLOBAL))) return;
  Object.defineProperty(context, Symbol.for(PROBE_GLOBAL), { value: probes, configurable: true, enumerable: false, writable: false });
}

// Functions .mprun has profiled (the original, and the wrapper when the tracer wrapped
// it) to the index of their statistics in allFunctions().
const profiledIndex = new WeakMap<Function, number>();
const REBIND = 'memprof.repl.rebind';

/** Points `name` at `value` in the REPL (a wrapped function replaces the original). */
async function rebind(server: REPLServer, name: string, value: Function): Promise<void> {
  const context = server.context as Record<symbol, unknown>;
  context[Symbol.for(REBIND)] = value;
  try {
    await (await compileStatement(server, `${name} = globalThis[Symbol.for(${JSON.stringify(REBIND)})]`))();
  } catch (err) {
    const reason = typeof (err as Error)?.message === 'string' ? (err as Error).message : String(err);
    throw new CommandLineError(
      `cannot profile ${name}: the line profiler has to wrap it, and ${name} cannot be reassigned (${reason}); define it with function or let to profile it here`,
    );
  } finally {
    delete context[Symbol.for(REBIND)];
  }
}

/** Profiles `fn` (found as `name`) unless done before; the index of its statistics. */
async function profileNamed(server: REPLServer, name: string, fn: Function, settings: MprunSettings): Promise<number> {
  const known = profiledIndex.get(fn);
  if (known !== undefined) return known;
  const before = allFunctions().length;
  const result = profile(fn as (...args: never[]) => unknown, { report: 'none', backend: settings.backend });
  // A new registration is this function's; an old one (profiled before .mprun saw it) is
  // found by its line key, which throws LiveEditRefused saying why when it cannot be profiled.
  const index =
    allFunctions().length > before ? allFunctions().length - 1 : allFunctions().findIndex((s) => s.key === liveEdit(fn, liveEditKey).key);
  if (result !== fn) {
    await rebind(server, name, result);
    profiledIndex.set(result, index);
  }
  profiledIndex.set(fn, index);
  return index;
}

/**
 * `.mprun -f <function> <statement>`: profiles the named functions (any expression that
 * gives a function: typed in the REPL, a property of a required module) line by line
 * while the statement runs, awaiting it, and prints one table per function for this run.
 */
export async function runMprun(server: REPLServer, text: string, settings: MprunSettings = { precision: 1 }): Promise<string> {
  const { flags, statement } = parseCommandLine(
    text,
    { '-f': { value: true, repeatable: true }, '-T': { value: true } },
    MPRUN_USAGE,
  );
  const names = flags.get('-f');
  if (typeof names !== 'string') throw new CommandLineError(`name a function with -f; usage: ${MPRUN_USAGE}`);
  installProbes(server);
  const out: string[] = [];
  const profiled: number[] = [];
  for (const name of names.split('\n')) {
    const fn = await (await compileStatement(server, name))();
    if (typeof fn !== 'function') throw new CommandLineError(`${name} is ${fn === null ? 'null' : typeof fn}, not a function`);
    try {
      profiled.push(await profileNamed(server, name, fn, settings));
    } catch (err) {
      // profile() has said why on stderr when V8 refused; say it here too, where the user looks.
      if (!(err instanceof LiveEditRefused)) throw err;
      out.push(`.mprun: cannot profile ${name}: ${err.message}\n`);
    }
  }
  const run = await compileStatement(server, statement);
  // Garbage from earlier input would otherwise be freed during the run and show as
  // negative increments on lines that free nothing.
  await collectGarbageAndSettle();
  // The tables show this statement's run only; other profiled functions keep their figures.
  resetStats(profiled.filter((index) => index >= 0));
  await run();
  const functions = getResults().functions;
  const tables = profiled.filter((index) => index >= 0).map((index) => formatFunctionText(functions[index], settings.precision));
  const file = flags.get('-T');
  if (typeof file !== 'string') return out.join('') + tables.join('');
  // IPython's -T: the tables go to the file (replaced whole), the REPL says where.
  try {
    writeFileAtomic(file, tables.join(''));
  } catch (err) {
    // Shown here instead, so the run is not lost.
    return `${out.join('')}${tables.join('')}.mprun: cannot write ${file} (${writeFailure(err)}); the tables are above\n`;
  }
  return `${out.join('')}*** Profile printout saved to text file '${file}'.\n`;
}
