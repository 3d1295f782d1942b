import type { Command } from 'commander';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UsageError } from '../errors';
import type { BackendName } from '../meter';
import type { ColumnName } from '../report/columns';
import { REPORT_FORMATS, type ReportFormat } from '../report/results';
import type { PairedCall } from '../trace/call-events';
import { forgetLoadedDependencies } from '../trace/isolate';
import { reportBeforeStop } from '../signals/stop';
import { onFirstProfile, whenProfilerLoads } from '../trace/first-profile';
import type { ThreadStats } from '../trace/shared-stats';
import { preloadInWorkers } from '../trace/worker-threads';
import type { RuntimeConfig } from '../trace/runtime';
import type { Selector } from '../trace/selectors';
import { isModule, preload, runMain } from '../util/run-script';
import { backendChoices, backendOption, columnsOption, precisionOption, selectorOption, sizeOption } from './options';
import type { OptionSpec } from './root-call';

// The profiler (the tracer, the runtime, the meters, the addon) loads when the program first
// reads the global profile (or memprof's), or starts a worker: `memprof app.js` that profiles
// nothing loads none of it. What the CLI sets up for it waits for it (whenProfilerLoads).
const tracer = (): typeof import('../trace/profile') => require('../trace/profile');
const runtime = (): typeof import('../trace/runtime') => require('../trace/runtime');
const mib = (bytes: number): string => (require('../units/size') as typeof import('../units/size')).formatMiB(bytes);

interface ProfileCliOptions {
  backend?: BackendName;
  precision: number;
  output?: string;
  format: ReportFormat;
  function: string[];
  includeChildren?: boolean;
  timestamp?: boolean;
  breakAt?: number;
  snapshotAt?: number;
  fast?: boolean;
  split?: boolean;
  columns?: ColumnName[];
  import: string[];
  require: string[];
}

const EXAMPLES = `
Examples:
  memprof app.js                       profile functions wrapped in the global profile(fn)
  memprof -f build app.js --port 80    profile build() with no change to the code
  memprof -f lib/parse.js:42 app.js    the function around line 42 of lib/parse.js
  memprof --format json -o prof.json app.js   (JSON needs -o; -o - prints it)
  memprof --snapshot-at 1GiB app.js    write a .heapsnapshot when memory reaches 1 GiB
  memprof --break-at 500MiB app.js     stop in the debugger there (prints the inspector URL)
  memprof app.ts                       TypeScript: types stripped, rows on the .ts lines
  memprof --import tsx app.ts          or with a loader: tsx, -r ts-node/register
  memprof run app.js && memprof plot   memory over time (see memprof run --help)
`;

/** The root command's options: registered with commander, and read by root-call.ts in a plain call. */
export const PROFILE_OPTIONS: readonly OptionSpec[] = [
  // (Descriptions naming the backends and columns are read when commander registers the
  // options: their modules load then, not for a plain call.)
  {
    flags: '--backend <name>',
    get description() {
      return `what to measure: ${backendChoices()}`;
    },
    parse: backendOption,
  },
  { flags: '--precision <n>', description: 'decimal places of MiB in tables (0 to 20)', parse: precisionOption, default: 1 },
  { flags: '-o, --output <file>', description: 'append the report to <file> instead of printing it (JSON replaces the file; needed for JSON: - is stdout)' },
  { flags: '--format <format>', description: 'report format', choices: REPORT_FORMATS, default: 'text' },
  {
    flags: '-f, --function <selector>',
    description: "profile a function with no code change: name, file.js:name, file.js:line, file.js:line:column, or every function of files: file.js:* (globs: 'lib/**/*.js:*') (repeatable)",
    parse: selectorOption,
    default: [],
  },
  { flags: '--include-children', description: 'add the RSS of child processes (read by the sampler)' },
  { flags: '--timestamp', description: 'print FUNC lines (entry/exit memory and time) instead of tables' },
  {
    flags: '--break-at <size>',
    description:
      'when a profiled line reaches <size>: pause in the debugger at that line (opens the inspector on 127.0.0.1 if needed; until the debugger detaches, any local user can connect to it and run code as the script)',
    parse: sizeOption,
  },
  { flags: '--snapshot-at <size>', description: 'write a .heapsnapshot in the working directory when memory first reaches <size>', parse: sizeOption },
  { flags: '--import <module>', description: 'load <module> before the script, as node --import does (e.g. tsx) (repeatable)', parse: collect, default: [] },
  { flags: '-r, --require <module>', description: 'require <module> before the script, as node -r does (e.g. ts-node/register) (repeatable)', parse: collect, default: [] },
  { flags: '--fast', description: "read the sampler's latest value at each line instead of reading memory (cheaper, at the sampler's resolution)" },
  { flags: '--split', description: 'split each increment into V8 heap, external and other (default with the native backend, except with --fast)' },
  { flags: '--no-split', description: 'RSS figures only (no Heap and External columns)' },
  {
    flags: '--columns <list>',
    get description() {
      return `table columns, comma-separated, from ${(require('../report/columns') as typeof import('../report/columns')).COLUMNS.join(',')} (other = increment - heap - external)`;
    },
    parse: columnsOption,
  },
];

