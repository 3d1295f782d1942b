import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Writes a whole file so that readers (and a crash) see either the old file or the new
 * one, never half of it: write a temporary file beside it, flush it, then rename.
 * A symlink is followed (the link stays, its target gets the content); a device or pipe
 * (`-o /dev/stdout`, a FIFO) is written to: renaming over it would replace the device
 * itself, system-wide when run as root.
 */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const existing = fs.statSync(file, { throwIfNoEntry: false });
  if (existing && !existing.isFile() && !existing.isDirectory()) {
    fs.writeFileSync(file, data);
    return;
  }
  const target = existing ? fs.realpathSync(file) : file;
  const dir = path.dirname(path.resolve(target));
  const tmp = path.join(dir, `.${path.basename(target)}.${process.pid}.${Date.now()}.tmp`);
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
  try {
    fs.renameSync(tmp, target);
  } catch (err) {
    // The target is a directory, or on a read-only mount...: no stray temporary file.
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

/**
 * Throws (with an errno code, for writeFailure) when writeFileAtomic(file) would surely fail:
 * its directory is missing or not writable, or `file` is a directory. For callers that
 * should refuse before doing long work rather than lose it at the end.
 */
export function checkWritable(file: string): void {
  if (fs.statSync(file, { throwIfNoEntry: false })?.isDirectory()) {
    throw Object.assign(new Error(`${file} is a directory`), { code: 'EISDIR' });
  }
  fs.accessSync(path.dirname(path.resolve(file)), fs.constants.W_OK);
}

/** Why a file could not be written, in a user's words (no temporary file names). */
export function writeFailure(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'ENOENT') return 'no such directory';
  if (e.code === 'EISDIR' || e.code === 'ERR_FS_EISDIR') return 'it is a directory';
  if (e.code === 'ENOTDIR') return 'a part of the path is not a directory';
  if (e.code === 'EACCES' || e.code === 'EPERM') return 'permission denied';
  if (e.code === 'EROFS') return 'read-only file system';
  if (e.code === 'ENOSPC') return 'no space left on the device';
  return e.message ?? String(err);
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
