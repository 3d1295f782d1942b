import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as vm from 'node:vm';
import { callListener } from './call-events';
import { printProbedCrashesAsWritten } from './probed-crash';
import { PROBE_BINDING, PROBE_GLOBAL, PROBE_KIND, parseFunctionKey } from './probe-key';
import { createMeter, type BackendName, type Meter } from '../meter';
import { createVectorMeter, FIGURE_EXTERNAL, FIGURE_HEAP, FIGURE_RSS, type VectorMeter } from '../meter/vector';
import { tryAddon, SHARED_LATEST, SHARED_PEAK, type NativeSampler } from '../native';
import { kernelPeak, type KernelPeak } from '../rss';
import { MiB } from '../units/size';
import { monotonicMs } from '../util/clock';

/**
 * The probes' side: per-function statistics in typed arrays, per-invocation frames in typed
 * arrays indexed by a frame number, and the memory reading. Nothing here allocates per line
 * event. One runtime per isolate (each worker has its own).
 */

/** exact: read the meter at every line event; fast: read the sampler's latest value (no call). */
export type TraceMode = 'exact' | 'fast';

export interface RuntimeConfig {
  backend?: BackendName;
  mode?: TraceMode;
  /** Add descendants' RSS (read from the sampler, so at its resolution). */
  includeChildren?: boolean;
  /** Sampler period in ms (peaks shorter than this may be missed by the sampler). */
  intervalMs?: number;
  /** Split every increment into heap, external and other (the vector meter). Default: on
   * with the native backend in exact mode; needs the native backend. */
  split?: boolean;
}

export interface FunctionStats {
  readonly id: number;
  readonly key: string;
  name: string;
  readonly file: string;
  /** 1-based first and last line of the function in its file. */
  readonly line: number;
  readonly endLine: number;
  /** Per line (index = line - this.line): occurrences, highest value after, summed increment, highest peak. */
  readonly occ: Float64Array;
  readonly mem: Float64Array;
  readonly inc: Float64Array;
  readonly peak: Float64Array;
  /** Per line, summed like `inc`: V8 heap and external increments (zero without the split). */
  readonly heapInc: Float64Array;
  readonly extInc: Float64Array;
  calls: number;
  /** Highest value at entry, summed (exit - entry), highest value during calls. */
  entryMem: number;
  netInc: number;
  callPeak: number;
  /** Summed (exit - entry) of the heap and external figures. */
  netHeapInc: number;
  netExtInc: number;
  /** Duration of the latest outermost call (ms), -1 before the first. */
  lastCallMs: number;
  /** Invocations running now (recursion, interleaved async calls). */
  running: number;
  /** Figures of calls already reported one by one (report 'call'); the arrays above hold the rest. */
  earlier: CallFigures | null;
}

/** The additive and highest-of figures of a set of calls. */
export interface CallFigures {
  occ: Float64Array;
  mem: Float64Array;
  inc: Float64Array;
  peak: Float64Array;
  heapInc: Float64Array;
  extInc: Float64Array;
  calls: number;
  entryMem: number;
  netInc: number;
  callPeak: number;
  netHeapInc: number;
  netExtInc: number;
}

const SLACK = 1 * MiB; // the sampler's running peak is reset when it is this far above the current value

const functions: FunctionStats[] = [];
const byKey = new Map<string, number>();

/** Every frame ever made (the pool), and the free ones: a call allocates nothing. */
const frames: Frame[] = [];
const freeFrames: Frame[] = [];
/**
 * The frames whose code runs now, outermost first (a suspended async or generator call
 * leaves it until it resumes). A frame found below the top by one of its own probes had
 * callees that an exception left without their exit probe (the try-free form): they are
 * closed then (see unwindTo).
 */
const running: Frame[] = [];
let depth = 0;
let entries = 0;

