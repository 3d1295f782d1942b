import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isatty } from 'node:tty';
import type { FunctionResult } from '../report/results';
import { installLoadHooks } from '../trace/load-hooks';
import { getResults, setProfileDefaults } from '../trace/profile';
import { configure, finishOpenFrames } from '../trace/runtime';
import { isModule, runMain } from '../util/run-script';
import { TailBuffer } from '../util/tail-buffer';
import { writeAllSync } from '../util/write-sync';
import { writeFileAtomic } from '../util/write-file';
import { VERSION } from '../version';
import { addRetained, analyse, fileOfUrl, ownDirs, pickZoomTargets, withoutOwnFrames, type Analysis, type AnalysisOptions, type EntryKey } from './analysis';
import { HeapSampling } from './heap-sampling';
import { MemoryTimelineRecorder } from './memory-timeline';
import type { MemoryTimeline, TopFunction, TopReport, V8SamplingHeapProfile } from './model';
import { displayPath } from '../util/display-path';
import { newZoomState, zoomInRun, zoomSelectors, type ZoomState } from './zoom';

// One `memprof top` run: the program runs in this process under V8's sampling heap profiler
// and the native sampler; the functions that allocate most get line tables, by LiveEdit
// in the same run, or by load hooks in a second run (--second-pass).

export interface TopOptions {
  /** Absolute path of the script, and its arguments. */
  script: string;
  args: string[];
  /** How many entries to zoom into. */
  top: number;
  includeDeps: boolean;
  /** V8's mean bytes between samples. */
  samplingInterval: number;
  /** When the first discovery looks at the profile (in-run zoom), ms. */
  discoveryMs: number;
  /** End the run after this long, ms. */
  durationMs?: number;
  secondPass: boolean;
  /** Line tables read the sampler's latest value instead of reading memory at each line. */
  fast?: boolean;
  /** Receives the report once, when the run ends (exit, signal, duration). Must write synchronously. */
  onReport(report: TopReport): void;
  /** Internal: run as the first of two passes and write what it found to this file. */
  firstPassOut?: string;
}

/** What a first pass hands to the second. */
interface FirstPass {
  raw: V8SamplingHeapProfile;
  timeline: MemoryTimeline;
  durationMs: number;
  ended: string;
}

export async function runTop(options: TopOptions): Promise<void> {
  if (options.secondPass && !options.firstPassOut) {
    await runTwoPasses(options);
    return;
  }
  await runOnce(options, null);
}

