import { readSnapshotFile, type HeapSnapshot, type TraceFunction } from './snapshot';
import { buildRetainers, computeDominators, shortestPathTree } from './graph';
import { displayFile, nodeLabel, retainerPath } from './names';
import { allocationLine } from './allocation-line';

/** An allocation site whose live objects grew from snapshot to snapshot. */
export interface GrowingSite {
  file: string;
  line: number;
  functionName: string;
  /** Live objects allocated here, in each snapshot. */
  objects: number[];
  /** Bytes they retain (with what only they keep alive), in each snapshot. */
  bytes: number[];
  retainers: string[];
}

const isUserFrame = (f: TraceFunction): boolean => f.scriptName !== '' && !f.scriptName.startsWith('node:');
const INTERNAL = new Set(['code', 'hidden', 'array', 'object shape', 'synthetic']);

interface Tally { fn: TraceFunction; callee: string; label: string; objects: number; bytes: number; example: number; index: number }

/** Per site (innermost frame of the program's code), live objects in one snapshot. */
function tallySites(s: HeapSnapshot): { tallies: Map<string, Tally>; retainedSize: Float64Array; dominator: Uint32Array } {
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
    const at = stack.findIndex(isUserFrame);
    if (at < 0) continue;
    const fn = stack[at];
    const callee = at > 0 ? stack[at - 1].name : '';
    const label = nodeLabel(s, v);
    const key = `${fn.scriptName}\0${fn.line}:${fn.column}\0${callee}\0${callee ? '' : label}`;
    let t = tallies.get(key);
    if (!t) {
      tallies.set(key, (t = { fn, callee, label, objects: 0, bytes: 0, example: v, index: list.length }));
      list.push(t);
    }
    siteOf[v] = t.index;
    t.objects++;
    if (retainedSize[v] > retainedSize[t.example]) t.example = v;
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
 * Reads snapshots one at a time (streaming; only one graph in memory) and keeps the sites
 * whose live objects grew in every step from the first snapshot to the last, with the
 * retainer path of their largest object in the last snapshot.
 */
export async function growingSites(files: string[]): Promise<GrowingSite[]> {
  const series = new Map<string, { t: Tally; objects: number[]; bytes: number[] }>();
  let last: HeapSnapshot | null = null;
  for (let i = 0; i < files.length; i++) {
    last = null;
    const s = await readSnapshotFile(files[i]);
    const { tallies } = tallySites(s);
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
  const growing = [...series.values()].filter(({ objects }) => {
    for (let i = 1; i < objects.length; i++) if (objects[i] <= objects[i - 1]) return false;
    return true;
  });
  const retainers = buildRetainers(last);
  const parent = shortestPathTree(last);
  const bySite = new Map<string, GrowingSite>();
  for (const { t, objects, bytes } of growing) {
    const file = displayFile(t.fn.scriptName);
    const line = allocationLine(t.fn.scriptName, t.fn.line, t.fn.column, t.callee, t.label);
    const known = bySite.get(`${file}:${line}`);
    if (known) {
      known.objects = known.objects.map((n, i) => n + objects[i]);
      known.bytes = known.bytes.map((n, i) => n + bytes[i]);
      continue;
    }
    bySite.set(`${file}:${line}`, {
      file, line, functionName: t.fn.name || '(anonymous)', objects, bytes,
      retainers: retainerPath(last, retainers, parent, t.example),
    });
  }
  const growth = (values: number[]): number => values[values.length - 1] - values[0];
  return [...bySite.values()].sort((a, b) => growth(b.bytes) - growth(a.bytes));
}