let meter: Meter | null = null;
let sampler: NativeSampler | null = null;
let shared: Float64Array | null = null;
let mode: TraceMode = 'exact';
let childrenFromSampler = false;
let readMemory: () => number = () => 0;
/** [rss, heap, external] of the latest read; heap and external stay 0 without the split. */
let figures: Float64Array = new Float64Array(3);
let splitOn = false;
let backendName: BackendName = 'process';

/** Memory figure when over it: --break-at / --snapshot-at. */
let alarmAt = Infinity;
let onAlarm: ((bytes: number, fn: FunctionStats, line: number) => void) | null = null;
let onTopExit: ((fn: FunctionStats) => void) | null = null;

let configured: RuntimeConfig | null = null;

/**
 * The kernel's high-water mark (Linux VmHWM), read but never reset (others may rely on it):
 * when it rises during a top-level call, the call reached it, even if between two samples.
 * A read costs 10-30 us, so only calls of functions whose previous call lasted a millisecond
 * or more read it (first calls always do).
 */
let hwm: KernelPeak | null = null;
const HWM_MIN_CALL_MS = 1;

let deferred: RuntimeConfig | null = null;

/**
 * The settings the first profile() call configures with (the CLI's options): a program
 * that profiles nothing loads no addon and starts no sampler thread.
 */
export function configureOnFirstUse(config: RuntimeConfig): void {
  deferred = config;
}

/** The settings given to configureOnFirstUse, if any. */
export function deferredConfig(): RuntimeConfig | null {
  return deferred;
}

/** Chooses the meter and starts the sampler; the first call wins (later ones are ignored). */
export function configure(config: RuntimeConfig = {}): void {
  if (configured) return;
  configured = config;
  meter = createMeter(config.backend);
  backendName = meter.name;
  mode = config.mode ?? 'exact';
  const addon = tryAddon();
  const rssBased = backendName === 'native' || backendName === 'process';
  if (addon && rssBased) {
    sampler = new addon.Sampler({ intervalMs: config.intervalMs ?? 1, includeChildren: !!config.includeChildren, keepSamples: false });
    sampler.start();
    shared = sampler.shared;
    process.once('exit', stopSampler);
  }
  childrenFromSampler = !!config.includeChildren && shared !== null;
  if (rssBased && mode === 'exact' && !config.includeChildren) {
    const k = kernelPeak();
    if (k.read() >= 0) hwm = k;
  }
  if (config.includeChildren && !shared) {
    process.stderr.write(`memprof: --include-children needs the native addon and an RSS backend; children are not counted\n`);
  }
  const m = meter;
  // Fast mode and children: the sampler's latest value, read without a call.
  const fromSampler = childrenFromSampler || (mode === 'fast' && shared !== null);
  splitOn = config.split ?? (backendName === 'native' && mode === 'exact');
  if (splitOn && backendName !== 'native') {
    process.stderr.write(`memprof: the heap/external split needs the native backend (not "${backendName}"); rows show ${backendName} only\n`);
    splitOn = false;
  }
  if (splitOn) {
    const vector: VectorMeter = createVectorMeter();
    figures = vector.figures;
    const read = vector.read;
    const readKinds = vector.readKinds;
    readMemory = fromSampler
      ? () => {
          readKinds();
          return shared![SHARED_LATEST];
        }
      : () => {
          read();
          return figures[FIGURE_RSS];
        };
  } else {
    readMemory = fromSampler ? () => shared![SHARED_LATEST] : () => m.read();
  }
  install();
}

function stopSampler(): void {
  sampler?.stop();
}

/**
 * Stops the sampler and takes the probes off the global (`memprof attach` detaching from a
 * process that goes on running). Probed code still running holds its own reference to the
 * probes and finishes its call; new calls run the restored code.
 */
export function shutdown(): void {
  stopSampler();
  process.off('exit', stopSampler);
  delete (globalThis as Record<symbol, unknown>)[Symbol.for(PROBE_GLOBAL)];
  setBinding(undefined);
}

export function isConfigured(): boolean {
  return configured !== null;
}

export function activeBackend(): BackendName {
  return backendName;
}

