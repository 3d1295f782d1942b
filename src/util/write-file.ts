import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Writes a whole file so that readers (and a crash) see either the old file or the new
 * one, never half of it: write a temporary file beside it, flush it, then rename.
 * The temporary file has a random name and is created with O_CREAT|O_EXCL|O_NOFOLLOW, mode
 * 0600: a name planted in a shared directory (a symlink to someone else's file) makes the
 * open fail instead of writing through it. It takes the replaced file's mode (or the
 * umask's) just before the rename.
 * A symlink named as `file` is followed (the link stays, its target gets the content); a
 * device or pipe (`-o /dev/stdout`, a FIFO) is written to: renaming over it would replace
 * the device itself, system-wide when run as root.
 */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const existing = fs.statSync(file, { throwIfNoEntry: false });
  if (existing && !existing.isFile() && !existing.isDirectory()) {
    fs.writeFileSync(file, data);
    return;
  }
  const target = existing ? fs.realpathSync(file) : file;
  const { fd, tmp } = openPrivateTemp(target);
  try {
    fs.writeFileSync(fd, data);
    fs.fchmodSync(fd, existing?.isFile() ? existing.mode & 0o7777 : 0o666 & ~currentUmask());
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

const EXCLUSIVE = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | (fs.constants.O_NOFOLLOW ?? 0);

/** A new file `.<name>.<random>.tmp` beside `target`, opened exclusively, mode 0600. */
function openPrivateTemp(target: string): { fd: number; tmp: string } {
  const dir = path.dirname(path.resolve(target));
  for (let attempt = 0; ; attempt++) {
    const tmp = path.join(dir, `.${path.basename(target)}.${(require('node:crypto') as typeof import('node:crypto')).randomBytes(6).toString('hex')}.tmp`);
    try {
      return { fd: fs.openSync(tmp, EXCLUSIVE, 0o600), tmp };
    } catch (err) {
      // A name taken (by chance, or planted): draw another, a few times.
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 8) throw err;
    }
  }
}

function currentUmask(): number {
  return process.umask();
}

/**
 * Creates `file` only if no file of that name exists (O_CREAT|O_EXCL|O_NOFOLLOW) with `data`;
 * false when the name is taken, so the caller can take the next one. Two memprof processes
 * choosing a name in the same second never share a file.
 */
export function createExclusive(file: string, data: string, mode = 0o644): boolean {
  let fd: number;
  try {
    fd = fs.openSync(file, EXCLUSIVE, mode);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    writeAllOrNothing(fd, data, 0);
  } catch (err) {
    fs.closeSync(fd);
    fs.rmSync(file, { force: true });
    throw err;
  }
  fs.closeSync(fd);
  return true;
}

/**
 * Lets `write(file)` write a file that another program creates by name (V8's heap snapshot)
 * and gives it the name `file` only if no file of that name exists: it is written in a new
 * private directory (mkdtemp: random name, mode 0700) beside `file`, then hard-linked into
 * place (link(2) never replaces nor follows what is there), and the directory removed.
 * Returns false when the name is taken.
 */
export function writeExclusiveVia(file: string, write: (tmp: string) => void): boolean {
  const dir = fs.mkdtempSync(path.join(path.dirname(path.resolve(file)), '.memprof-'));
  try {
    const tmp = path.join(dir, path.basename(file));
    write(tmp);
    try {
      fs.linkSync(tmp, file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw err;
    }
    return true;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
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

/**
 * The exit code for a file that could not be written: 1 when the system ran out of room or
 * failed (nothing the command line can fix), 2 for a path the user can correct.
 */
export function writeFailureExitCode(err: unknown): number {
  return ['ENOSPC', 'EDQUOT', 'EFBIG', 'EIO'].includes((err as NodeJS.ErrnoException).code ?? '') ? 1 : 2;
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
  if (e.code === 'EDQUOT') return 'disk quota exceeded';
  return e.message ?? String(err);
}

/**
 * Appends a block of text in one write(2) on an O_APPEND descriptor, so a crash leaves the
 * file with the whole block or none of it (memory_profiler's `-o` appends reports). A write
 * that stops short (a full disk, a quota) is undone, the file cut back to its size before,
 * and throws: the previous content stays intact and no half block is left.
 */
export function appendWhole(file: string, data: string): void {
  const existed = fs.existsSync(file);
  const fd = fs.openSync(file, 'a');
  try {
    writeAllOrNothing(fd, data, fs.fstatSync(fd).size);
  } catch (err) {
    fs.closeSync(fd);
    // A file this call created and could not fill is removed: no 0-byte report left behind.
    if (!existed) fs.rmSync(file, { force: true });
    throw err;
  }
  fs.closeSync(fd);
}

/** Writes all of `data` at the end of fd; on failure truncates fd back to `sizeBefore` and throws. */
export function writeAllOrNothing(fd: number, data: string, sizeBefore: number): void {
  const bytes = Buffer.from(data);
  let written = 0;
  try {
    while (written < bytes.length) {
      const n = fs.writeSync(fd, bytes, written, bytes.length - written);
      // write(2) returns a short count when the disk fills part-way; the next one says why.
      if (n <= 0) throw Object.assign(new Error('no space left on the device'), { code: 'ENOSPC' });
      written += n;
    }
  } catch (err) {
    try {
      fs.ftruncateSync(fd, sizeBefore);
    } catch {
      // Nothing more can be done; the caller reports the write's error.
    }
    throw err;
  }
}
