import type { Command } from 'commander';
import { listProfiles } from '../timeline/files';
import { removeProfiles } from '../timeline/remove';

export function registerClean(program: Command): void {
  program
    .command('clean')
    .description('remove every mprofile_*.dat recording in this directory')
    .option('--dry-run', 'show what would be removed, remove nothing')
    .action((opts: { dryRun?: boolean }) => {
      removeProfiles(listProfiles(), opts.dryRun === true);
    });
}
