import * as fs from 'node:fs';
import { writeFailure } from '../util/write-file';

/** Removes recordings, or with `dryRun` only says which it would remove (mprof's output). */
export function removeProfiles(files: readonly string[], dryRun: boolean, out: NodeJS.WritableStream = process.stdout): void {
  if (dryRun) {
    out.write('Files to be removed: \n');
    for (const file of files) out.write(`${file}\n`);
    return;
  }
  // One that cannot go (a directory named mprofile_*.dat) must not keep the others.
  const failures: string[] = [];
  for (const file of files) {
    try {
      fs.rmSync(file, { force: true });
    } catch (err) {
      failures.push(`cannot remove ${file}: ${writeFailure(err)}`);
    }
  }
  if (failures.length) throw new Error(failures.join('\nmemprof: '));
}