/** Runs the program once; `first` is a first pass's findings (then zoom by load hooks). */
async function runOnce(options: TopOptions, first: FirstPass | null): Promise<void> {
  const analysisOptions: AnalysisOptions = { ownDirs: ownDirs(), includeDeps: options.includeDeps };
  const firstPass = options.firstPassOut !== undefined;
  let zoomKeys: EntryKey[] = [];
  let firstAnalysis: Analysis | null = null;
  if (first) {
    firstAnalysis = analyse(first.raw, analysisOptions);
    zoomKeys = pickZoomTargets(firstAnalysis, options.top);
    const targets = zoomKeys.map((k) => firstAnalysis!.byKey.get(k)).filter((f): f is TopFunction => f !== undefined);
    configure({ mode: options.fast ? 'fast' : 'exact' });
    setProfileDefaults({ report: 'none' });
    installLoadHooks(zoomSelectors(targets), isModule(options.script));
  }
  // A second pass samples live objects only: what is retained at the end.
  const heap = new HeapSampling({ samplingInterval: options.samplingInterval, includeCollected: first === null });
  const timeline = new MemoryTimelineRecorder();
  const zoom = newZoomState();
  const started = Date.now();
  let latest: Analysis | null = null;
  let zoomTimer: NodeJS.Timeout | null = null;
  let durationTimer: NodeJS.Timeout | null = null;

  // Discovery while the program runs: look at the profile, zoom into the top functions;
  // look again less often once they all have tables.
  let period = options.discoveryMs;
  const discover = (): void => {
    latest = analyse(heap.peek(), analysisOptions);
    zoomKeys = pickZoomTargets(latest, options.top);
    const before = new Set(zoom.done);
    zoomInRun(latest, zoomKeys, zoom);
    for (const key of zoom.done) {
      const fn = before.has(key) ? undefined : latest.byKey.get(key);
      if (fn) process.stderr.write(`memprof top: line table for ${fn.name} (${displayPath(fn.file)}:${fn.line}) from now on\n`);
    }
    const waiting = zoomKeys.some((k) => !zoom.done.has(k) && !zoom.refused.has(k));
    period = waiting ? options.discoveryMs : Math.min(period * 2, 60_000);
    zoomTimer = setTimeout(discover, period);
    zoomTimer.unref();
  };

  let finished = false;
  const finish = (ended: string): void => {
    if (finished) return;
    finished = true;
    try {
      report(ended);
    } catch (err) {
      // At exit or in a signal handler: one line, never a stack trace over the program's output.
      process.stderr.write(`memprof top: cannot write the report: ${(err as Error).message}\n`);
      if (!process.exitCode) process.exitCode = 1;
    }
  };
  const report = (ended: string): void => {
    if (zoomTimer) clearTimeout(zoomTimer);
    if (durationTimer) clearTimeout(durationTimer);
    const raw = heap.stop();
    const recorded = timeline.stop();
    const durationMs = Date.now() - started;
    if (firstPass) {
      const found: FirstPass = { raw, timeline: recorded, durationMs, ended };
      writeFileAtomic(options.firstPassOut!, JSON.stringify(found));
      return;
    }
    finishOpenFrames();
    const tables = getResults().functions;
    let analysis: Analysis;
    if (first && firstAnalysis) {
      analysis = firstAnalysis;
      addRetained(analysis, analyse(raw, analysisOptions));
    } else {
      analysis = analyse(raw, analysisOptions);
      // The final profile decides the report's order; tables come from what was zoomed.
      if (!latest) zoomKeys = [];
    }
    const report: TopReport = {
      tool: 'memprof',
      version: VERSION,
      mode: 'top',
      command: [path.basename(options.script), ...options.args].join(' '),
      ended: first ? first.ended : ended,
      durationMs: first ? first.durationMs : durationMs,
      samplingInterval: options.samplingInterval,
      profile: analysis,
      zoomed: zoomedEntries(analysis, options.top, zoomKeys, zoom, tables, first !== null),
      timeline: first ? first.timeline : recorded,
      raw: withoutOwnFrames(first ? first.raw : raw, analysisOptions),
      ...(first ? { retainedRaw: withoutOwnFrames(raw, analysisOptions) } : {}),
    };
    options.onReport(report);
  };

  process.once('exit', () => finish('exit'));
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    const onSignal = (): void => {
      // A program that handles the signal itself decides when to end; the report is written at its exit.
      if (process.listenerCount(signal) > 1) return;
      finish(`signal ${signal}`);
      process.removeListener(signal, onSignal);
      // End as the signal would have ended the program (exit status 128 + n).
      process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
  if (options.durationMs !== undefined) {
    durationTimer = setTimeout(() => {
      finish('duration');
      process.exit();
    }, options.durationMs);
    durationTimer.unref();
  }

  heap.start();
  timeline.start();
  if (!first && !firstPass && options.top > 0) {
    configure({ mode: options.fast ? 'fast' : 'exact' });
    zoomTimer = setTimeout(discover, options.discoveryMs);
    zoomTimer.unref();
  }
  process.argv = [process.argv[0], options.script, ...options.args];
  // An error it throws goes as node's would; the exit handler writes the report.
  await runMain(options.script);
}

/** The table of the program's function `fn` among the tracer's results (innermost that spans its line). */
function tableFor(fn: TopFunction, tables: readonly FunctionResult[]): FunctionResult | undefined {
  if (!fn.location) return undefined;
  const file = fileOfUrl(fn.location.url);
  const line = fn.location.lineNumber + 1;
  let best: FunctionResult | undefined;
  for (const t of tables) {
    if (t.file !== file || t.line > line || line > t.line + t.lines.length - 1) continue;
    if (!best || t.line > best.line) best = t;
  }
  return best;
}

/** The top entries' zoom targets, each once, with their table or why there is none. */
function zoomedEntries(
  analysis: Analysis,
  count: number,
  zoomKeys: readonly EntryKey[],
  zoom: ZoomState,
  tables: readonly FunctionResult[],
  secondPass: boolean,
): TopReport['zoomed'] {
  const out: TopReport['zoomed'] = [];
  const seen = new Set<EntryKey>();
  // A second run instrumented what the first run picked; one run, what its final profile picks too.
  const keys = secondPass ? zoomKeys : [...pickZoomTargets(analysis, count), ...zoomKeys];
  for (const key of keys) {
    if (seen.has(key)) continue;
    seen.add(key);
    const fn = analysis.byKey.get(key);
    if (!fn) continue;
    const table = tableFor(fn, tables);
    if (table && table.calls > 0) out.push({ ...fn, table });
    else if (table) out.push({ ...fn, reason: 'not called after it was instrumented' });
    else if (zoom.refused.has(key)) out.push({ ...fn, reason: `LiveEdit refused: ${zoom.refused.get(key)}; --second-pass instruments it at load time` });
    else if (secondPass) out.push({ ...fn, reason: 'the second run did not load or call it' });
    else out.push({ ...fn, reason: 'not called while memprof could instrument it (the program was busy or had ended); --second-pass re-runs the program to get its lines' });
  }
  return out;
}

/** What the first run printed, held back: the second run prints the same (bounded, the end kept). */
interface HeldOutput {
  stdout: TailBuffer;
  stderr: TailBuffer;
}

const HELD_BYTES = 4 * 1024 * 1024;

/** Shows what the first run printed, when no second run will print it (the first was interrupted, or failed). */
function showHeld(held: HeldOutput): void {
  for (const [fd, buffer] of [[1, held.stdout], [2, held.stderr]] as const) {
    if (buffer.dropped > 0) process.stderr.write(`memprof top: the first ${buffer.dropped} bytes the first run wrote to ${fd === 1 ? 'stdout' : 'stderr'} are not kept:\n`);
    writeAllSync(fd, buffer.contents());
  }
}

/**
 * The first run as a child process, its output held back (the second run prints the same;
 * showing both printed everything twice). Ctrl+C in a terminal reaches the whole process
 * group, the child included; a signal sent to memprof alone (`kill`, a supervisor,
 * `timeout`) is passed on, or the child would run on and memprof wait forever. SIGINT is
 * passed on only without a terminal, so that one Ctrl+C stays one SIGINT for the program.
 */
function runFirstPass(argv: string[]): Promise<{ status: number | null; signal: NodeJS.Signals | null; held: HeldOutput }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, argv, { stdio: ['inherit', 'pipe', 'pipe'] });
    const held: HeldOutput = { stdout: new TailBuffer(HELD_BYTES), stderr: new TailBuffer(HELD_BYTES) };
    child.stdout!.on('data', (chunk: Buffer) => held.stdout.push(chunk));
    child.stderr!.on('data', (chunk: Buffer) => held.stderr.push(chunk));
    process.stderr.write(`memprof top: first run (discovery) as pid ${child.pid}: its output is held back, the second run shows it\n`);
    const forward = (signal: NodeJS.Signals): void => {
      if (signal === 'SIGINT' && isatty(0)) return;
      child.kill(signal);
    };
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    const settle = (): void => {
      process.removeListener('SIGINT', forward);
      process.removeListener('SIGTERM', forward);
    };
    child.on('error', (err) => {
      settle();
      reject(err);
    });
    child.on('close', (status, signal) => {
      settle();
      resolve({ status, signal, held });
    });
  });
}

