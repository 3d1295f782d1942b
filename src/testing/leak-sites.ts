import * as inspector from 'node:inspector';
import * as path from 'node:path';
import { post, takeSnapshot } from '../heap/capture';
import { buildRetainers, computeDominators, shortestPathTree } from '../heap/graph';
import { displayFile, nodeLabel, retainerPath } from '../heap/names';
import { allocationLine } from '../heap/allocation-line';
import { programFrame } from '../heap/program-frame';
import { collectGarbage } from '../measure/measure-call';
import type { HeapSnapshot, TraceFunction } from '../heap/snapshot';

/** Where leaked objects were allocated, and what holds them. */
export interface LeakSite {
  file: string;
  line: number;
  functionName: string;
  bytesPerIteration: number;
  objectsPerIteration: number;
  /** Shortest path from a GC root to one of the objects, as a reader names the steps. */
  retainers: string[];
}

export interface LeakSiteOptions {
  /** Iterations in the window whose survivors are suspects, and again after it. Default 50. */
  iterations?: number;
  /** Sites below this many bytes per iteration are left out. Default 16. */
  minBytesPerIteration?: number;
}

const MEMPROF_DIST = path.join(__dirname, '..');

/** A frame of the program's own code (not Node's internals, not memprof). */
function userFrame(f: TraceFunction): boolean {
  const file = f.scriptName;
  return file !== '' && !file.startsWith('node:') && !file.startsWith(MEMPROF_DIST) && !file.startsWith(`file://${MEMPROF_DIST}`);
}

async function settle(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
  collectGarbage();
}

/** The highest object id given out so far. (getHeapObjectId of a fresh object gives 0:
 * V8 looks new objects up without adding them, so a snapshot is the marker.) */
async function lastId(session: inspector.Session): Promise<number> {
  return maxObjectId(await takeSnapshot(session));
}

function maxObjectId(s: HeapSnapshot): number {
  let max = 0;
  // V8's own objects have odd ids in allocation order; embedder (native) nodes get others.
  for (let i = 0; i < s.nodeCount; i++) if (s.nodeId[i] & 1 && s.nodeId[i] > max) max = s.nodeId[i];
  return max;
}

/**
 * The allocation stack (trace node id) of each object given an id after `from`, as the
 * snapshot that gives them their ids sees it. It must be read there: once an object has an
 * id, V8 moves only the id when the GC moves the object, not its allocation stack
 * (HeapProfiler::ObjectMoveEvent updates the trace map only for objects without an id), so
 * a later snapshot finds no stack, or another object's, for every suspect promoted or
 * compacted in between.
 */
function tracesAfter(s: HeapSnapshot, from: number): Map<number, number> {
  const traces = new Map<number, number>();
  if (s.traceNode.length === 0) return traces;
  for (let i = 0; i < s.nodeCount; i++) {
    const id = s.nodeId[i];
    if (id & 1 && id > from && s.traceNode[i] !== 0) traces.set(id, s.traceNode[i]);
  }
  return traces;
}

/**
 * Finds where a repeated call leaks (memlab's method, with allocation stacks): with V8's
 * allocation tracking on, object ids grow in allocation order; objects allocated during
 * `iterations` calls that are still alive after as many later calls and a full GC are
 * suspects. Each suspect not kept alive only by another suspect is charged, with all it
 * retains, to the innermost frame of the program's own code on its allocation stack.
 */
export async function findLeakSites(
  call: (iteration: number) => Promise<void>,
  firstIteration: number,
  options: LeakSiteOptions = {},
): Promise<LeakSite[]> {
  const iterations = options.iterations ?? 50;
  const minBytes = options.minBytesPerIteration ?? 16;
  const session = new inspector.Session();
  session.connect();
  let snapshot: HeapSnapshot;
  let from: number;
  let to: number;
  let traces: Map<number, number>;
  try {
    await post(session, 'HeapProfiler.enable');
    await post(session, 'HeapProfiler.startTrackingHeapObjects', { trackAllocations: true });
    let i = firstIteration;
    for (let k = 0; k < 5; k++) await call(i++);
    await settle();
    from = await lastId(session);
    for (let k = 0; k < iterations; k++) await call(i++);
    const marker = await takeSnapshot(session);
    to = maxObjectId(marker);
    traces = tracesAfter(marker, from);
    for (let k = 0; k < iterations; k++) await call(i++);
    await settle();
    snapshot = await takeSnapshot(session);
  } finally {
    await post(session, 'HeapProfiler.stopTrackingHeapObjects', { reportProgress: false }).catch(() => undefined);
    session.disconnect();
  }
  return sitesOf(snapshot, traces, from, to, iterations, minBytes);
}

