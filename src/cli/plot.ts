import type { Command } from 'commander';

// Placeholder until the owning issue lands: the subcommand exists and says so.
export function registerPlot(program: Command): void {
  program
    .command('plot')
    .description('(not built yet)')
    .allowUnknownOption()
    .allowExcessArguments()
    .action(() => {
      throw new Error('memprof plot is not built yet');
    });
}
