import type { REPLServer } from 'node:repl';
import { CommandLineError } from './options';

export const MPRUN_USAGE = '.mprun -f <function> [-f <function> ...] <statement>';

export async function runMprun(_server: REPLServer, _text: string): Promise<string> {
  throw new CommandLineError('not available until the line profiler lands');
}
