import type { Command } from 'commander';
import { UsageError } from '../errors';
import { attachProcess, findProcess } from '../timeline/session';
import { addRecordingOptions, sessionOptions, type RecordingFlags } from './run';

export function registerAttach(program: Command): void {
  addRecordingOptions(
    program
      .command('attach')
      .description('record the memory of a running process until it exits, the timeout ends or Ctrl+C')
      .argument('<pid|name>', 'the process id, or a part of its name (the first match, as mprof)'),
  ).action(async (target: string, flags: RecordingFlags) => {
    if (target.trim() === '' || Number(target) === 0) throw new UsageError(`expected a process id or name, got "${target}"`);
    const pid = /^\d+$/.test(target) ? Number(target) : findProcess(target);
    process.exitCode = await attachProcess(pid, sessionOptions(flags));
  });
}
