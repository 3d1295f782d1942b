import type { Command } from 'commander';
import { UsageError } from '../errors';
import { attachProcess } from '../timeline/session';
import { addRecordingOptions, sessionOptions, type RecordingFlags } from './run';

export function registerAttach(program: Command): void {
  addRecordingOptions(
    program
      .command('attach')
      .description('record the memory of a running process until it exits, the timeout ends or Ctrl+C')
      .argument('<pid>', 'the process id'),
  ).action(async (pid: string, flags: RecordingFlags) => {
    if (!/^\d+$/.test(pid) || Number(pid) === 0) throw new UsageError(`expected a process id (a whole number), got "${pid}"`);
    process.exitCode = await attachProcess(Number(pid), sessionOptions(flags));
  });
}
