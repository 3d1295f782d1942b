/** Why a program could not start, in a user's words: "command not found", "permission denied". */
export function spawnFailure(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'ENOENT') return 'command not found';
  if (e.code === 'EACCES') return 'permission denied';
  return e.message ?? String(err);
}
