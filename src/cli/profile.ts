import type { Command } from 'commander';

// Placeholder until the line profiler lands.
export function registerProfile(program: Command): void {
  program.argument('[script]').allowUnknownOption().allowExcessArguments().action(() => {
    throw new Error('line profiling is not built yet');
  });
}
