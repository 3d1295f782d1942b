import type { ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { checkBackendName, createMeter, defaultBackend, type BackendName, type Meter } from '../meter';
import { addonMissingMessage, requireAddon, tryAddon, type ChildRss } from '../native';
import { descendants, rss } from '../rss';
import { Sampler } from '../sampler';
import { childRecord, memRecord } from '../timeline/dat';
import { UsageError } from '../errors';
import { spawnFailure } from '../util/spawn-failure';

/** A value with the time it was seen: [bytes, epoch seconds]. */
export type TimedValue = [bytes: number, epochSeconds: number];

/** `multiprocess: true`: the main process's series and one series per descendant process. */
export interface MultiprocessUsage<V> {
  /** The target process (plus its descendants when `includeChildren`). */
  main: V[];
  /** Every descendant seen while sampling, in order of first appearance; a child's series
   * starts when it was first seen and ends when it exited. */
  children: Array<{ pid: number; values: V[] }>;
}

/** How a process target ended (for `retval` with a command or a ChildProcess). */
export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** True when memoryUsage stopped the command itself at `timeout`. */
  timedOut: boolean;
}

export interface MemoryUsageOptions {
  /** Seconds between two values; default 0.1. */
  interval?: number;
  /** Seconds to sample for. Without it, -1 or a pid gives one value, a function is sampled
   * until it settles and a process until it exits. A function always runs to the end; a
   * command memoryUsage started is sent SIGTERM at the timeout. */
  timeout?: number;
  /** Give `[bytes, epoch seconds]` pairs instead of bytes. */
  timestamps?: boolean;
  /** Add the RSS of every descendant process to each value. */
  includeChildren?: boolean;
  /** Give one series per descendant process besides the main one (see MultiprocessUsage). */
  multiprocess?: boolean;
  /** Give only the highest value, one number in bytes. */
  maxUsage?: boolean;
  /** Give `[usage, returned]`: the function's (awaited) return value, a process's ExitStatus. */
  retval?: boolean;
  /** What to measure: native (default), process, heap, uss, pss. Only `native` can sample
   * another process, children or a synchronous function while it runs. */
  backend?: BackendName;
  /** Also write each value as it is taken in mprof's format (`MEM <MiB> <epoch s>`, and
   * `CHLD <pid> <MiB> <epoch s>` with multiprocess). */
  stream?: { write(text: string): unknown };
}

type AnyFunction = (...args: any[]) => unknown;

/** Everything `memoryUsage` accepts as a target. */
export type MemoryUsageTarget =
  | number
  | AnyFunction
  | readonly [AnyFunction]
  | readonly [AnyFunction, readonly unknown[]]
  | ChildProcess
  | readonly string[];

// Each option known true, known false (or absent), or only known as a boolean (then both).
type Flag<O, K extends string> = K extends keyof O ? (O[K] extends true ? 'on' : O[K] extends false | undefined ? 'off' : 'either') : 'off';
type Pick2<F, On, Off> = F extends 'on' ? On : F extends 'off' ? Off : On | Off;
type ValueOf<O> = Pick2<Flag<O, 'timestamps'>, TimedValue, number>;
type SeriesOf<O> = Pick2<Flag<O, 'multiprocess'>, MultiprocessUsage<ValueOf<O>>, ValueOf<O>[]>;
type UsageOf<O> = Pick2<Flag<O, 'maxUsage'>, number, SeriesOf<O>>;
type ReturnedBy<T> = T extends AnyFunction
  ? Awaited<ReturnType<T>>
  : T extends readonly [infer F, ...unknown[]]
    ? F extends AnyFunction
      ? Awaited<ReturnType<F>>
      : ExitStatus
    : T extends number
      ? undefined
      : ExitStatus;
/** What `memoryUsage(target, options)` resolves to for these options. */
export type MemoryUsageResult<O, T = unknown> = Pick2<Flag<O, 'retval'>, [UsageOf<O>, ReturnedBy<T>], UsageOf<O>>;

const OPTION_NAMES = ['interval', 'timeout', 'timestamps', 'includeChildren', 'multiprocess', 'maxUsage', 'retval', 'backend', 'stream'];
const TARGET_FORMS = '-1 (this process), a pid, a function, [function, args], a ChildProcess or a command array such as ["node", "app.js"]';