/** Whether rows carry the heap/external split. */
export function splitActive(): boolean {
  return splitOn;
}

export function setAlarm(bytes: number, handler: (bytes: number, fn: FunctionStats, line: number) => void): void {
  alarmAt = bytes;
  onAlarm = handler;
}

/** Makes the next statement probe return true: the probed code then runs `debugger`. */
let pauseRequested = false;
/** Code ran since the latest reading though the next probe follows without code (a debugger pause, a call listener): n() reads. */
let readingStale = false;
export function pauseAtNextLine(): void {
  pauseRequested = true;
}

export function clearAlarm(): void {
  alarmAt = Infinity;
  onAlarm = null;
}

export function setTopLevelExitHandler(handler: ((fn: FunctionStats) => void) | null): void {
  onTopExit = handler;
}

/** Registers a function (idempotent per key) and returns its statistics. */
export function register(key: string, name?: string): FunctionStats {
  const known = byKey.get(key);
  if (known !== undefined) {
    if (name) functions[known].name = name;
    return functions[known];
  }
  const d = parseFunctionKey(key);
  const n = d.endLine - d.line + 1;
  const stats: FunctionStats = {
    id: functions.length,
    key,
    name: name ?? d.name,
    file: d.file,
    line: d.line,
    endLine: d.endLine,
    occ: new Float64Array(n),
    mem: new Float64Array(n).fill(-Infinity),
    inc: new Float64Array(n),
    peak: new Float64Array(n).fill(-Infinity),
    heapInc: new Float64Array(n),
    extInc: new Float64Array(n),
    calls: 0,
    entryMem: -Infinity,
    netInc: 0,
    callPeak: -Infinity,
    netHeapInc: 0,
    netExtInc: 0,
    lastCallMs: -1,
    running: 0,
    earlier: null,
  };
  functions.push(stats);
  byKey.set(key, stats.id);
  onRegister?.(stats);
  return stats;
}

let onRegister: ((stats: FunctionStats) => void) | null = null;

/** Called with each newly registered function (a worker shares its figures with the main thread). */
export function setRegisterListener(listener: ((stats: FunctionStats) => void) | null): void {
  onRegister = listener;
}

export function allFunctions(): readonly FunctionStats[] {
  return functions;
}

/** Forgets the figures of the functions at `ids` (default all); they stay profiled. */
export function resetStats(ids?: readonly number[]): void {
  for (const f of ids ? ids.map((id) => functions[id]) : functions) {
    clearFigures(f);
    // Cleared in place: a worker's may be shared memory the main thread reads.
    if (f.earlier) clearFigures(f.earlier);
  }
}

function clearFigures(f: CallFigures): void {
  f.occ.fill(0);
  f.mem.fill(-Infinity);
  f.inc.fill(0);
  f.peak.fill(-Infinity);
  f.heapInc.fill(0);
  f.extInc.fill(0);
  f.calls = 0;
  f.entryMem = -Infinity;
  f.netInc = 0;
  f.callPeak = -Infinity;
  f.netHeapInc = 0;
  f.netExtInc = 0;
}

/** The figures of `into` with those of `from` added (other threads' calls of the same function). */
export function merge(into: CallFigures, from: CallFigures): void {
  for (let i = 0; i < into.occ.length; i++) {
    into.occ[i] += from.occ[i];
    into.inc[i] += from.inc[i];
    into.heapInc[i] += from.heapInc[i];
    into.extInc[i] += from.extInc[i];
    if (from.mem[i] > into.mem[i]) into.mem[i] = from.mem[i];
    if (from.peak[i] > into.peak[i]) into.peak[i] = from.peak[i];
  }
  into.calls += from.calls;
  into.netInc += from.netInc;
  into.netHeapInc += from.netHeapInc;
  into.netExtInc += from.netExtInc;
  if (from.entryMem > into.entryMem) into.entryMem = from.entryMem;
  if (from.callPeak > into.callPeak) into.callPeak = from.callPeak;
}

