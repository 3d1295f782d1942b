import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Why a program could not start, in a user's words: "command not found", "permission
 * denied". `program` (as given, run from `cwd`) adds a hint when a bare name is not on PATH
 * but is a file in that directory (`memprof run job.py`): the shell would not run it either.
 */
const INTERPRETERS: Record<string, string> = { '.py': 'python3', '.sh': 'sh', '.rb': 'ruby', '.pl': 'perl' };

export function spawnFailure(err: unknown, program?: string, cwd?: string): string {
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'ENOENT') {
    const bare = program !== undefined && !program.includes('/') && !program.includes(path.sep);
    if (program !== undefined && bare && fs.statSync(path.resolve(cwd ?? '.', program), { throwIfNoEntry: false })?.isFile()) {
      const interpreter = INTERPRETERS[path.extname(program).toLowerCase()];
      const how = interpreter ? `run it as ${interpreter} ${program}` : 'put its interpreter before it';
      return `command not found (${program} is a file here: ${how}, or ./${program} if it is executable)`;
    }
    return 'command not found';
  }
  if (e.code === 'EACCES') return 'permission denied';
  return e.message ?? String(err);
}
