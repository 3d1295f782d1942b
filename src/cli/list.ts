import type { Command } from 'commander';

// Placeholder until the owning issue lands: the subcommand exists and says so.
export function registerList(program: Command): void {
  program
    .command('list')
    .description('(not built yet)')
    .allowUnknownOption()
    .allowExcessArguments()
    .action(() => {
      throw new Error('memprof list is not built yet');
    });
}
