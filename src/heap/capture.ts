import * as inspector from 'node:inspector';
import { SnapshotParser, type HeapSnapshot } from './snapshot';

/** Posts an inspector command on an in-process session. */
export function post<T = Record<string, unknown>>(session: inspector.Session, method: string, params?: object): Promise<T> {
  return new Promise((resolve, reject) => {
    session.post(method, params ?? {}, (err, result) => (err ? reject(err) : resolve(result as T)));
  });
}

/**
 * Snapshots this process's heap through an in-process inspector session (nothing listens
 * on a port), parsing the chunks as V8 emits them: the JSON is never held whole.
 */
export async function takeSnapshot(session: inspector.Session): Promise<HeapSnapshot> {
  const parser = new SnapshotParser();
  let failure: unknown = null;
  const onChunk = (message: { params: { chunk: string } }): void => {
    if (failure) return;
    try {
      parser.write(message.params.chunk);
    } catch (err) {
      failure = err;
    }
  };
  session.on('HeapProfiler.addHeapSnapshotChunk', onChunk);
  try {
    await post(session, 'HeapProfiler.takeHeapSnapshot', { reportProgress: false });
  } finally {
    session.off('HeapProfiler.addHeapSnapshotChunk', onChunk);
  }
  if (failure) throw failure;
  return parser.end();
}