/** `traces`: the suspects' allocation stacks by object id, read when they were given ids. */
function sitesOf(s: HeapSnapshot, traces: Map<number, number>, from: number, to: number, iterations: number, minBytes: number): LeakSite[] {
  const suspect = new Uint8Array(s.nodeCount);
  for (let v = 0; v < s.nodeCount; v++) if (s.nodeId[v] & 1 && s.nodeId[v] > from && s.nodeId[v] <= to) suspect[v] = 1;
  const retainers = buildRetainers(s);
  const { dominator, retainedSize } = computeDominators(s, retainers);
  interface Group { fn: TraceFunction; callee: string; pkg: string | null; label: string; bytes: number; objects: number; largest: number }
  const groups = new Map<string, Group>();
  // Suspects with a stack in the program's own code; a Map's or Array's backing table,
  // reallocated as it grows, often has none and must not hide the entries it holds.
  const site = new Int32Array(s.nodeCount).fill(-1);
  const stacks = new Map<number, TraceFunction[]>();
  const packages = new Map<number, string>();
  for (let v = 0; v < s.nodeCount; v++) {
    const trace = suspect[v] ? traces.get(s.nodeId[v]) : undefined;
    if (trace === undefined) continue;
    // Compiled code, feedback, shapes and V8's internal arrays (a Map's hash table,
    // reallocated as it grows, would otherwise hide every entry it holds) are not the
    // program's own objects.
    const type = s.typeName(v);
    if (type === 'code' || type === 'hidden' || type === 'array' || type === 'object shape' || type === 'synthetic') continue;
    const stack = s.traceStack(trace);
    const { at, package: pkg } = programFrame(stack, userFrame);
    if (at >= 0) site[v] = at;
    if (at >= 0) stacks.set(v, stack);
    if (pkg) packages.set(v, pkg);
  }
  for (let v = 0; v < s.nodeCount; v++) {
    if (site[v] < 0 || dominator[v] === 0xffffffff) continue;
    let held = false;
    for (let d = dominator[v]; suspect[d] && d !== 0; d = dominator[d]) {
      if (site[d] >= 0) {
        held = true;
        break;
      }
    }
    if (held) continue;
    const stack = stacks.get(v) as TraceFunction[];
    const at = site[v];
    const fn = stack[at];
    const callee = at > 0 ? stack[at - 1].name : '';
    const label = nodeLabel(s, v);
    const key = `${fn.scriptName}\0${fn.line}:${fn.column}\0${callee}\0${callee ? '' : label}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { fn, callee, pkg: packages.get(v) ?? null, label, bytes: 0, objects: 0, largest: v }));
    g.bytes += retainedSize[v];
    g.objects++;
    if (retainedSize[v] > retainedSize[g.largest]) g.largest = v;
  }
  const minObjects = Math.max(2, Math.ceil(iterations * 0.05));
  const kept = [...groups.values()].filter((g) => g.objects >= minObjects && g.bytes / iterations >= minBytes);
  if (kept.length === 0) return [];
  const parent = shortestPathTree(s);
  const bySite = new Map<string, LeakSite>();
  for (const g of kept) {
    const line = allocationLine(g.fn.scriptName, g.fn.line, g.fn.column, g.callee, g.label, g.pkg);
    const file = displayFile(g.fn.scriptName);
    const key = `${file}:${line}`;
    const site = bySite.get(key);
    if (site) {
      site.bytesPerIteration += g.bytes / iterations;
      site.objectsPerIteration += g.objects / iterations;
      continue;
    }
    bySite.set(key, {
      file, line, functionName: g.fn.name || '(anonymous)',
      bytesPerIteration: g.bytes / iterations,
      objectsPerIteration: g.objects / iterations,
      retainers: retainerPath(s, retainers, parent, g.largest),
    });
  }
  return [...bySite.values()].sort((a, b) => b.bytesPerIteration - a.bytesPerIteration);
}
