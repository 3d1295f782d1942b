import { Command, CommanderError } from 'commander';
import { UsageError } from '../errors';
import { quietOnClosedStdout } from '../util/closed-stdout';
import { VERSION } from '../version';
import { registerProfile } from './profile';
import { registerRun } from './run';
import { registerAttach } from './attach';
import { registerPlot } from './plot';
import { registerPeak } from './peak';
import { registerList } from './list';
import { registerRm } from './rm';
import { registerClean } from './clean';
import { registerCheck } from './check';
import { registerRepl } from './repl';
import { registerLeaks } from './leaks';

/** The commander program: `memprof <script>` profiles lines; subcommands do the rest. */
export function buildProgram(): Command {
  const program = new Command('memprof')
    .version(VERSION, '-V, --version')
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({
      outputError: (text, write) =>
        write(`memprof: ${text.replace(/^error: /, '').trimEnd()} (see memprof --help)\n`),
    });
  registerProfile(program);
  for (const register of [
    registerRun,
    registerAttach,
    registerPlot,
    registerPeak,
    registerList,
    registerRm,
    registerClean,
    registerCheck,
    registerRepl,
    registerLeaks,
  ]) {
    register(program);
  }
  for (const command of program.commands) command.exitOverride();
  // Commands whose stdout is memprof's own report (the line profiler's is the program's).
  const reports = new Set(['list', 'peak', 'plot', 'rm', 'clean', 'check']);
  program.hook('preAction', (_program, action) => {
    if (reports.has(action.name())) quietOnClosedStdout();
  });
  return program;
}

/** Runs the CLI; usage errors print one line and exit 2, never a stack trace. */
export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    process.exitCode = exitCodeFor(err);
  }
}

function exitCodeFor(err: unknown): number {
  if (err instanceof CommanderError) {
    // commander has printed the message (or the help/version text) already.
    return err.exitCode === 0 ? 0 : 2;
  }
  if (err instanceof UsageError) {
    process.stderr.write(`memprof: ${err.message}\n`);
    return err.exitCode;
  }
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`memprof: ${message}\n`);
  if (process.env.MEMPROF_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
  return 1;
}
