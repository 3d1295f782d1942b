import * as fs from 'node:fs';

const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * Writes all of `text` to `fd` now (reports are written at process exit, when nothing
 * asynchronous runs any more). Node makes a piped stdout non-blocking, so one writeSync can
 * write part of the text or fail with EAGAIN while the reader is slow: loop until it is all
 * written. A reader that went away (EPIPE, `memprof app.js | head`) ends the write quietly.
 * Returns whether everything was written.
 */
export function writeAllSync(fd: number, text: string | Uint8Array): boolean {
  const data = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  let offset = 0;
  while (offset < data.length) {
    try {
      offset += fs.writeSync(fd, data, offset, data.length - offset);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') {
        Atomics.wait(pause, 0, 0, 5); // the reader has not caught up yet
        continue;
      }
      if (code === 'EPIPE') return false;
      throw err;
    }
  }
  return true;
}