/** `memprof [options] <script> [args...]`: the root program's own action. */
export function registerProfile(program: Command): void {
  const { Option } = require('commander') as typeof import('commander');
  program
    .description('Line-by-line memory profiler for Node.js: runs <script> with a global profile(fn) and prints a table per profiled function')
    .argument('[script]', 'the JavaScript file to run (CommonJS or ES module), or TypeScript (.ts, .mts, .cts: types stripped)')
    .argument('[args...]', "the script's own arguments");
  for (const spec of PROFILE_OPTIONS) {
    const option = new Option(spec.flags, spec.description);
    if (spec.parse) option.argParser(spec.parse as (value: string, previous: unknown) => unknown);
    if (spec.choices) option.choices(spec.choices);
    if (spec.default !== undefined) option.default(spec.default);
    program.addOption(option);
  }
  program
    .passThroughOptions()
    .addHelpText('after', EXAMPLES)
    .action(async (script: string | undefined, args: string[], options: ProfileCliOptions) => {
      if (!script) throw new UsageError('missing script: usage is memprof [options] <script> [args...] (see memprof --help)');
      await profileScript(script, args, options);
    });
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** Runs the script with the profiler (the root command's action, also for a plain call). */
export async function profileScript(script: string, args: string[], options: ProfileCliOptions): Promise<void> {
  const file = path.resolve(script);
  if (!fs.existsSync(file) || !fs.statSync(file).isFile()) throw new UsageError(`cannot find script ${script}`, 1);
  // Selectors bring the instrumenter (acorn): loaded only for -f.
  const selectors: Selector[] = options.function.length === 0 ? [] : options.function.map((require('../trace/selectors') as typeof import('../trace/selectors')).parseSelector);
  // The program's own stdout would corrupt a JSON document printed after it: JSON goes to a
  // file, or to stdout only when asked with -o - (for a program that prints nothing there).
  if (options.format === 'json' && !options.output) {
    throw new UsageError("--format json needs -o <file>: the program's own output also goes to stdout and would corrupt the document (-o - prints it there anyway)");
  }
  const toStdout = !options.output || options.output === '-';
  if (options.output && !toStdout) {
    const { checkWritable, writeFailure } = require('../util/write-file') as typeof import('../util/write-file');
    try {
      checkWritable(options.output); // before the script runs, not after its report is lost
    } catch (err) {
      throw new UsageError(`cannot write ${options.output}: ${writeFailure(err)}`);
    }
  }
  // TypeScript: stripped by memprof unless a loader given with --import/-r (tsx, ts-node) does it.
  const preloads = options.import.length + options.require.length > 0;
  const typeScript = /\.[cm]?ts$/.test(file) && !preloads ? (require('../trace/typescript') as typeof import('../trace/typescript')) : null;
  typeScript?.registerTypeScript();
  // A .ts entry of no package type with ES module syntax is an ES module, as Node 22 runs it.
  const entryIsModule = isModule(file) || (typeScript?.isTypeScriptModule(file) ?? false);

  const runtimeConfig = { backend: options.backend, mode: options.fast ? ('fast' as const) : ('exact' as const), includeChildren: options.includeChildren, split: options.split };
  const funcLines = options.timestamp ? recordFuncLines() : null;
  let workers: ThreadStats | null = null;
  whenProfilerLoads(() => {
    (require('../meter') as typeof import('../meter')).reportFallbackOnStderr();
    // -f instruments code as it loads, before any profile() call: the runtime must be ready.
    // Otherwise the first profile() call starts it (an unprofiled program pays nothing).
    if (selectors.length > 0) runtime().configure(runtimeConfig);
    else runtime().configureOnFirstUse(runtimeConfig);
    tracer().setProfileDefaults({ report: 'none', precision: options.precision });
    // Worker threads' calls join this thread's tables.
    workers = (require('../trace/shared-stats') as typeof import('../trace/shared-stats')).receiveStats();
    tracer().includeWorkers(workers);
    armThresholds(options);
  });
  // A report that stays empty until something is profiled (text or Markdown on stdout, no
  // -f) needs nothing loaded before then: the profiler and what writes the report load with
  // the first profile() call (or the first worker, which may call profile()), and so does the
  // signal watcher. Other reports (and the thresholds) load them now: never at exit, when the
  // program may have no file descriptor left to load a module with.
  const emptyUntilProfiled = toStdout && options.format !== 'json' && selectors.length === 0;
  if (!emptyUntilProfiled || options.snapshotAt !== undefined || options.breakAt !== undefined) tracer();
  // The load hooks bring the instrumenter (acorn): only for -f. A loader given with --import
  // (tsx) registers module hooks of its own: memprof's are registered after them, so they run
  // first and instrument the JavaScript the loader made of the file.
  // Node's ES module hooks start now only for a program that starts with ES modules (a
  // TypeScript entry has its own hooks running already); else before one may load. Node's
  // in-thread hooks (22.15+) start at once, unless a loader's come first.
  const loaderHooks = options.import.length > 0 || /\.[cm]?ts$/.test(file);
  const startsWithEsModules = entryIsModule || loaderHooks;
  const installHooks = (): void => (require('../trace/load-hooks') as typeof import('../trace/load-hooks')).installLoadHooks(selectors, startsWithEsModules, !loaderHooks);
  if (selectors.length > 0 && options.import.length === 0) installHooks();
  const loadWriters = (): void => {
    require('../report');
    require('../util/write-sync');
    if (!toStdout) require('../util/write-file');
  };
  if (!emptyUntilProfiled) loadWriters();
  // Worker threads get the same hooks and profile(); their calls join this thread's tables.
  preloadInWorkers({ selectors, config: runtimeConfig, calls: funcLines !== null }, (port) => {
    tracer();
    loadWriters();
    workers!.addPort(port);
  });

  let written = false;
  const writeResults = (): void => {
    if (written) return;
    written = true;
    // The profiler never loaded: nothing was profiled, in this thread or a worker.
    if (!workers) return;
    workers.drain(); // functions profiled only in workers count too
    if (emptyUntilProfiled && runtime().allFunctions().length === 0) return;
    runtime().finishOpenFrames();
    const text = funcLines ? formatFuncLines(funcLines, workers.calls()) : (require('../report') as typeof import('../report')).formatReport(tracer().getResults(), options.format, options.precision, options.columns);
    const unmatched = selectors.length === 0 ? [] : unmatchedSelectors(selectors);
    if (unmatched.length > 0) {
      // Say which: no loaded file is the one it names, the file has no such function, or it
      // has one the program never called.
      const { matched, seenFile, files: mainFiles } = (require('../trace/load-hooks') as typeof import('../trace/load-hooks')).selectorMatches();
      const inWorkers = workers.matches();
      const files = mainFiles + inWorkers.files;
      for (const s of unmatched) process.stderr.write(`memprof: ${whyUnmatched(s, matched.has(s.text) || inWorkers.matched.has(s.text), seenFile.has(s.text) || inWorkers.seenFile.has(s.text), files)}\n`);
      tellUnsearchedModules(unmatched);
    }
    if (toStdout || !options.output) (require('../util/write-sync') as typeof import('../util/write-sync')).writeAllSync(1, text);
    else {
      const { appendWhole, writeFailure, writeFileAtomic } = require('../util/write-file') as typeof import('../util/write-file');
      try {
        // Text and Markdown append like memory_profiler's -o; a second JSON document appended
        // would leave a file no JSON reader accepts, so JSON replaces it (whole or not at all).
        if (options.format === 'json' && !funcLines) writeFileAtomic(options.output, text);
        else appendWhole(options.output, text);
      } catch (err) {
        // At exit: one line, not a stack trace (the file may have changed since the check).
        process.stderr.write(`memprof: cannot write ${options.output}: ${writeFailure(err)}\n`);
        if (!process.exitCode) process.exitCode = 1;
      }
    }
  };
  // At exit, or before a signal the script does not handle ends it (even in a busy loop).
  const later = (start: () => () => void): void =>
    onFirstProfile(() => {
      loadWriters();
      return start();
    });
  process.once('exit', await reportBeforeStop(writeResults, emptyUntilProfiled ? later : undefined));

  defineProfileGlobal(() => tracer().profile);
  process.argv = [process.argv[0], file, ...args];
  forgetLoadedDependencies();
  await preload(options.require, options.import);
  if (selectors.length > 0 && options.import.length > 0) installHooks();
  // An error it throws goes as node's would; the exit handler writes the results.
  await runMain(file, entryIsModule);
}

/**
 * The global profile(fn), loaded as the program first reads it (a program that never does
 * loads no profiler); from then on, or once the program assigns it, a plain property.
 */
function defineProfileGlobal(load: () => unknown): void {
  const settle = (value: unknown): void => {
    Object.defineProperty(globalThis, 'profile', { value, writable: true, enumerable: true, configurable: true });
  };
  Object.defineProperty(globalThis, 'profile', {
    get() {
      const value = load();
      settle(value);
      return value;
    },
    set: settle,
    enumerable: true,
    configurable: true,
  });
}

/** Why a selector profiled nothing, in one line: what it found of what it names. */
function whyUnmatched(s: Selector, picked: boolean, fileSeen: boolean, files: number): string {
  const loaded = `${files} file${files === 1 ? '' : 's'} the program loaded`;
  if (picked) return `--function ${s.text} found its function, but the program never called it`;
  // `Command.parse`, as a stack trace names a method: selectors name it alone.
  const method = s.name !== undefined && /^[\w$]+\.(#?[\w$]+)$/.exec(s.name);
  const hint = method ? ` (a method is selected by its own name: --function ${s.file === undefined ? '' : `${s.file}:`}${method[1]})` : '';
  if (s.file === undefined) return `no function matching --function ${s.text} in the ${loaded}${hint}`;
  const glob = (require('../trace/selectors') as typeof import('../trace/selectors')).isGlob(s.file);
  // A TypeScript file compiled ahead (tsc, a bundler): Node loads the JavaScript.
  const compiled = /\.[cm]?tsx?$/.test(s.file) ? '; a file compiled to JavaScript is selected by the .js file Node loads (its rows still name the .ts lines through its source map)' : '';
  if (!fileSeen) return `--function ${s.text}: no file matching ${s.file} among the ${loaded}${compiled}`;
  const where = glob ? `the files matching ${s.file} have` : `${s.file} has`;
  if (s.all) return `--function ${s.text}: ${where} no functions`;
  if (s.name !== undefined) return `--function ${s.text}: ${where} no function named ${s.name}${hint}`;
  return `--function ${s.text}: ${where} no function at line ${s.line}${s.column === undefined ? '' : `, column ${s.column}`}`;
}

/** The selectors that picked none of the functions profiled. */
function unmatchedSelectors(selectors: Selector[]): Selector[] {
  const { selectorPicks } = require('../trace/selectors') as typeof import('../trace/selectors');
  return selectors.filter((s) => !runtime().allFunctions().some((f) => selectorPicks(s, f)));
}

/** ES modules where an unmatched selector could have found its function, but no hook of memprof's saw them: which, and why. */
function tellUnsearchedModules(unmatched: Selector[]): void {
  const unsearched = (require('../trace/load-hooks') as typeof import('../trace/load-hooks')).esModulesNotSearched();
  const { selectorPicks } = require('../trace/selectors') as typeof import('../trace/selectors');
  const files = unsearched.files.filter((file) => unmatched.some((s) => selectorPicks({ ...s, all: true }, { file, name: '', line: 0, endLine: 0 })));
  if (files.length === 0) return;
  const named = files.slice(0, 3).map((f) => path.basename(f)).join(', ') + (files.length > 3 ? `, and ${files.length - 3} more` : '');
  process.stderr.write(
    unsearched.hooksStarted
      ? `memprof: -f did not search ES modules Node loaded without memprof's hooks (${named}): --import modules, or imports of an ES module loaded by require() (import() it to search them)\n`
      : `memprof: the program loaded ES modules through code memprof never read (${named}): -f did not search them; run again with MEMPROF_ESM_HOOKS=1\n`,
  );
}

/** The calls for mprof's FUNC lines, from the tracer's call events: name, MiB and time at entry and exit, level. */
function recordFuncLines(): PairedCall[] {
  const calls: PairedCall[] = [];
  (require('../trace/call-events') as typeof import('../trace/call-events')).pairCalls((call) => calls.push(call));
  return calls;
}

/** FUNC lines of this thread's calls and the workers', in the order they ended. */
function formatFuncLines(own: PairedCall[], workers: readonly PairedCall[]): string {
  const { funcRecord } = require('../timeline/dat') as typeof import('../timeline/dat');
  const all = workers.length === 0 ? own : [...own, ...workers].sort((a, b) => a.endTime - b.endTime);
  return all.map((c) => funcRecord(c.name, c.startMem, c.startTime, c.endMem, c.endTime, c.level)).join('');
}

/** --snapshot-at and --break-at: one check per line event against the lower threshold. */
function armThresholds(options: ProfileCliOptions): void {
  let snapshotAt = options.snapshotAt ?? Infinity;
  let breakAt = options.breakAt ?? Infinity;
  const arm = (): void => {
    const next = Math.min(snapshotAt, breakAt);
    if (next === Infinity) return;
    runtime().setAlarm(next, (bytes, fn, line) => {
      // Rows of source-mapped code are lines of the original file the key names.
      const where = `${(require('../trace/probe-key') as typeof import('../trace/probe-key')).parseFunctionKey(fn.key).source ?? fn.file}:${line}`;
      if (bytes >= snapshotAt) {
        snapshotAt = Infinity;
        // Runs inside the profiled code: a failure is reported, never thrown into it.
        try {
          const out = writeSnapshot();
          process.stderr.write(`memprof: memory reached ${mib(bytes)} at ${where}; heap snapshot written to ${out}\n`);
        } catch (err) {
          process.stderr.write(`memprof: memory reached ${mib(bytes)} at ${where}; cannot write a heap snapshot: ${(err as Error).message}\n`);
        }
      }
      if (bytes >= breakAt) {
        breakAt = Infinity;
        breakHere(bytes, where);
      }
      arm();
    });
  };
  arm();
}

/**
 * memprof-<pid>-<ms>.heapsnapshot in the working directory, created exclusively (never
 * through a symlink planted under that name in a shared directory); -1, -2... when taken.
 */
function writeSnapshot(): string {
  const base = path.join(process.cwd(), `memprof-${process.pid}-${Date.now()}`);
  for (let n = 0; ; n++) {
    const file = `${base}${n ? `-${n}` : ''}.heapsnapshot`;
    if ((require('../util/write-file') as typeof import('../util/write-file')).writeExclusiveVia(file, (tmp) => (require('node:v8') as typeof import('node:v8')).writeHeapSnapshot(tmp))) return file;
  }
}

function breakHere(bytes: number, where: string): void {
  const inspector = require('node:inspector') as typeof import('node:inspector');
  if (!inspector.url()) {
    inspector.open(0, '127.0.0.1', false);
    const url = inspector.url() as string;
    const hostPort = new URL(url).host;
    process.stderr.write(
      `memprof: memory reached ${mib(bytes)} at ${where}; waiting for a debugger on ${hostPort}:\n` +
        `memprof:   node inspect ${hostPort}\n` +
        `memprof:   or Chrome: chrome://inspect, Configure... add ${hostPort}, then "inspect" (${url})\n` +
        `memprof: warning: until a debugger detaches, any local user can connect to ${hostPort} and run code as this process\n`,
    );
    inspector.waitForDebugger();
    closeInspectorOnDetach(Number(new URL(url).port));
  } else {
    process.stderr.write(`memprof: memory reached ${mib(bytes)} at ${where}; pausing in the debugger\n`);
  }
  // The probed line about to run executes `debugger`: the pause is in the user's frame.
  runtime().pauseAtNextLine();
}

/**
 * The inspector memprof opened lets anyone on this machine run code in the process: close
 * it as soon as the debugger that attached is gone (checked twice a second, unref'd).
 */
function closeInspectorOnDetach(port: number): void {
  const { establishedConnections } = require('../util/inspector-clients') as typeof import('../util/inspector-clients');
  if (establishedConnections(port) === null) return; // not Linux: it stays open until exit
  const timer = setInterval(() => {
    if (establishedConnections(port) !== 0) return;
    clearInterval(timer);
    (require('node:inspector') as typeof import('node:inspector')).close();
    process.stderr.write(`memprof: the debugger detached; the inspector on 127.0.0.1:${port} is closed\n`);
  }, 500);
  timer.unref();
}
