import type { Command } from 'commander';

// Placeholder until the owning issue lands: the subcommand exists and says so.
export function registerRm(program: Command): void {
  program
    .command('rm')
    .description('(not built yet)')
    .allowUnknownOption()
    .allowExcessArguments()
    .action(() => {
      throw new Error('memprof rm is not built yet');
    });
}
