/**
 * V8's sampling heap profile as the Chrome DevTools protocol hands it over
 * (HeapProfiler.getSamplingProfile / stopSampling): a call tree whose nodes carry the bytes
 * still alive at sampled allocations made there, and the samples themselves. `memprof top`,
 * the OOM guard and a saved .heapprofile all use this shape; every exporter reads it.
 */

export interface CallFrame {
  functionName: string;
  scriptId: string | number;
  url: string;
  /** 0-based, the function's start (V8 records no allocation line). */
  lineNumber: number;
  columnNumber: number;
}

export interface SamplingHeapProfileNode {
  callFrame: CallFrame;
  selfSize: number;
  id: number;
  children: SamplingHeapProfileNode[];
}

export interface SamplingHeapProfileSample {
  size: number;
  nodeId: number;
  ordinal: number;
}

export interface SamplingHeapProfile {
  head: SamplingHeapProfileNode;
  samples?: SamplingHeapProfileSample[];
}

/** V8's default sampling interval (HeapProfiler.startSampling samplingInterval), in bytes. */
export const DEFAULT_SAMPLING_INTERVAL = 32768;

/** One allocation site: the stack from the outermost frame to the allocating one, with its weights. */
export interface AllocationSite {
  /** Root first; V8's synthetic "(root)" left out. */
  stack: CallFrame[];
  /** Estimated allocations and bytes (samples scaled by their sampling probability). */
  objects: number;
  bytes: number;
  /** Of those, still alive when the profile was taken. */
  liveObjects: number;
  liveBytes: number;
}

export interface SiteOptions {
  /** The interval the profile was sampled at (to undo the sampling); default V8's 32 KiB. */
  samplingInterval?: number;
  /**
   * Ordinals of the samples still alive, when the profile also holds collected objects
   * (sampling started with includeObjectsCollectedByMajorGC/MinorGC). Without it every sample
   * is taken as alive: V8 drops collected samples by default.
   */
  live?: ReadonlySet<number>;
}

/**
 * The profile's allocation sites, one per tree node that allocated. V8 hands each sample
 * over already scaled by its sampling probability: `size` is the object's size times the
 * number of allocations it stands for (V8's ScaleSample rounds 1 / (1 - e^(-size/interval))
 * to a whole count, and the inspector sends size x count), as the tree's selfSize is. The
 * bytes are taken as they come; the count is recovered by `sampleObjects`. A profile
 * without samples[] (older Node) falls back on the tree's selfSize, with no object counts.
 */
export function allocationSites(profile: SamplingHeapProfile, options: SiteOptions = {}): AllocationSite[] {
  const interval = options.samplingInterval ?? DEFAULT_SAMPLING_INTERVAL;
  const stacks = new Map<number, CallFrame[]>();
  const selfSize = new Map<number, number>();
  const walk = (node: SamplingHeapProfileNode, stack: CallFrame[]): void => {
    const here = isRoot(node) ? stack : [...stack, node.callFrame];
    stacks.set(node.id, here);
    selfSize.set(node.id, node.selfSize);
    for (const child of node.children) walk(child, here);
  };
  walk(profile.head, []);
  const sites = new Map<number, AllocationSite>();
  const site = (nodeId: number): AllocationSite | null => {
    let s = sites.get(nodeId);
    const stack = stacks.get(nodeId);
    if (!s && stack && stack.length > 0) sites.set(nodeId, (s = { stack, objects: 0, bytes: 0, liveObjects: 0, liveBytes: 0 }));
    return s ?? null;
  };
  if (profile.samples && profile.samples.length > 0) {
    const objectsOf = new Map<number, number>();
    for (const sample of profile.samples) {
      const s = site(sample.nodeId);
      if (!s) continue;
      let count = objectsOf.get(sample.size);
      if (count === undefined) objectsOf.set(sample.size, (count = sampleObjects(sample.size, interval)));
      s.objects += count;
      s.bytes += sample.size;
      if (!options.live || options.live.has(sample.ordinal)) {
        s.liveObjects += count;
        s.liveBytes += sample.size;
      }
    }
  } else {
    for (const [id, bytes] of selfSize) {
      if (bytes <= 0) continue;
      const s = site(id);
      if (!s) continue;
      s.bytes += bytes;
      s.liveBytes += bytes;
    }
  }
  return [...sites.values()];
}

/**
 * How many allocations a sample of the protocol stands for, given its scaled size (object
 * size x count). An estimate: below the interval several object sizes scale to the same
 * product (at 64 KiB, 65,568 B is 32 B x 2,049, 48 B x 1,366 or 96 B x 683), and the
 * smallest size V8 can allocate (a multiple of 8 bytes) that scales to exactly its count is
 * taken, small objects being the common ones. With none (a profile sampled at another
 * interval), the size whose unrounded scale gives the product, found by bisection.
 */
export function sampleObjects(scaledSize: number, interval: number): number {
  if (!(scaledSize > 0) || !Number.isInteger(scaledSize)) return 1;
  const scale = (size: number) => 1 / (1 - Math.exp(-size / interval));
  // The largest count first, down to one: the smallest object size first.
  for (let c = Math.floor(scaledSize / 8); c >= 1; c--) {
    if (scaledSize % c !== 0 || (scaledSize / c) % 8 !== 0) continue;
    if (Math.floor(scale(scaledSize / c) + 0.5) === c) return c;
  }
  if (8 * scale(8) >= scaledSize) return 1;
  let low = 8;
  let high = scaledSize;
  for (let i = 0; i < 60; i++) {
    const mid = (low + high) / 2;
    if (mid * scale(mid) < scaledSize) low = mid;
    else high = mid;
  }
  return Math.max(1, Math.round(scaledSize / high));
}

function isRoot(node: SamplingHeapProfileNode): boolean {
  return node.callFrame.functionName === '(root)' && node.callFrame.url === '';
}

/** A frame's name as tools show it. */
export function frameName(frame: CallFrame): string {
  return frame.functionName || '(anonymous)';
}

/** A frame's file: a path for file:// URLs, else the URL ("node:fs", "" for V8's own). */
export function frameFile(frame: CallFrame): string {
  if (frame.url.startsWith('file://')) {
    try {
      return decodeURIComponent(new URL(frame.url).pathname);
    } catch {
      return frame.url;
    }
  }
  return frame.url;
}

/** 1-based line where known (V8 gives the function's start), else 0. */
export function frameLine(frame: CallFrame): number {
  return frame.lineNumber >= 0 ? frame.lineNumber + 1 : 0;
}

/** The functions that allocated most (self bytes), highest first. */
export function topAllocators(sites: readonly AllocationSite[], count: number): { frame: CallFrame; bytes: number; liveBytes: number }[] {
  const byFunction = new Map<string, { frame: CallFrame; bytes: number; liveBytes: number }>();
  for (const s of sites) {
    const frame = s.stack[s.stack.length - 1];
    const key = `${frame.url}\t${frame.lineNumber}\t${frame.columnNumber}\t${frame.functionName}`;
    const entry = byFunction.get(key) ?? { frame, bytes: 0, liveBytes: 0 };
    entry.bytes += s.bytes;
    entry.liveBytes += s.liveBytes;
    byFunction.set(key, entry);
  }
  return [...byFunction.values()].sort((a, b) => b.bytes - a.bytes).slice(0, count);
}
