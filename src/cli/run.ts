import type { Command } from 'commander';
import { UsageError } from '../errors';
import { runProgram, type SessionOptions } from '../timeline/session';
import { secondsOption } from './options';
import { parseGuard } from '../guard/limit';

export interface RecordingFlags {
  interval: number;
  includeChildren?: boolean;
  multiprocess?: boolean;
  timeout?: number;
  output?: string;
}

/** The options `run` and `attach` share, as mprof names them. */
export function addRecordingOptions(command: Command): Command {
  return command
    .option('-T, --interval <seconds>', 'sampling period in seconds, 0.0001 and up', secondsOption, 0.01)
    .option('-C, --include-children', 'add the memory of all child processes to the curve')
    .option('-M, --multiprocess', 'record one CHLD curve per child process')
    .option('-t, --timeout <seconds>', 'stop after this many seconds (run also stops the program; attach leaves it running)', secondsOption)
    .option('-o, --output <file>', 'the .dat file to write (default: mprofile_YYYYMMDDhhmmss.dat here)');
}

export function sessionOptions(flags: RecordingFlags): SessionOptions {
  if (flags.interval < 0.0001) {
    throw new UsageError(`--interval ${flags.interval} is below the shortest period, 0.0001 s (10 kHz)`);
  }
  return {
    output: flags.output,
    intervalSeconds: flags.interval,
    includeChildren: flags.includeChildren === true,
    multiprocess: flags.multiprocess === true,
    timeoutSeconds: flags.timeout,
  };
}

export function registerRun(program: Command): void {
  addRecordingOptions(
    program
      .command('run')
      .description(
        'run a program and record its memory over time into an mprof .dat file; a .js/.mjs/.cjs file runs under node ' +
          'with `profile` as a global, and its profiled functions become FUNC brackets',
      )
      .argument('<program>', 'a .js/.mjs/.cjs file, or any command')
      .argument('[args...]', "the program's arguments (options after the program are the program's)")
      .passThroughOptions(),
  )
    .option('-E, --exit-code', "exit with the program's exit code (default: 0, as mprof)")
    .option('--guard <size|auto>', "OOM guard: when RSS (with children) reaches <size>, or auto (the cgroup's memory limit minus a margin), write what explains it (see docs/guard.md)")
    .option('--guard-snapshot', 'with --guard: also write a heap snapshot, when disk and memory have room for it')
    .action(async (name: string, args: string[], flags: RecordingFlags & { exitCode?: boolean; guard?: string; guardSnapshot?: boolean }) => {
      if (flags.guardSnapshot && !flags.guard) throw new UsageError('--guard-snapshot goes with --guard <size|auto>');
      const guard = flags.guard !== undefined ? { limit: parseGuard(flags.guard), snapshot: flags.guardSnapshot === true } : undefined;
      process.exitCode = await runProgram({ ...sessionOptions(flags), program: name, args, exitCode: flags.exitCode === true, guard });
    });
}