// Values are the highest reading within each interval, read this often, so a spike
// between two values still shows. Reading descendants walks /proc: less often.
const SPIKE_READ_MS = 1;
const SPIKE_READ_WITH_CHILDREN_MS = 5;
// How often buffered samples are moved out of the sampler while the event loop is free:
// rarely enough to make little garbage in the measured process, often enough to notice
// a sampled pid exit soon.
const DRAIN_MS = 200;
// How long a child that could not be read is given to report its exit.
const EXIT_GRACE_MS = 1000;
// How long a command stopped at the timeout has to exit before SIGKILL.
const KILL_GRACE_MS = 5000;

interface Checked {
  intervalMs: number;
  timeoutMs: number | undefined;
  timestamps: boolean;
  includeChildren: boolean;
  multiprocess: boolean;
  maxUsage: boolean;
  retval: boolean;
  backend: BackendName;
  stream: { write(text: string): unknown } | undefined;
}

function checkSeconds(name: string, value: unknown, min: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new TypeError(`${name} must be a finite number of seconds, got ${String(value)}`);
  }
  if (value < min) throw new RangeError(`${name} must be at least ${min} s, got ${value}`);
  return value * 1000;
}

function checkOptions(options: MemoryUsageOptions | undefined): Checked {
  const o = options ?? {};
  if (o === null || typeof o !== 'object' || Array.isArray(o)) throw new TypeError('memoryUsage options must be an object');
  for (const key of Object.keys(o)) {
    if (!OPTION_NAMES.includes(key)) {
      throw new TypeError(`unknown memoryUsage option "${key}": valid options are ${OPTION_NAMES.join(', ')}`);
    }
  }
  for (const name of ['timestamps', 'includeChildren', 'multiprocess', 'maxUsage', 'retval'] as const) {
    if (o[name] !== undefined && typeof o[name] !== 'boolean') throw new TypeError(`${name} must be a boolean, got ${String(o[name])}`);
  }
  if (o.stream !== undefined && (o.stream === null || typeof o.stream.write !== 'function')) {
    throw new TypeError('stream must be a writable stream (an object with a write method)');
  }
  if (o.backend !== undefined && typeof o.backend !== 'string') throw new TypeError(`backend must be a string, got ${String(o.backend)}`);
  return {
    intervalMs: checkSeconds('interval', o.interval, 0.0001) ?? 100,
    timeoutMs: checkSeconds('timeout', o.timeout, 0),
    timestamps: o.timestamps ?? false,
    includeChildren: o.includeChildren ?? false,
    multiprocess: o.multiprocess ?? false,
    maxUsage: o.maxUsage ?? false,
    retval: o.retval ?? false,
    backend: o.backend === undefined ? defaultBackend() : checkNamedBackend(o.backend),
    stream: o.stream,
  };
}

/** A backend the caller named: `native` where the addon cannot load is a UsageError saying how to build it. */
function checkNamedBackend(name: string): BackendName {
  const backend = checkBackendName(name);
  if (backend === 'native') requireAddon();
  return backend;
}

type Target =
  | { kind: 'pid'; pid: number }
  | { kind: 'function'; fn: AnyFunction; args: readonly unknown[] }
  | { kind: 'child'; child: ChildProcess }
  | { kind: 'command'; command: readonly string[] };

function classify(target: unknown): Target {
  if (target === -1) return { kind: 'pid', pid: process.pid };
  if (typeof target === 'number') {
    if (Number.isInteger(target) && target > 0 && target <= 0x7fffffff) return { kind: 'pid', pid: target };
    throw new TypeError(`memoryUsage target ${target} is not a pid: expected ${TARGET_FORMS}`);
  }
  if (typeof target === 'function') return { kind: 'function', fn: target as AnyFunction, args: [] };
  // node:child_process loads here, not with require('memprof').
  if (target instanceof (require('node:child_process') as typeof import('node:child_process')).ChildProcess) return { kind: 'child', child: target };
  if (Array.isArray(target) && typeof target[0] === 'function') {
    const args: unknown = target[1] ?? [];
    if (target.length > 2 || !Array.isArray(args)) {
      throw new TypeError('a function target is [function] or [function, args] with args an array');
    }
    return { kind: 'function', fn: target[0] as AnyFunction, args };
  }
  if (Array.isArray(target) && target.length > 0 && target.every((a) => typeof a === 'string') && target[0] !== '') {
    return { kind: 'command', command: target };
  }
  throw new TypeError(`memoryUsage cannot measure ${describe(target)}: expected ${TARGET_FORMS}`);
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return value.length === 0 ? 'an empty array' : 'an array that is neither [function, args] nor a command of strings';
  return value === null ? 'null' : typeof value === 'object' ? 'this object' : `${typeof value} ${String(value)}`;
}

