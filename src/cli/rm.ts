import type { Command } from 'commander';
import { UsageError } from '../errors';
import { resolveProfiles } from '../timeline/files';
import { removeProfiles } from '../timeline/remove';

export function registerRm(program: Command): void {
  program
    .command('rm')
    .description('remove recordings by index (see `memprof list`) or file name')
    .argument('[profiles...]', 'indices or .dat files')
    .option('--dry-run', 'show what would be removed, remove nothing')
    .action((profiles: string[], opts: { dryRun?: boolean }) => {
      if (profiles.length === 0) throw new UsageError('name the recordings to remove: indices from `memprof list` or file names');
      removeProfiles(resolveProfiles(profiles), opts.dryRun === true);
    });
}
