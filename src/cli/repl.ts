import * as os from 'node:os';
import * as path from 'node:path';
import * as repl from 'node:repl';
import type { Command } from 'commander';
import type { BackendName } from '../meter';
import { addCommands } from '../repl';
import { backendChoices, backendOption, precisionOption } from './options';

/** `memprof repl`: Node's REPL with `.memit` and `.mprun`. */
export function registerRepl(program: Command): void {
  program
    .command('repl')
    .description("start Node's REPL with .memit (peak memory and increment of a statement) and .mprun (line-by-line memory of functions)")
    .option('--precision <n>', "decimal places of MiB in .mprun's tables (0 to 20)", precisionOption, 1)
    .option('--backend <name>', `.mprun's meter: ${backendChoices()}`, backendOption)
    .action(async (options: { precision: number; backend?: BackendName }) => {
      const server = addCommands(repl.start({ prompt: 'memprof> ', useGlobal: true, breakEvalOnSigint: true }), options);
      if (server.terminal) {
        // History like node's own REPL, in a file of its own.
        const file = process.env.MEMPROF_REPL_HISTORY ?? path.join(os.homedir(), '.memprof_repl_history');
        if (file !== '') server.setupHistory(file, () => undefined);
      }
      await new Promise<void>((resolve) => server.once('exit', resolve));
    });
}