/**
 * Builds the series as values arrive: the first reading is a value of its own (the memory
 * before), after it each value is the highest reading within one interval, stamped with
 * the time it was seen.
 */
class Series {
  readonly main: TimedValue[] = [];
  readonly children = new Map<number, TimedValue[]>();
  private bucketEnd = -Infinity;
  private bucketMain: TimedValue | null = null;
  private bucketChildren = new Map<number, TimedValue>();

  constructor(
    private readonly intervalMs: number,
    private readonly deadline: number,
    private readonly options: Checked,
  ) {}

  /** One reading: `own` is the target's own RSS, `children` its descendants' (when read). */
  add(time: number, own: number, children: readonly ChildRss[] | undefined): void {
    if (time > this.deadline) return;
    let total = own;
    if (this.options.includeChildren && children) for (const c of children) total += c.rss;
    if (this.bucketEnd === -Infinity) {
      // The first reading is a value of its own, and the intervals start from it.
      this.bucketEnd = time;
      this.emit([total, time], new Map(this.options.multiprocess && children ? children.map((c) => [c.pid, [c.rss, time]]) : []));
      return;
    }
    if (time > this.bucketEnd) {
      this.flush();
      // Intervals without readings (the event loop or the sampler was held up) are skipped.
      this.bucketEnd += Math.ceil((time - this.bucketEnd) / this.intervalMs) * this.intervalMs;
    }
    if (!this.bucketMain || total > this.bucketMain[0]) this.bucketMain = [total, time];
    if (this.options.multiprocess && children) {
      for (const c of children) {
        const held = this.bucketChildren.get(c.pid);
        if (!held || c.rss > held[0]) this.bucketChildren.set(c.pid, [c.rss, time]);
      }
    }
  }

  /** Emits the interval in progress, if it holds a reading. */
  flush(): void {
    if (this.bucketMain) this.emit(this.bucketMain, this.bucketChildren);
    this.bucketMain = null;
    this.bucketChildren = new Map();
  }

  private emit(main: TimedValue, children: Map<number, TimedValue>): void {
    const stream = this.options.stream;
    this.main.push([main[0], main[1] / 1000]);
    stream?.write(memRecord(main[0], main[1]));
    for (const [pid, value] of children) {
      let series = this.children.get(pid);
      if (!series) this.children.set(pid, (series = []));
      series.push([value[0], value[1] / 1000]);
      stream?.write(childRecord(pid, value[0], value[1]));
    }
  }

  result(): unknown {
    const { timestamps, multiprocess, maxUsage } = this.options;
    // A process that exited before its first reading has no values: its maximum is 0.
    if (maxUsage) return this.main.reduce((max, [bytes]) => Math.max(max, bytes), 0);
    const shape = (values: TimedValue[]) => (timestamps ? values : values.map(([bytes]) => bytes));
    if (!multiprocess) return shape(this.main);
    return {
      main: shape(this.main),
      children: [...this.children].map(([pid, values]) => ({ pid, values: shape(values) })),
    };
  }
}

/** Reads of the target while sampling: the native sampler thread, or a JavaScript timer
 * over a meter for the backends that measure this process in JavaScript. */
interface Reader {
  start(): void;
  /** Moves readings into the series; false once the sampled process has exited. */
  drain(): boolean;
  stop(): void;
}

/** Epoch milliseconds with a fraction, like the sampler's sample times. */
function epochMs(): number {
  return performance.timeOrigin + performance.now();
}