export function copyFigures(f: CallFigures): CallFigures {
  return {
    occ: f.occ.slice(),
    mem: f.mem.slice(),
    inc: f.inc.slice(),
    peak: f.peak.slice(),
    heapInc: f.heapInc.slice(),
    extInc: f.extInc.slice(),
    calls: f.calls,
    entryMem: f.entryMem,
    netInc: f.netInc,
    callPeak: f.callPeak,
    netHeapInc: f.netHeapInc,
    netExtInc: f.netExtInc,
  };
}

/**
 * After a call was reported on its own (memory_profiler's decorator prints each call's
 * figures): moves the figures so far into `earlier`, so the next report starts afresh.
 */
export function setCallFiguresAside(fn: FunctionStats): void {
  if (fn.earlier) merge(fn.earlier, fn);
  else fn.earlier = copyFigures(fn);
  clearFigures(fn);
}

/** Every call's figures: those set aside and those since. */
export function allCallFigures(fn: FunctionStats): CallFigures {
  if (!fn.earlier) return fn;
  const all = copyFigures(fn.earlier);
  merge(all, fn);
  return all;
}

/** The line's starting sampler peak; resets the sampler's running peak when it is stale. */
function startPeak(frame: Frame, now: number): void {
  if (shared === null) return;
  let p = shared[SHARED_PEAK];
  if (p > now + SLACK) {
    // Other frames with a line open keep what the sampler saw before the reset.
    for (const g of frames) {
      if (g !== frame && g.active && g.line >= 0 && p > g.base && p > g.peak) g.peak = p;
    }
    sampler!.resetPeak();
    p = shared[SHARED_PEAK];
    for (const g of frames) if (g.active && g.base !== Infinity) g.base = p;
  }
  frame.base = p;
}

function alarm(bytes: number, fn: FunctionStats, i: number): void {
  const handler = onAlarm;
  clearAlarm();
  handler?.(bytes, fn, fn.line + i);
}

/** A statement probe's answer: true once when a pause was asked for (the code then runs `debugger`). */
function pauseHere(): boolean {
  if (!pauseRequested) return false;
  pauseRequested = false;
  readingStale = true; // whatever runs in the debugger is not the next line's
  return true;
}

/**
 * One invocation of a probed function: its state, and the probes its code calls through
 * its FrameProbe (`$mp$f(LINE)`). Frames are pooled, each with its probe: a call allocates
 * nothing.
 */
class Frame {
  fn: FunctionStats;
  /** Index of the open line, -1 none. */
  line = -1;
  /** Value when the open line started (or resumed). */
  before = 0;
  /** Highest value seen so far in the open line. */
  peak = 0;
  /** Sampler peak when the line (re)started; Infinity while suspended. */
  base = 0;
  entry = 0;
  // The heap and external figures of the open line and of the call, as before/entry.
  heapBefore = 0;
  extBefore = 0;
  heapEntry = 0;
  extEntry = 0;
  callPeak = 0;
  /** Kernel high-water mark at an outermost entry, -1 when not read. */
  hwm = -1;
  /** monotonicMs() at an outermost entry. */
  start = 0;
  /** The function's outermost invocation (no other of it running). */
  top = false;
  active = false;
  /** Order of entry: frames still open at exit close innermost first. */
  seq = 0;
  /** A plain `return` was probed (t()): the exit takes that reading. */
  exitReady = false;
  /** Its place in `running`, -1 when not there. */
  index = -1;
  /** What probed code calls (see FrameProbe). */
  readonly probe: FrameProbe;

  constructor(fn: FunctionStats) {
    this.fn = fn;
    this.probe = probeOf(this);
  }

  /**
   * Called when this frame is not the top of `running`: the frames above it were left by an
   * exception, closed at `now`. (-1: a frame of an async function or generator, never there.)
   * Callers test `running.length !== this.index + 1` first, inline (a call in every probe
   * measured 2-4 ns an event).
   */
  private unwindAbove(now: number): void {
    const i = this.index;
    if (i >= 0 && running[i] === this) unwindTo(i + 1, now);
  }

