import type { Command } from 'commander';
import { listProfiles, profileDate } from '../timeline/files';

export function registerList(program: Command): void {
  program
    .command('list')
    .description('list the recordings in this directory with their indices (0 is the oldest)')
    .action(() => {
      listProfiles().forEach((name, index) => process.stdout.write(`${index} ${name} ${profileDate(name)}\n`));
    });
}
