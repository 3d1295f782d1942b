import * as path from 'node:path';
import { readSnapshotFile, type HeapSnapshot, type TraceFunction } from './snapshot';
import { buildRetainers, computeDominators, shortestPathTree } from './graph';
import { displayFile, nodeLabel, retainerPath } from './names';
import { allocationLine } from './allocation-line';
import { programFrame } from './program-frame';

/** An allocation site whose live objects grew from snapshot to snapshot. */
export interface GrowingSite {
  file: string;
  line: number;
  functionName: string;
  /** The package the objects were made in, on the program's behalf (the line calls into it). */
  package?: string;
  /** Live objects allocated here, in each snapshot. */
  objects: number[];
  /** Bytes they retain (with what only they keep alive), in each snapshot. */
  bytes: number[];
  retainers: string[];
}

const MEMPROF_DIST = path.join(__dirname, '..');
// Not Node's own code, nor memprof's (leakMark() and the snapshots it takes).
const isUserFrame = (f: TraceFunction): boolean =>
  f.scriptName !== '' && !f.scriptName.startsWith('node:') && !f.scriptName.startsWith(MEMPROF_DIST + path.sep) && !f.scriptName.startsWith(`file://${MEMPROF_DIST}/`);
const INTERNAL = new Set(['code', 'hidden', 'array', 'object shape', 'synthetic']);

interface Tally { fn: TraceFunction; callee: string; pkg: string | null; label: string; objects: number; bytes: number; example: number; index: number }

/**
 * Per site (innermost frame of the program's code), live objects in one snapshot. A site's
 * example (whose path is shown) is its largest object allocated after `newerThan` (ids grow
 * in allocation order), when it has one: an object of the growth, not of a cache the same
 * call warmed once.
 */
function tallySites(s: HeapSnapshot, newerThan = 0): { tallies: Map<string, Tally>; retainedSize: Float64Array; dominator: Uint32Array } {
  const retainers = buildRetainers(s);
  const { retainedSize, dominator } = computeDominators(s, retainers);
  const tallies = new Map<string, Tally>();
  if (s.traceNode.length === 0) return { tallies, retainedSize, dominator };
  // The tally each tracked object belongs to (-1: none), so that an object held by another
  // of its own site is not counted twice in the site's bytes.
  const siteOf = new Int32Array(s.nodeCount).fill(-1);
  const list: Tally[] = [];
  for (let v = 0; v < s.nodeCount; v++) {
    if (s.traceNode[v] === 0 || INTERNAL.has(s.typeName(v)) || dominator[v] === 0xffffffff) continue;
    const stack = s.traceStack(s.traceNode[v]);
    const { at, package: pkg } = programFrame(stack, isUserFrame);
    if (at < 0) continue;
    const fn = stack[at];
    const callee = at > 0 ? stack[at - 1].name : '';
    const label = nodeLabel(s, v);
    const key = `${fn.scriptName}\0${fn.line}:${fn.column}\0${callee}\0${callee ? '' : label}`;
    let t = tallies.get(key);
    if (!t) {
      tallies.set(key, (t = { fn, callee, pkg, label, objects: 0, bytes: 0, example: v, index: list.length }));
      list.push(t);
    }
    siteOf[v] = t.index;
    t.objects++;
    const fresh = s.nodeId[v] > newerThan;
    const exampleFresh = s.nodeId[t.example] > newerThan;
    if ((fresh && !exampleFresh) || (fresh === exampleFresh && retainedSize[v] > retainedSize[t.example])) t.example = v;
  }
  for (let v = 0; v < s.nodeCount; v++) {
    const own = siteOf[v];
    if (own < 0) continue;
    let counted = false;
    for (let d = dominator[v]; d !== 0 && d !== 0xffffffff && dominator[d] !== d; d = dominator[d]) {
      if (siteOf[d] === own) {
        counted = true;
        break;
      }
    }
    if (!counted) list[own].bytes += retainedSize[v];
  }
  return { tallies, retainedSize, dominator };
}

/**
 * Whether a site leaks: its live objects grew in every step in which the program was active
 * (at least two such steps, or the only one there is) and never fell in the others.
 */
function growsWhenActive(objects: number[], active: boolean[]): boolean {
  let steps = 0;
  for (let i = 1; i < objects.length; i++) {
    if (active[i] ? objects[i] <= objects[i - 1] : objects[i] < objects[i - 1]) return false;
    if (active[i]) steps++;
  }
  return steps >= Math.min(2, objects.length - 1);
}

/** The highest id of an object the allocation tracker saw made (native nodes have ids of their own). */
function newestTrackedId(s: HeapSnapshot): number {
  let max = 0;
  for (let v = 0; v < s.nodeCount; v++) if (s.traceNode[v] !== 0 && s.nodeId[v] > max) max = s.nodeId[v];
  return max;
}

/**
 * Reads snapshots one at a time (streaming; only one graph in memory) and keeps the sites
 * whose live objects grew in every step from the first snapshot to the last in which the
 * program was active (`growsWhenActive`), with the
 * retainer path of their largest object in the last snapshot.
 */
export async function growingSites(files: string[]): Promise<GrowingSite[]> {
  const series = new Map<string, { t: Tally; objects: number[]; bytes: number[] }>();
  let last: HeapSnapshot | null = null;
  let previousMaxId = 0;
  for (let i = 0; i < files.length; i++) {
    last = null;
    const s = await readSnapshotFile(files[i]);
    const { tallies } = tallySites(s, previousMaxId);
    previousMaxId = newestTrackedId(s);
    for (const [key, t] of tallies) {
      let entry = series.get(key);
      if (!entry) series.set(key, (entry = { t, objects: new Array(i).fill(0), bytes: new Array(i).fill(0) }));
      entry.objects.push(t.objects);
      entry.bytes.push(t.bytes);
      entry.t = t;
    }
    for (const entry of series.values()) {
      if (entry.objects.length < i + 1) {
        entry.objects.push(0);
        entry.bytes.push(0);
      }
    }
    last = s;
  }
  if (!last || files.length < 2) return [];
  // A step in which no site of the program grew is one where the program was idle (its load
  // stopped, a snapshot taken after its work): it says nothing about leaks.
  const active = Array.from({ length: files.length }, (_, i) => i > 0 && [...series.values()].some(({ objects }) => objects[i] > objects[i - 1]));
  const growing = [...series.values()].filter(({ objects }) => growsWhenActive(objects, active));
  
  const retainers = buildRetainers(last);
  const parent = shortestPathTree(last);
  const bySite = new Map<string, GrowingSite>();
  for (const { t, objects, bytes } of growing) {
    const file = displayFile(t.fn.scriptName);
    const line = allocationLine(t.fn.scriptName, t.fn.line, t.fn.column, t.callee, t.label, t.pkg);
    const known = bySite.get(`${file}:${line}`);
    if (known) {
      known.objects = known.objects.map((n, i) => n + objects[i]);
      known.bytes = known.bytes.map((n, i) => n + bytes[i]);
      continue;
    }
    bySite.set(`${file}:${line}`, {
      file, line, functionName: t.fn.name || '(anonymous)', ...(t.pkg ? { package: t.pkg } : {}), objects, bytes,
      retainers: retainerPath(last, retainers, parent, t.example),
    });
  }
  const growth = (values: number[]): number => values[values.length - 1] - values[0];
  return [...bySite.values()].sort((a, b) => growth(b.bytes) - growth(a.bytes));
}