function nativeReader(pid: number, series: Series, options: Checked): Reader {
  const withChildren = options.includeChildren || options.multiprocess;
  const readMs = Math.min(options.intervalMs, withChildren ? SPIKE_READ_WITH_CHILDREN_MS : SPIKE_READ_MS);
  const sampler = new Sampler({ pid, intervalMs: readMs, includeChildren: withChildren, keepSamples: true });
  const drain = (): boolean => {
    for (const s of sampler.samples()) {
      // An exited child reads 0 until it is reaped: not a value.
      if (s.rss > 0 || pid === process.pid) series.add(s.time, s.rss, s.children);
    }
    return sampler.running;
  };
  return {
    start: () => {
      // The thread's first sample may come after a quick function has already returned.
      const { own, children } = readNow(pid, options);
      if (own > 0 || pid === process.pid) series.add(epochMs(), own, children);
      sampler.start();
    },
    drain,
    stop: () => {
      sampler.stop();
      drain();
    },
  };
}

function meterReader(meter: Meter, series: Series, intervalMs: number): Reader {
  let timer: NodeJS.Timeout | undefined;
  const read = () => series.add(epochMs(), meter.read(), undefined);
  return {
    start: () => {
      read();
      timer = setInterval(read, intervalMs);
    },
    drain: () => true,
    stop: () => clearInterval(timer),
  };
}

/** Throws unless the backend can measure `pid` as asked: only the native one reaches
 * other processes and children. */
function checkReach(pid: number, options: Checked): void {
  if (options.backend === 'native') return;
  if (pid !== process.pid || options.includeChildren || options.multiprocess) {
    const why = tryAddon() ? `the ${options.backend} backend measures this process only` : addonMissingMessage();
    throw new UsageError(`memoryUsage of another process or of child processes needs the native backend: ${why}`);
  }
}

function createReader(pid: number, series: Series, options: Checked): Reader {
  checkReach(pid, options);
  if (options.backend === 'native') return nativeReader(pid, series, options);
  return meterReader(createMeter(options.backend), series, options.intervalMs);
}

/** One reading now: the target's own value and, when asked for, its descendants. */
function readNow(pid: number, options: Checked): { own: number; children: ChildRss[] | undefined } {
  checkReach(pid, options);
  if (options.backend !== 'native') return { own: createMeter(options.backend).read(), children: undefined };
  const own = rss(pid);
  return { own, children: options.includeChildren || options.multiprocess ? descendants(pid) : undefined };
}

/** Drains the reader every DRAIN_MS until `until` settles, the deadline passes or the
 * sampled process exits; resolves with `until`'s value ('deadline' / 'exited' otherwise). */
async function sampleUntil<T>(reader: Reader, deadlineMs: number, until: Promise<T> | null): Promise<{ value: T } | 'deadline' | 'exited'> {
  let timer: NodeJS.Timeout | undefined;
  const stopped = new Promise<'deadline' | 'exited'>((resolve) => {
    const tick = () => {
      if (!reader.drain()) return resolve('exited');
      const left = deadlineMs - Date.now();
      if (left <= 0) return resolve('deadline');
      timer = setTimeout(tick, Math.min(DRAIN_MS, left));
      if (until) timer.unref();
    };
    timer = setTimeout(tick, Math.min(DRAIN_MS, Math.max(0, deadlineMs - Date.now())));
    // A function's own pending work keeps the process alive, not the sampling.
    if (until) timer.unref();
  });
  try {
    if (!until) return await stopped;
    // Keep draining while `until` is pending, but only `until` ends a function's run.
    return { value: await until };
  } finally {
    clearTimeout(timer);
  }
}

async function measureFunction(fn: AnyFunction, args: readonly unknown[], options: Checked): Promise<{ series: Series; returned: unknown }> {
  const deadline = options.timeoutMs === undefined ? Infinity : Date.now() + options.timeoutMs;
  const series = new Series(options.intervalMs, deadline, options);
  const reader = createReader(process.pid, series, options);
  reader.start();
  let returned: unknown;
  try {
    // Called synchronously so a synchronous function runs inside the sampling window.
    const call = Promise.resolve(fn(...args));
    const outcome = await sampleUntil(reader, Infinity, call);
    returned = (outcome as { value: unknown }).value;
  } finally {
    reader.stop();
  }
  if (Date.now() <= deadline) {
    // The memory after the call, as memory_profiler ends a function's series.
    series.flush();
    const { own, children } = readNow(process.pid, options);
    series.add(epochMs(), own, children);
    series.flush();
  }
  return { series, returned };
}

