import * as fs from 'node:fs';

/** Removes recordings, or with `dryRun` only says which it would remove (mprof's output). */
export function removeProfiles(files: readonly string[], dryRun: boolean, out: NodeJS.WritableStream = process.stdout): void {
  if (dryRun) {
    out.write('Files to be removed: \n');
    for (const file of files) out.write(`${file}\n`);
    return;
  }
  for (const file of files) fs.rmSync(file);
}