  /** Statement probe: closes the open line and opens `line`; true to pause there. */
  l(line: number): boolean {
    const now = readMemory();
    if (running.length !== this.index + 1) this.unwindAbove(now);
    this.next(line, now);
    return pauseHere();
  }

  /**
   * Statement probe right after another probe of this frame (the entry, a loop's pass, a
   * block's), no code between: that probe's reading is this one's (`figures` still hold it).
   */
  n(line: number): boolean {
    const now = readingStale ? readMemory() : this.before;
    readingStale = false;
    // No code since this frame's previous probe, which found it on top: no test.
    this.next(line, now);
    return pauseHere();
  }

  /** Line probe inside an expression (no `debugger` can follow it): a pause waits for the next statement. */
  m(line: number): void {
    const now = readMemory();
    if (running.length !== this.index + 1) this.unwindAbove(now);
    this.next(line, now);
  }

  /** Statement probe of a `return` whose value runs no code: the exit that follows takes this reading. */
  t(line: number): boolean {
    const now = readMemory();
    if (running.length !== this.index + 1) this.unwindAbove(now);
    this.next(line, now);
    this.exitReady = true;
    return pauseHere();
  }

  /** t() in a function without a finally block (the try-free form): the call ends here. */
  u(line: number): boolean {
    const pause = this.t(line);
    this.x();
    return pause;
  }

  /** Before an await/yield: keep what the line did so far; other code runs next. */
  s<T>(value: T): T {
    const now = readMemory();
    if (this.line >= 0) {
      // What the line did so far counts now: the row adds the rest after the resume.
      const fn = this.fn;
      const i = this.line;
      fn.inc[i] += now - this.before;
      fn.heapInc[i] += figures[FIGURE_HEAP] - this.heapBefore;
      fn.extInc[i] += figures[FIGURE_EXTERNAL] - this.extBefore;
      let lp = this.peak;
      if (now > lp) lp = now;
      if (shared !== null) {
        const p = shared[SHARED_PEAK];
        if (p > this.base && p > lp) lp = p;
      }
      this.peak = lp;
    }
    this.base = Infinity;
    return value;
  }

  /** After an await/yield resumed: the line goes on from here. */
  r<T>(value: T): T {
    const now = readMemory();
    this.before = now;
    this.heapBefore = figures[FIGURE_HEAP];
    this.extBefore = figures[FIGURE_EXTERNAL];
    startPeak(this, now);
    return value;
  }

  /** Exit probe (a finally block, or the end of a try-free body): closes the open line and the call. */
  x(): void {
    if (!this.active) return; // finished already (finishOpenFrames at exit)
    const now = this.exitReady && !readingStale ? this.before : readMemory();
    const i = this.index;
    if (i >= 0 && running[i] === this) {
      if (running.length !== i + 1) unwindTo(i + 1, now);
      running.pop();
    }
    this.finish(now);
  }

  /** Ends the call at `now`: its exit, or, for a frame an exception left, the moment that was noticed. */
  finish(now: number): void {
    this.index = -1;
    this.exitReady = false;
    const fn = this.fn;
    if (this.line >= 0) this.close(fn, this.line, now);
    fn.calls++;
    fn.running--;
    if (this.entry > fn.entryMem) fn.entryMem = this.entry;
    fn.netInc += now - this.entry;
    fn.netHeapInc += figures[FIGURE_HEAP] - this.heapEntry;
    fn.netExtInc += figures[FIGURE_EXTERNAL] - this.extEntry;
    if (this.top && hwm !== null) {
      fn.lastCallMs = monotonicMs() - this.start;
      if (this.hwm >= 0) {
        const h = hwm.read();
        if (h > this.hwm && h > this.callPeak) this.callPeak = h;
      }
    }
    if (this.callPeak > fn.callPeak) fn.callPeak = this.callPeak;
    this.active = false;
    this.line = -1;
    freeFrames.push(this);
    const top = this.top;
    const listener = callListener();
    if (listener) listener({ kind: 'exit', name: qualifiedName(fn), file: fn.file, depth, time: Date.now(), mem: now });
    depth--;
    if (top && onTopExit) onTopExit(fn);
  }

