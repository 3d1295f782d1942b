import type { Command } from 'commander';

// Placeholder until the owning issue lands: the subcommand exists and says so.
export function registerClean(program: Command): void {
  program
    .command('clean')
    .description('(not built yet)')
    .allowUnknownOption()
    .allowExcessArguments()
    .action(() => {
      throw new Error('memprof clean is not built yet');
    });
}
