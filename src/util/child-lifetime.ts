import * as fs from 'node:fs';
import * as path from 'node:path';
import { tryAddon } from '../native';

// A program memprof starts must not outlive memprof, even when memprof is SIGKILLed (when
// nothing in memprof runs any more). Linux: PR_SET_PDEATHSIG, set in the child between fork
// and exec by util-linux's `setpriv --pdeathsig KILL` (Node runs no code there); the kernel
// then kills the program when memprof's thread that started it ends. Windows: a Job Object
// with KILL_ON_JOB_CLOSE (the addon). macOS has neither: the program may outlive a killed
// memprof there.

const SETPRIV_PLACES = ['/usr/bin/setpriv', '/bin/setpriv', '/usr/sbin/setpriv'];

let setpriv: string | null | undefined;
function findSetpriv(): string | null {
  if (setpriv === undefined) setpriv = process.platform === 'linux' ? SETPRIV_PLACES.find((p) => isExecutable(p)) ?? null : null;
  return setpriv;
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** Where `program` would be found as spawn finds it (PATH), or null: the wrapper cannot say. */
function resolvesToProgram(program: string, cwd = '.'): boolean {
  if (program.includes('/')) return isExecutable(path.resolve(cwd, program));
  return (process.env.PATH ?? '').split(path.delimiter).some((dir) => dir !== '' && isExecutable(path.join(dir, program)));
}

/**
 * The argv to spawn so that the program dies with memprof (Linux, with setpriv), else `argv`
 * as it is. A program that would not be found is left unwrapped, so spawn reports it as
 * "command not found" rather than the wrapper failing with its own message.
 */
export function diesWithThisProcess(argv: readonly string[], cwd?: string): string[] {
  const wrapper = findSetpriv();
  if (!wrapper || !resolvesToProgram(argv[0], cwd)) return [...argv];
  return [wrapper, '--pdeathsig', 'KILL', '--', ...argv];
}

/** After spawn: where the OS ties a child to its parent from the parent's side (Windows). */
export function tieToThisProcess(pid: number): void {
  if (process.platform === 'win32') tryAddon()?.endWithThisProcess(pid);
}
