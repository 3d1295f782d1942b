import * as path from 'node:path';
import type { REPLServer } from 'node:repl';
import { inspect, types } from 'node:util';
import { checkBackendName, type BackendName } from '../meter';
import { whileHoldingInput } from './busy';
import { MEMIT_USAGE, runMemit } from './memit-command';
import { MPRUN_USAGE, runMprun } from './mprun-command';
import { SIZEOF_USAGE, runSizeof } from './sizeof-command';
import { CommandLineError } from './options';
import { precisionProblem } from '../units/size';

export { MEMIT_USAGE, MPRUN_USAGE, SIZEOF_USAGE };

const DIST = path.join(__dirname, '..');

/** The error as the REPL shows an uncaught one, without memprof's own stack frames. */
function describeUncaught(err: unknown): string {
  // Errors from the REPL's context belong to another realm: `instanceof Error` is false.
  if (!types.isNativeError(err) || typeof err.stack !== 'string') return `Uncaught ${inspect(err)}`;
  const lines = err.stack.split('\n');
  const ours = lines.findIndex((line, i) => i > 0 && line.includes(DIST));
  const shown = err.name === 'SyntaxError' && ours === 1 ? lines.slice(0, 1) : ours > 0 ? lines.slice(0, ours) : lines;
  return `Uncaught ${shown.join('\n')}`;
}

type Command = (server: REPLServer, text: string) => Promise<string>;

function define(server: REPLServer, name: string, help: string, command: Command): void {
  server.defineCommand(name, {
    help,
    action(text: string) {
      void whileHoldingInput(server, async () => {
        try {
          server.output.write(await command(server, text));
        } catch (err) {
          // A bad option is one line; an error from the user's code reads as the REPL's own.
          server.output.write(err instanceof CommandLineError ? `.${name}: ${err.message}\n` : `${describeUncaught(err)}\n`);
        }
        server.displayPrompt();
      });
    },
  });
}

export interface ReplCommandOptions {
  /** Decimal places of MiB in .mprun's tables (default 1). */
  precision?: number;
  /** The line profiler's meter for .mprun (default native); the first profiled function's
   * choice holds for the process. */
  backend?: BackendName;
}

/**
 * Adds `.memit` and `.mprun` (IPython's %memit and %mprun) to a Node REPL:
 * `require('memprof/repl').addCommands(require('node:repl').start())`.
 */
export function addCommands(server: REPLServer, options: ReplCommandOptions = {}): REPLServer {
  // Checked here, so a wrong call fails in one line instead of inside node:repl.
  if (typeof (server as Partial<REPLServer> | null)?.defineCommand !== 'function') {
    throw new TypeError('addCommands needs a REPL server, as require(\'node:repl\').start() returns');
  }
  if (options === null || typeof options !== 'object' || Array.isArray(options)) throw new TypeError('addCommands options must be an object');
  for (const key of Object.keys(options)) {
    if (key !== 'precision' && key !== 'backend') throw new TypeError(`unknown addCommands option "${key}": valid options are precision, backend`);
  }
  const precision = options.precision ?? 1;
  if (precisionProblem(precision)) {
    throw new TypeError(precisionProblem(precision) as string);
  }
  const backend = options.backend === undefined ? undefined : checkBackendName(options.backend);
  define(server, 'memit', `Peak memory and increment of a statement: ${MEMIT_USAGE}`, runMemit);
  define(server, 'mprun', `Line-by-line memory of functions while a statement runs: ${MPRUN_USAGE}`, (s, text) =>
    runMprun(s, text, { precision, backend }),
  );
  define(server, 'sizeof', `Shallow and retained size of a value, from a heap snapshot: ${SIZEOF_USAGE}`, runSizeof);
  return server;
}
