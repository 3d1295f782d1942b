import type { Command } from 'commander';

// Placeholder until the owning issue lands: the subcommand exists and says so.
export function registerCheck(program: Command): void {
  program
    .command('check')
    .description('(not built yet)')
    .allowUnknownOption()
    .allowExcessArguments()
    .action(() => {
      throw new Error('memprof check is not built yet');
    });
}