/** One value now, without sampling (-1 or a pid without timeout). */
function measureOnce(pid: number, options: Checked): Series {
  const series = new Series(options.intervalMs, Infinity, options);
  const { own, children } = readNow(pid, options);
  series.add(epochMs(), own, children);
  return series;
}

async function measurePid(pid: number, options: Checked): Promise<Series> {
  if (options.timeoutMs === undefined) return measureOnce(pid, options);
  if (options.backend === 'native') rss(pid); // a missing pid throws, saying so
  const deadline = Date.now() + options.timeoutMs;
  const series = new Series(options.intervalMs, deadline, options);
  const reader = createReader(pid, series, options);
  reader.start();
  try {
    await sampleUntil(reader, deadline, null);
  } finally {
    reader.stop();
  }
  series.flush();
  return series;
}

function startCommand(command: readonly string[]): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const { spawn } = require('node:child_process') as typeof import('node:child_process');
    const child = spawn(command[0], command.slice(1), { stdio: 'inherit' });
    child.once('spawn', () => resolve(child));
    child.once('error', (err) => reject(new Error(`memoryUsage cannot run ${JSON.stringify(command[0])}: ${spawnFailure(err, command[0])}`)));
  });
}

async function measureChild(child: ChildProcess, owned: boolean, options: Checked): Promise<{ series: Series; returned: ExitStatus }> {
  if (child.exitCode !== null || child.signalCode !== null) {
    throw new Error(`memoryUsage cannot sample child process ${child.pid}: it has already exited`);
  }
  if (child.pid === undefined) throw new Error('memoryUsage cannot sample a ChildProcess that did not start (it has no pid)');
  const exited = new Promise<ExitStatus>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal, timedOut: false })),
  );
  const deadline = options.timeoutMs === undefined ? Infinity : Date.now() + options.timeoutMs;
  const series = new Series(options.intervalMs, deadline, options);
  const reader = createReader(child.pid, series, options);
  try {
    reader.start();
  } catch (err) {
    // A quick program can be gone before its first reading: that is no error.
    const gone = await Promise.race([exited, new Promise<null>((resolve) => setTimeout(resolve, EXIT_GRACE_MS, null))]);
    if (!gone) throw err;
    return { series, returned: gone };
  }
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    if (deadline !== Infinity) timer = setTimeout(() => resolve('timeout'), options.timeoutMs);
  });
  let status: ExitStatus | null = null;
  try {
    const first = await sampleUntil(reader, Infinity, Promise.race([exited, timedOut]));
    if (typeof first === 'object' && first.value !== 'timeout') status = first.value;
  } finally {
    clearTimeout(timer);
    reader.stop();
  }
  series.flush();
  if (!status) {
    // Timed out: a command we started is ours to stop; a ChildProcess the caller gave keeps running.
    if (owned) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
      status = { ...(await exited), timedOut: true };
      clearTimeout(killer);
    } else {
      status = { code: null, signal: null, timedOut: true };
    }
  }
  return { series, returned: status };
}

/**
 * memory_profiler's `memory_usage` for Node, values in bytes. Samples the memory of this
 * process (`-1`), another process (a pid), a function's single run (`fn` or `[fn, args]`;
 * awaited; its errors propagate), a ChildProcess until it exits, or a command it starts
 * (`['node', 'app.js']`, stdio inherited) until it exits.
 *
 * With the native backend a sampler thread reads every millisecond and each value is the
 * highest reading of its interval, so a spike between two values is not lost. Without
 * `timeout`, `-1` or a pid gives one value in an array.
 */
export async function memoryUsage<const T extends MemoryUsageTarget, const O extends MemoryUsageOptions = {}>(
  target: T,
  options?: O,
): Promise<MemoryUsageResult<O, T>> {
  const checked = checkOptions(options);
  const kind = classify(target);
  let series: Series;
  let returned: unknown;
  switch (kind.kind) {
    case 'pid':
      series = await measurePid(kind.pid, checked);
      break;
    case 'function':
      ({ series, returned } = await measureFunction(kind.fn, kind.args, checked));
      break;
    case 'child':
      ({ series, returned } = await measureChild(kind.child, false, checked));
      break;
    case 'command': {
      const child = await startCommand(kind.command);
      ({ series, returned } = await measureChild(child, true, checked));
      break;
    }
  }
  const usage = series.result();
  return (checked.retval ? [usage, returned] : usage) as MemoryUsageResult<O, T>;
}
