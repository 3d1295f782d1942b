import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Writes a whole file so that readers (and a crash) see either the old file or the new
 * one, never half of it: write a temporary file beside it, flush it, then rename.
 */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const dir = path.dirname(path.resolve(file));
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeFileSync(fd, data);
    fs.fsyncSync(fd);
  } catch (err) {
    fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  fs.closeSync(fd);
  fs.renameSync(tmp, file);
}

/**
 * Appends a block of text in one write(2) on an O_APPEND descriptor, so a crash leaves the
 * file with the whole block or none of it (memory_profiler's `-o` appends reports).
 */
export function appendWhole(file: string, data: string): void {
  const fd = fs.openSync(file, 'a');
  try {
    fs.writeSync(fd, data);
  } finally {
    fs.closeSync(fd);
  }
}