  /** Closes the open line at `now` and opens `line`. */
  private next(line: number, now: number): void {
    const fn = this.fn;
    const open = this.line;
    if (open >= 0) this.close(fn, open, now);
    const i = line - fn.line;
    fn.occ[i]++;
    this.line = i;
    this.before = now;
    if (splitOn) {
      this.heapBefore = figures[FIGURE_HEAP];
      this.extBefore = figures[FIGURE_EXTERNAL];
    }
    this.peak = now;
    startPeak(this, now);
  }

  private close(fn: FunctionStats, i: number, now: number): void {
    fn.inc[i] += now - this.before;
    if (splitOn) {
      fn.heapInc[i] += figures[FIGURE_HEAP] - this.heapBefore;
      fn.extInc[i] += figures[FIGURE_EXTERNAL] - this.extBefore;
    }
    if (now > fn.mem[i]) fn.mem[i] = now;
    let lp = this.peak;
    if (now > lp) lp = now;
    if (shared !== null) {
      const p = shared[SHARED_PEAK];
      if (p > this.base && lp < p) lp = p;
    }
    if (lp > fn.peak[i]) fn.peak[i] = lp;
    if (lp > this.callPeak) this.callPeak = lp;
    if (lp >= alarmAt) alarm(lp, fn, i);
  }
}

export type { Frame };

/**
 * What probed code holds in its one local, `$mp$f`, and calls: a function, so that a probe
 * call costs the frame one temporary (the argument) and no receiver. `$mp$f(line)` is a
 * statement probe, `$mp$f(-line)` one right after another probe, `$mp$f(line, kind)` the
 * others (PROBE_KIND), `$mp$f()` the exit; `s` and `r` (async functions and generators
 * only) wrap an await or yield's operand and result.
 */
export interface FrameProbe {
  (line?: number, kind?: number): boolean;
  s<T>(value: T): T;
  r<T>(value: T): T;
}

function probeOf(frame: Frame): FrameProbe {
  const probe = ((line?: number, kind?: number): boolean => {
    if (line === undefined) {
      frame.x();
      return false;
    }
    if (kind === undefined) return line > 0 ? frame.l(line) : frame.n(-line);
    if (kind === PROBE_KIND.expression) {
      frame.m(line);
      return false;
    }
    return kind === PROBE_KIND.returnExit ? frame.u(line) : frame.t(line);
  }) as FrameProbe;
  return probe;
}

/** The suspend and resume probes, on the frames of async functions and generators only (a frame is smaller without). */
function canSuspend(frame: Frame): void {
  const probe = frame.probe;
  if (probe.s !== undefined) return;
  probe.s = (value) => frame.s(value);
  probe.r = (value) => frame.r(value);
}

/**
 * Closes the running frames from `index` up, innermost first, at `now`: their calls ended
 * by an exception that the try-free form does not see (no finally block), noticed now by a
 * probe of a frame below them.
 */
function unwindTo(index: number, now: number): void {
  while (running.length > index) {
    const frame = running.pop()!;
    if (frame.active) frame.finish(now);
  }
}

/**
 * Frames an exception left with no profiled frame below them (caught by unprofiled code)
 * wait for exit. When they could be many (a loop that catches), the running frames are
 * closed at the next microtask: it runs with no synchronous frame on the stack, so every
 * frame still in `running` then was left. Only past this many, so that a program sees no
 * microtask of memprof's (async_hooks) in ordinary runs.
 */
const SWEEP_AT = 4096;
let sweepQueued = false;

function sweep(): void {
  sweepQueued = false;
  if (running.length > 0) unwindTo(0, readMemory());
}

