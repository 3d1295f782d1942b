import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { pairCalls, type PairedCall } from './call-events';
import { parseFunctionKey } from './probe-key';
import { copyFigures, merge, register, setRegisterListener, type CallFigures, type FunctionStats } from './runtime';

/**
 * A worker thread's line statistics, readable by the main thread at any time: each function
 * a worker registers keeps its figures in a SharedArrayBuffer, announced once on a port that
 * leads to the main thread (a nested worker's port is forwarded there). The main thread reads
 * them when it writes its report, whether the worker ended, still runs, or was stopped by
 * process.exit (nothing is posted at exit, so nothing is lost there). Figures are additive per
 * line, so the threads' calls of one function make one table, as memray and Scalene show all
 * threads' allocations together.
 */

/** The per-call figures kept as plain numbers on FunctionStats, in this order after the arrays. */
const SCALARS = ['calls', 'entryMem', 'netInc', 'callPeak', 'netHeapInc', 'netExtInc'] as const;
const ARRAYS = ['occ', 'mem', 'inc', 'peak', 'heapInc', 'extInc'] as const;

interface SharedFunction {
  key: string;
  buffer: SharedArrayBuffer;
  /** The function's text when it has no file to read it from (an `eval: true` worker). */
  source?: string;
}

interface Matched {
  /** A nested worker's port (its figures go through it). */
  port?: MessagePort;
  /** A --function selector that picked a function in a file the worker loaded. */
  matched?: string;
  /** A --function selector that names a file the worker loaded. */
  seenFile?: string;
  /** Counts the files the worker's load hooks saw (an Int32Array's first element). */
  files?: SharedArrayBuffer;
  /** A profiled call that ended in the worker (for FUNC lines). */
  call?: PairedCall;
}

/** Worker side: every function this thread registers from now on puts its figures in shared memory. */
export function shareStats(port: MessagePort, sourceOf: (file: string) => string | undefined): void {
  setRegisterListener((stats) => {
    const buffer = moveToSharedMemory(stats);
    const source = stats.file.startsWith('[') ? sourceOf(stats.file) : undefined;
    port.postMessage({ key: stats.key, buffer, source } satisfies SharedFunction);
  });
}

/** Worker side: tells the main thread that a selector matched here, where the file count is, or a nested worker's port. */
export function shareMatch(port: MessagePort, message: Matched): void {
  port.postMessage(message, message.port ? [message.port] : []);
}

/**
 * Worker side: each profiled call goes to the main thread as it ends. A message posted is in
 * the main thread's port at once, so a worker's process.exit loses none (its calls still
 * running are closed at its exit, before the thread ends).
 */
export function shareCalls(port: MessagePort): void {
  pairCalls((call) => port.postMessage({ call } satisfies Matched));
}

/** Bytes of one block of figures (a function's current calls, or those already reported one by one). */
const blockBytes = (n: number): number => Float64Array.BYTES_PER_ELEMENT * (ARRAYS.length * n + SCALARS.length);

/**
 * Two blocks: the figures the runtime updates, and `earlier` (calls a `report: 'call'` table
 * already showed, set aside by the worker), so the main thread sees every call.
 */
function moveToSharedMemory(stats: FunctionStats): SharedArrayBuffer {
  const n = stats.occ.length;
  const buffer = new SharedArrayBuffer(2 * blockBytes(n));
  const earlier = {} as CallFigures;
  Object.defineProperty(stats, 'earlier', { value: earlier, writable: true, enumerable: true });
  bindBlock(buffer, 0, n, stats as unknown as CallFigures, true);
  bindBlock(buffer, blockBytes(n), n, earlier, false);
  return buffer;
}

/** Puts the figures of `target` in the block at `offset`, keeping their values (or starting empty). */
function bindBlock(buffer: SharedArrayBuffer, offset: number, n: number, target: CallFigures, keep: boolean): void {
  const fields = target as unknown as Record<string, Float64Array | number>;
  const empty = emptyFigures(n);
  ARRAYS.forEach((name, i) => {
    const view = new Float64Array(buffer, offset + i * n * Float64Array.BYTES_PER_ELEMENT, n);
    view.set(keep ? (fields[name] as Float64Array) : empty[name]);
    fields[name] = view;
  });
  const scalars = new Float64Array(buffer, offset + ARRAYS.length * n * Float64Array.BYTES_PER_ELEMENT, SCALARS.length);
  SCALARS.forEach((name, i) => {
    scalars[i] = keep ? (fields[name] as number) : empty[name];
    Object.defineProperty(target, name, { get: () => scalars[i], set: (v: number) => (scalars[i] = v), enumerable: true, configurable: true });
  });
}

