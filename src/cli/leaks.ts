import * as fs from 'node:fs';
import { Option, type Command } from 'commander';
import { UsageError } from '../errors';
import { runLeaks } from '../heap/leaks-run';
import { formatLeaks, LEAKS_FORMATS, type LeaksFormat } from '../report/leaks';
import { checkWritable, writeFileAtomic, writeFailure } from '../util/write-file';
import { writeAllSync } from '../util/write-sync';
import { secondsOption } from './options';

interface LeaksFlags {
  interval?: number;
  signal?: boolean;
  format: LeaksFormat;
  output?: string;
}

export function registerLeaks(program: Command): void {
  program
    .command('leaks')
    .description('run a Node.js script, snapshot its heap repeatedly and report allocation sites whose live objects keep growing')
    .option('--interval <seconds>', 'take a snapshot every this many seconds', secondsOption)
    .option('--no-signal', 'do not take a snapshot on SIGUSR2')
    .addOption(new Option('--format <format>', 'report format').choices(LEAKS_FORMATS as unknown as string[]).default('text'))
    .option('-o, --output <file>', 'write the report to this file (- is stdout)')
    .argument('<script>', 'the Node.js script to run')
    .argument('[args...]', 'its arguments')
    .passThroughOptions()
    .action(async (script: string, args: string[], flags: LeaksFlags) => {
      if (!fs.existsSync(script)) throw new UsageError(`cannot find script ${script}`, 1);
      // As for `memprof <script>`: the program's own stdout would corrupt a JSON document after it.
      if (flags.format === 'json' && !flags.output) {
        throw new UsageError("--format json needs -o <file>: the program's own output also goes to stdout and would corrupt the document (-o - prints it there anyway)");
      }
      // Say so before the program runs, not after its report is lost.
      if (flags.output && flags.output !== '-') {
        try {
          checkWritable(flags.output);
        } catch (err) {
          throw new UsageError(`cannot write ${flags.output}: ${writeFailure(err)}`);
        }
      }
      const run = await runLeaks({ script, args, intervalSeconds: flags.interval, onSignal: flags.signal !== false });
      const report = formatLeaks({ command: [script, ...args].join(' '), snapshots: run.snapshots, sites: run.sites }, flags.format);
      if (flags.output && flags.output !== '-') {
        try {
          writeFileAtomic(flags.output, report);
        } catch (err) {
          throw new UsageError(`cannot write ${flags.output}: ${writeFailure(err)}`, 1);
        }
      } else {
        writeAllSync(1, report);
      }
      process.exitCode = run.code;
    });
}