/**
 * Entry probe: a frame for this invocation (from the pool); probed code keeps its probe.
 * `suspends`: an async function or generator, whose frame stays out of `running` (its calls
 * interleave, and its finally block always closes it).
 */
function enter(key: string, suspends?: number): FrameProbe {
  let id = byKey.get(key);
  if (id === undefined) id = register(key).id;
  const fn = functions[id];
  const now = readMemory();
  let frame = freeFrames.pop();
  if (frame === undefined) {
    frame = new Frame(fn);
    frames.push(frame);
  }
  frame.fn = fn;
  frame.line = -1;
  frame.before = now;
  frame.entry = now;
  frame.heapEntry = frame.heapBefore = figures[FIGURE_HEAP];
  frame.extEntry = frame.extBefore = figures[FIGURE_EXTERNAL];
  frame.callPeak = now;
  frame.top = fn.running === 0;
  fn.running++;
  frame.hwm = -1;
  if (frame.top && hwm !== null) {
    if (fn.lastCallMs < 0 || fn.lastCallMs >= HWM_MIN_CALL_MS) frame.hwm = hwm.read();
    frame.start = monotonicMs();
  }
  frame.active = true;
  frame.exitReady = false;
  frame.seq = ++entries;
  if (suspends === undefined) {
    frame.index = running.length;
    running.push(frame);
    if (frame.index >= SWEEP_AT && !sweepQueued) {
      sweepQueued = true;
      queueMicrotask(sweep);
    }
  } else {
    frame.index = -1;
    canSuspend(frame);
  }
  startPeak(frame, now);
  depth++;
  const listener = callListener();
  if (listener) {
    listener({ kind: 'enter', name: qualifiedName(fn), file: fn.file, depth, time: Date.now(), mem: now });
    readingStale = true; // the listener's memory is memprof's
  }
  return frame.probe;
}

/**
 * Closes every invocation still running (innermost first), as if it returned now: at
 * process exit or on a signal, the lines that were running still get their rows.
 */
export function finishOpenFrames(): void {
  for (const frame of frames.filter((f) => f.active).sort((a, b) => b.seq - a.seq)) frame.x();
  running.length = 0;
}

/** "<file basename without extension>.<name>", as mprof's FUNC lines. */
export function qualifiedName(fn: FunctionStats): string {
  return `${path.basename(fn.file).replace(/\.[^.]*$/, '')}.${fn.name}`;
}

/** What probed code finds on the global: the entry probe, which gives the invocation's frame. */
export const probes = { e: enter };

/** Puts the probes where instrumented code finds them. */
function install(): void {
  Object.defineProperty(globalThis, Symbol.for(PROBE_GLOBAL), { value: probes, configurable: true, enumerable: false, writable: false });
  setBinding(enter);
  printProbedCrashesAsWritten(inProbedFunction);
}

/** Whether a line of a file (by its path) is in a probed function that has run: its text there holds probes. */
function inProbedFunction(file: string, line: number): boolean {
  for (const fn of functions) {
    // Source-mapped code: the rows' lines are the original file's; the stack names the generated.
    const key = parseFunctionKey(fn.key);
    const [from, to] = key.generatedLine !== undefined ? [key.generatedLine, key.generatedEndLine!] : [key.line, key.endLine];
    if (from <= line && line <= to && (key.file === file || key.file === pathToFileURL(file).href)) return true;
  }
  return false;
}

let assignBinding: ((value: unknown) => void) | null = null;

/** Sets PROBE_BINDING, declaring it (once per thread: an earlier runtime may have) on first use. */
function setBinding(value: unknown): void {
  if (assignBinding === null) {
    try {
      vm.runInThisContext(`let ${PROBE_BINDING};`);
    } catch {
      // Declared already by a runtime loaded before this one (attach, twice).
    }
    try {
      assignBinding = vm.runInThisContext(`(value) => { ${PROBE_BINDING} = value; }`) as (value: unknown) => void;
    } catch {
      return; // no binding (code generation refused): probed code uses the symbol
    }
  }
  assignBinding(value);
}
