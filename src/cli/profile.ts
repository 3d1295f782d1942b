import { Option, type Command } from 'commander';
import * as fs from 'node:fs';
import * as inspector from 'node:inspector';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import { UsageError } from '../errors';
import type { BackendName } from '../meter';
import { COLUMNS, formatReport, REPORT_FORMATS, type ColumnName, type ReportFormat } from '../report';
import { writeAllSync } from '../report/write-sync';
import { setCallListener, type CallEvent } from '../trace/call-events';
import { installLoadHooks } from '../trace/load-hooks';
import { getResults, profile, setProfileDefaults } from '../trace/profile';
import { funcRecord } from '../timeline/dat';
import { allFunctions, configure, finishOpenFrames, setAlarm, type FunctionStats } from '../trace/runtime';
import { parseSelector, type Selector } from '../trace/selectors';
import { formatMiB } from '../units/size';
import { load, reportUncaught } from '../util/run-script';
import { appendWhole, writeFileAtomic } from '../util/write-file';
import { BACKEND_CHOICES, backendOption, columnsOption, nonNegativeIntOption, sizeOption } from './options';

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
}

const EXAMPLES = `
Examples:
  memprof app.js                       profile functions wrapped in the global profile(fn)
  memprof -f build app.js --port 80    profile build() with no change to the code
  memprof -f lib/parse.js:42 app.js    the function around line 42 of lib/parse.js
  memprof --format json -o prof.json app.js
  memprof --snapshot-at 1GiB app.js    write a .heapsnapshot when memory reaches 1 GiB
  memprof --break-at 500MiB app.js     stop in the debugger there (prints the inspector URL)
  memprof run app.js && memprof plot   memory over time (see memprof run --help)
`;

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** `memprof [options] <script> [args...]`: the root program's own action. */
export function registerProfile(program: Command): void {
  program
    .description('Line-by-line memory profiler for Node.js: runs <script> with a global profile(fn) and prints a table per profiled function')
    .argument('[script]', 'the JavaScript file to run (CommonJS or ES module)')
    .argument('[args...]', "the script's own arguments")
    .addOption(new Option('--backend <name>', `what to measure: ${BACKEND_CHOICES}`).argParser(backendOption))
    .option('--precision <n>', 'decimal places of MiB in tables', nonNegativeIntOption, 1)
    .option('-o, --output <file>', 'append the report to <file> instead of printing it (JSON replaces the file)')
    .addOption(new Option('--format <format>', 'report format').choices([...REPORT_FORMATS]).default('text'))
    .option('-f, --function <selector>', 'profile a function with no code change: name, file.js:name or file.js:line (repeatable)', collect, [])
    .option('--include-children', "add the RSS of child processes (read by the sampler)")
    .option('--timestamp', 'print FUNC lines (entry/exit memory and time) instead of tables')
    .option('--break-at <size>', 'when a profiled line reaches <size>: pause in the debugger (opens the inspector on 127.0.0.1 if needed)', sizeOption)
    .option('--snapshot-at <size>', 'write a .heapsnapshot in the working directory when memory first reaches <size>', sizeOption)
    .option('--fast', "read the sampler's latest value at each line instead of reading memory (cheaper, at the sampler's resolution)")
    .option('--split', 'split each increment into V8 heap, external and other (default with the native backend, except with --fast)')
    .option('--no-split', 'RSS figures only (no Heap and External columns)')
    .option('--columns <list>', `table columns, comma-separated, from ${COLUMNS.join(',')} (other = increment - heap - external)`, columnsOption)
    .passThroughOptions()
    .addHelpText('after', EXAMPLES)
    .action(async (script: string | undefined, args: string[], options: ProfileCliOptions) => {
      if (!script) throw new UsageError('missing script: usage is memprof [options] <script> [args...] (see memprof --help)');
      await profileScript(script, args, options);
    });
}