/**
 * --second-pass: the first run (a child process, same arguments) only discovers; this
 * process then runs the program again with the top functions instrumented as they load.
 */
async function runTwoPasses(options: TopOptions): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memprof-top-'));
  const out = path.join(dir, 'first-pass.json');
  try {
    const bin = path.join(__dirname, '..', '..', 'bin', 'memprof.js');
    const args = [bin, 'top', '--first-pass-out', out, '--sampling-interval', String(options.samplingInterval)];
    if (options.includeDeps) args.push('--include-deps');
    if (options.fast) args.push('--fast');
    if (options.durationMs !== undefined) args.push('--duration', String(options.durationMs / 1000));
    const child = await runFirstPass([...process.execArgv, ...args, '--', options.script, ...options.args]);
    let first: FirstPass;
    try {
      first = JSON.parse(fs.readFileSync(out, 'utf8')) as FirstPass;
    } catch {
      showHeld(child.held);
      throw new Error(`the first run wrote no profile (it ended ${child.signal ? `by ${child.signal}` : `with status ${child.status}`})`);
    }
    if (child.signal === 'SIGINT' || child.signal === 'SIGTERM') {
      // No second run: the first run's output is the program's only output.
      showHeld(child.held);
      // Interrupted: no second run; the report has the first run's figures.
      const analysisOptions: AnalysisOptions = { ownDirs: ownDirs(), includeDeps: options.includeDeps };
      const analysis = analyse(first.raw, analysisOptions);
      options.onReport({
        tool: 'memprof',
        version: VERSION,
        mode: 'top',
        command: [path.basename(options.script), ...options.args].join(' '),
        ended: first.ended,
        durationMs: first.durationMs,
        samplingInterval: options.samplingInterval,
        profile: analysis,
        zoomed: pickZoomTargets(analysis, options.top)
          .map((k) => analysis.byKey.get(k))
          .filter((f): f is TopFunction => f !== undefined)
          .map((f) => ({ ...f, reason: 'the first run was interrupted: no second run' })),
        timeline: first.timeline,
        raw: withoutOwnFrames(first.raw, analysisOptions),
      });
      process.kill(process.pid, child.signal);
      return;
    }
    await runOnce(options, first);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
