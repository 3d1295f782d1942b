import type { FunctionResult } from '../report/results';

// The shapes `memprof top` passes from capture to analysis to reports.

// --- V8's own shapes (Chrome DevTools Protocol, HeapProfiler domain), kept as V8 gives them
// so exporters (pprof, speedscope) can read the raw profile.

export interface V8CallFrame {
  functionName: string;
  scriptId: string;
  url: string;
  /** 0-based; the function's start, not the allocating line. */
  lineNumber: number;
  columnNumber: number;
}

export interface V8SamplingHeapProfileNode {
  callFrame: V8CallFrame;
  /** Bytes of the samples taken in this frame itself. */
  selfSize: number;
  id: number;
  children: V8SamplingHeapProfileNode[];
}

export interface V8SamplingHeapProfileSample {
  size: number;
  nodeId: number;
  /** Allocation order of the sample. */
  ordinal: number;
}

/** HeapProfiler.SamplingHeapProfile. */
export interface V8SamplingHeapProfile {
  head: V8SamplingHeapProfileNode;
  samples: V8SamplingHeapProfileSample[];
}

// --- The timeline: RSS from the native sampler, heap and external from V8.

export interface MemoryTimeline {
  /** Epoch milliseconds of each RSS reading, and the readings in bytes. */
  rss: { t: number[]; bytes: number[] };
  /** Heap used and external memory (bytes) when the event loop turned, with their times. */
  heap: { t: number[]; bytes: number[] };
  external: { t: number[]; bytes: number[] };
}

// --- memprof's model of the whole program.

/**
 * A place memory is charged to: a function of the program, or a package (node_modules code
 * and Node's own JavaScript) together with the program's function that called into it.
 */
export interface TopFunction {
  /** The function's name, or the package's (`lodash`, `node:fs`). */
  name: string;
  /** The function's file (for a package: the calling function's file, or '' when none). */
  file: string;
  /** 1-based line of the function's start (for a package: of the calling function). */
  line: number;
  /** Set when this entry is a package: its name, and the caller by name. */
  package?: string;
  caller?: string;
  /** Bytes sampled in this function's own code (for a package: in all of its code under the caller). */
  allocated: number;
  /** Bytes sampled in this function or anything it called (recursion counted once). */
  total: number;
  /** Bytes of its samples still alive at the end; null when the run did not measure it. */
  retained: number | null;
  /** Where V8 places the function (for LiveEdit); absent when it has no script. */
  location?: { scriptId: string; url: string; lineNumber: number; columnNumber: number };
}

/** A node of the allocation tree: one frame of a stack, with what it and its callees allocated. */
export interface StackNode {
  name: string;
  file: string;
  line: number;
  /** Bytes sampled in this frame itself. */
  self: number;
  /** self + every descendant's self. */
  total: number;
  children: StackNode[];
}

export interface TopProfile {
  /** Every function or package with allocations, largest `allocated` first. */
  functions: TopFunction[];
  /** The allocation tree with memprof's own frames removed and the launcher's frames skipped. */
  stacks: StackNode;
  /** Sum of all `allocated`. */
  allocated: number;
  /** Sum of retained, or null when not measured. */
  retained: number | null;
}

/** A top function's line table, or why it has none. */
export interface ZoomOutcome {
  key: string;
  table?: FunctionResult;
  reason?: string;
}

/** What a `memprof top` run produced, for the reporters. */
export interface TopReport {
  tool: 'memprof';
  version: string;
  mode: 'top';
  command: string;
  /** How the run ended: 'exit', 'signal SIGINT', 'duration'. */
  ended: string;
  durationMs: number;
  samplingInterval: number;
  profile: TopProfile;
  /** The functions chosen to zoom into, in the order of profile.functions, with their tables. */
  zoomed: (TopFunction & { table?: FunctionResult; reason?: string })[];
  timeline: MemoryTimeline;
  /**
   * The raw profile the figures come from, memprof's own frames removed (for exporters):
   * every sampled allocation, collected or not.
   */
  raw: V8SamplingHeapProfile;
  /** --second-pass: the second run's profile of objects still alive at its end (memprof's frames removed). */
  retainedRaw?: V8SamplingHeapProfile;
  /** Set when the report is of a running process memprof attached to (`memprof attach --top`). */
  attached?: { pid: number };
}
