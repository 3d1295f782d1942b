import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as inspector from 'node:inspector';

/**
 * Writes a snapshot of this process's heap into `dir` as `<sequence>-<random>.heapsnapshot`
 * (exclusive, 0600), chunk by chunk as V8 emits them. In-process sessions deliver the
 * chunks synchronously, so the program is paused for the whole snapshot.
 */
export function writeSnapshot(session: inspector.Session, dir: string, sequence: number): string {
  const file = path.join(dir, `${String(sequence).padStart(4, '0')}-${crypto.randomBytes(6).toString('hex')}.heapsnapshot`);
  const fd = fs.openSync(file, 'wx', 0o600);
  let failure: unknown = null;
  const onChunk = (message: { params: { chunk: string } }): void => {
    if (failure) return;
    try {
      const bytes = Buffer.from(message.params.chunk);
      let done = 0;
      while (done < bytes.length) done += fs.writeSync(fd, bytes, done);
    } catch (err) {
      failure = err;
    }
  };
  session.on('HeapProfiler.addHeapSnapshotChunk', onChunk);
  try {
    session.post('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
  } finally {
    session.off('HeapProfiler.addHeapSnapshotChunk', onChunk);
    fs.closeSync(fd);
  }
  if (failure) throw failure;
  return file;
}
