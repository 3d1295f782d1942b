import * as inspector from 'node:inspector';
import { takeSnapshot } from './capture';
import type { HeapSnapshot } from './snapshot';
import { buildRetainers, computeDominators } from './graph';

export interface SizeOf {
  /** Bytes of the value's own heap object (a Buffer's backing store is not its own). */
  shallow: number;
  /** Bytes freed if this value went away: itself and everything only it keeps alive,
   * ArrayBuffer/Buffer backing stores included (its subtree in the dominator tree). */
  retained: number;
}

const SLOT = '__memprofSizeofTarget';
let busy: Promise<unknown> = Promise.resolve();

/**
 * Shallow and retained size of an object or function, from a heap snapshot of this
 * process: the value's snapshot id through the in-process inspector, then the dominator
 * tree. The snapshot pauses the program (about a second per 100 MiB of heap) and needs
 * memory in proportion to the heap's object count.
 */
export function sizeof(value: unknown): Promise<SizeOf> {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) {
    return Promise.reject(new TypeError(`sizeof needs an object or a function, got ${value === null ? 'null' : typeof value} (primitives are copied, not held)`));
  }
  // One at a time: the global slot and the inspector's snapshot are shared.
  const run = busy.then(() => measure(value as object));
  busy = run.catch(() => undefined);
  return run;
}

/** The node a property named `name` points to (the global object's slot), or -1. */
function propertyTarget(snapshot: HeapSnapshot, name: string): number {
  const nameIndex = snapshot.strings.indexOf(name);
  const property = snapshot.edgeTypeNames.indexOf('property');
  if (nameIndex < 0) return -1;
  for (let e = 0; e < snapshot.edgeCount; e++) {
    if (snapshot.edgeType(e) === property && (snapshot.edgeTypeName[e] & 0x1fffffff) === nameIndex) return snapshot.edgeTo[e];
  }
  return -1;
}

async function measure(value: object): Promise<SizeOf> {
  const session = new inspector.Session();
  session.connect();
  const holder = globalThis as Record<string, unknown>;
  // The value is found in the snapshot through a global property with a unique name:
  // asking the inspector for its object id would need object tracking, whose start and
  // stop each cost as much as a snapshot. The extra holder does not change what the value
  // alone keeps alive.
  const slot = `${SLOT}${process.pid}_${Date.now()}`;
  try {
    holder[slot] = value;
    let snapshot: HeapSnapshot;
    try {
      snapshot = await takeSnapshot(session);
    } finally {
      delete holder[slot];
    }
    const node = propertyTarget(snapshot, slot);
    if (node < 0) throw new Error('sizeof: the value is not in the heap snapshot');
    const { retainedSize } = computeDominators(snapshot, buildRetainers(snapshot));
    return { shallow: snapshot.selfSize[node], retained: retainedSize[node] };
  } finally {
    session.disconnect();
  }
}