/** Figures of no call: what a new function starts with. */
function emptyFigures(n: number): CallFigures {
  const none = new Float64Array(n);
  const lowest = new Float64Array(n).fill(-Infinity);
  return { occ: none, mem: lowest, inc: none, peak: lowest, heapInc: none, extInc: none, calls: 0, entryMem: -Infinity, netInc: 0, callPeak: -Infinity, netHeapInc: 0, netExtInc: 0 };
}

function figuresIn(buffer: SharedArrayBuffer, offset: number, n: number): CallFigures {
  const [occ, mem, inc, peak, heapInc, extInc] = ARRAYS.map((_, i) => new Float64Array(buffer, offset + i * n * Float64Array.BYTES_PER_ELEMENT, n));
  const scalars = new Float64Array(buffer, offset + ARRAYS.length * n * Float64Array.BYTES_PER_ELEMENT, SCALARS.length);
  const [calls, entryMem, netInc, callPeak, netHeapInc, netExtInc] = scalars;
  return { occ, mem, inc, peak, heapInc, extInc, calls, entryMem, netInc, callPeak, netHeapInc, netExtInc };
}

/** Main side: what the workers shared, read as it arrives. */
export interface ThreadStats {
  /** Reads what workers announced since the last call (registering their functions here). */
  drain(): void;
  /** This thread's figures of `fn` plus every worker's, read now. */
  withWorkers(fn: FunctionStats, own: CallFigures): CallFigures;
  /** Selectors that matched in some worker, and how many files the workers loaded. */
  matches(): { matched: ReadonlySet<string>; seenFile: ReadonlySet<string>; files: number };
  /** Texts of functions that have no file (eval workers), by file name. */
  sources(): ReadonlyMap<string, string>;
  /** Reads a new worker's port from now on. */
  addPort(port: MessagePort): void;
  /** The calls that ended in workers, read so far (when workers share them). */
  calls(): readonly PairedCall[];
}

export function receiveStats(): ThreadStats {
  const ports: MessagePort[] = [];
  const addPort = (port: MessagePort): void => {
    // Never keeps the program alive; receiveMessageOnPort reads it synchronously, even at exit.
    port.unref();
    ports.push(port);
  };
  const buffers = new Map<string, SharedArrayBuffer[]>();
  const matched = new Set<string>();
  const seenFile = new Set<string>();
  const counters: Int32Array[] = [];
  const texts = new Map<string, string>();
  const calls: PairedCall[] = [];
  const receive = receiveMessageOnPort as (port: MessagePort) => { message: SharedFunction & Matched } | undefined;
  const drain = (): void => {
    // (A nested worker's port, added while reading, is read in the same pass.)
    for (let i = 0; i < ports.length; i++) for (let m = receive(ports[i]); m; m = receive(ports[i])) read(m.message);
  };
  const read = (message: SharedFunction & Matched): void => {
    if (message.port) addPort(message.port);
    if (message.matched !== undefined) matched.add(message.matched);
    if (message.seenFile !== undefined) seenFile.add(message.seenFile);
    if (message.files) counters.push(new Int32Array(message.files));
    if (message.call) calls.push(message.call);
    if (message.key === undefined) return;
    register(message.key);
    buffers.set(message.key, [...(buffers.get(message.key) ?? []), message.buffer]);
    const file = parseFunctionKey(message.key).file;
    if (message.source !== undefined && !texts.has(file)) texts.set(file, message.source);
  };
  return {
    drain,
    withWorkers(fn, own) {
      const shared = buffers.get(fn.key);
      if (!shared) return own;
      const all = copyFigures(own);
      const n = fn.occ.length;
      for (const buffer of shared) for (const offset of [0, blockBytes(n)]) merge(all, figuresIn(buffer, offset, n));
      return all;
    },
    matches: () => ({ matched, seenFile, files: counters.reduce((sum, c) => sum + Atomics.load(c, 0), 0) }),
    sources: () => texts,
    addPort,
    calls: () => calls,
  };
}
