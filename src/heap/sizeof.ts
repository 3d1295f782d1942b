import * as inspector from 'node:inspector';
import { post, takeSnapshot } from './capture';
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

async function measure(value: object): Promise<SizeOf> {
  const session = new inspector.Session();
  session.connect();
  const holder = globalThis as Record<string, unknown>;
  // Tracking keeps the id map current while objects move; without it getHeapObjectId
  // gives 0 before the first snapshot.
  await post(session, 'HeapProfiler.startTrackingHeapObjects', { trackAllocations: false });
  try {
    holder[SLOT] = value;
    let objectId: string | undefined;
    try {
      const evaluated = await post<{ result: { objectId?: string } }>(session, 'Runtime.evaluate', { expression: `globalThis.${SLOT}`, objectGroup: 'memprof-sizeof' });
      objectId = evaluated.result.objectId;
    } finally {
      delete holder[SLOT];
    }
    if (!objectId) throw new Error('sizeof: the inspector gave no object id for this value');
    const { heapSnapshotObjectId } = await post<{ heapSnapshotObjectId: string }>(session, 'HeapProfiler.getHeapObjectId', { objectId });
    const snapshot = await takeSnapshot(session);
    await post(session, 'Runtime.releaseObjectGroup', { objectGroup: 'memprof-sizeof' });
    const node = snapshot.nodeById(Number(heapSnapshotObjectId));
    if (node < 0) throw new Error('sizeof: the value is not in the heap snapshot');
    const { retainedSize } = computeDominators(snapshot, buildRetainers(snapshot));
    return { shallow: snapshot.selfSize[node], retained: retainedSize[node] };
  } finally {
    await post(session, 'HeapProfiler.stopTrackingHeapObjects', { reportProgress: false }).catch(() => undefined);
    session.disconnect();
  }
}