async function profileScript(script: string, args: string[], options: ProfileCliOptions): Promise<void> {
  const file = path.resolve(script);
  if (!fs.existsSync(file) || !fs.statSync(file).isFile()) throw new UsageError(`cannot find script ${script}`, 1);
  const selectors: Selector[] = options.function.map(parseSelector);
  if (options.output) checkWritable(options.output);

  configure({ backend: options.backend, mode: options.fast ? 'fast' : 'exact', includeChildren: options.includeChildren, split: options.split });
  setProfileDefaults({ report: 'none', precision: options.precision });
  const funcLines = options.timestamp ? recordFuncLines() : null;
  armThresholds(options);
  if (selectors.length > 0) installLoadHooks(selectors);

  let written = false;
  const writeResults = (): void => {
    if (written) return;
    written = true;
    finishOpenFrames();
    const text = funcLines ? funcLines.join('') : formatReport(getResults(), options.format, options.precision, options.columns);
    const unmatched = selectors.filter((s) => !allFunctions().some((f) => selectorPicked(s, f)));
    for (const s of unmatched) process.stderr.write(`memprof: no function matching --function ${s.text} was called\n`);
    if (!options.output) writeAllSync(1, text);
    else {
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
  process.once('exit', writeResults);
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    process.once(signal, () => {
      writeResults();
      process.exit(code);
    });
  }

  (globalThis as Record<string, unknown>).profile = profile;
  process.argv = [process.argv[0], file, ...args];
  try {
    await load(file);
  } catch (err) {
    // As node handles an uncaught error (the program's handler, or exit 1 without memprof's
    // frames); the exit handler writes the results.
    reportUncaught(err);
  }
}

function selectorPicked(s: Selector, f: FunctionStats): boolean {
  if (s.name !== undefined && s.name !== f.name) return false;
  if (s.line !== undefined && !(f.line <= s.line && s.line <= f.endLine)) return false;
  return !s.file || f.file === path.resolve(s.file) || f.file.endsWith(`${path.sep}${s.file.replace(/^\.\//, '')}`);
}

/** Why the report file cannot be written, in a user's words. */
function writeFailure(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EISDIR') return 'it is a directory';
  if (code === 'ENOENT') return 'no such directory';
  if (code === 'ENOTDIR') return 'a part of the path is not a directory';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EROFS') return 'read-only file system';
  if (code === 'ENOSPC') return 'no space left on the device';
  return (err as Error).message ?? String(err);
}

/** Before the script runs, so a report that cannot be written fails before any work is done. */
function checkWritable(file: string): void {
  const target = path.resolve(file);
  const dir = path.dirname(target);
  if (!fs.existsSync(dir)) throw new UsageError(`cannot write ${file}: directory ${dir} does not exist`);
  try {
    if (fs.existsSync(target) && fs.statSync(target).isDirectory()) throw Object.assign(new Error(), { code: 'EISDIR' });
    fs.accessSync(fs.existsSync(target) ? target : dir, fs.constants.W_OK);
  } catch (err) {
    throw new UsageError(`cannot write ${file}: ${writeFailure(err)}`);
  }
}

/** mprof's FUNC lines from the tracer's call events: name, MiB and time at entry and exit, depth. */
function recordFuncLines(): string[] {
  const lines: string[] = [];
  const open: CallEvent[] = [];
  setCallListener((event) => {
    if (event.kind === 'enter') {
      open.push(event);
      return;
    }
    let i = open.length - 1;
    while (i >= 0 && open[i].name !== event.name) i--;
    if (i < 0) return;
    const [start] = open.splice(i, 1);
    lines.push(funcRecord(event.name, start.mem, start.time, event.mem, event.time, start.depth));
  });
  return lines;
}

/** --snapshot-at and --break-at: one check per line event against the lower threshold. */
function armThresholds(options: ProfileCliOptions): void {
  let snapshotAt = options.snapshotAt ?? Infinity;
  let breakAt = options.breakAt ?? Infinity;
  const arm = (): void => {
    const next = Math.min(snapshotAt, breakAt);
    if (next === Infinity) return;
    setAlarm(next, (bytes, fn, line) => {
      const where = `${fn.file}:${line}`;
      if (bytes >= snapshotAt) {
        snapshotAt = Infinity;
        // Runs inside the profiled code: a failure is reported, never thrown into it.
        try {
          const out = v8.writeHeapSnapshot(path.join(process.cwd(), `memprof-${process.pid}-${Date.now()}.heapsnapshot`));
          process.stderr.write(`memprof: memory reached ${formatMiB(bytes)} at ${where}; heap snapshot written to ${out}\n`);
        } catch (err) {
          process.stderr.write(`memprof: memory reached ${formatMiB(bytes)} at ${where}; cannot write a heap snapshot: ${(err as Error).message}\n`);
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

function breakHere(bytes: number, where: string): void {
  if (!inspector.url()) {
    inspector.open(0, '127.0.0.1', false);
    process.stderr.write(
      `memprof: memory reached ${formatMiB(bytes)} at ${where}; waiting for a debugger at ${inspector.url()} (chrome://inspect, or node inspect ${inspector.url()})\n`,
    );
    inspector.waitForDebugger();
  } else {
    process.stderr.write(`memprof: memory reached ${formatMiB(bytes)} at ${where}; pausing in the debugger\n`);
  }
  // Step out of this frame to reach the profiled line.
  // eslint-disable-next-line no-debugger
  debugger;
}
