import { Option, type Command } from 'commander';
import { UsageError } from '../errors';
import type { BackendName } from '../meter';
import { attachLines } from '../remote/attach-lines';
import { REPORT_FORMATS, type ReportFormat } from '../report';
import { parseSelector } from '../trace/selectors';
import { attachProcess, findProcess } from '../timeline/session';
import { BACKEND_CHOICES, backendOption, nonNegativeIntOption, secondsOption } from './options';
import { addRecordingOptions, sessionOptions, type RecordingFlags } from './run';

interface AttachFlags extends RecordingFlags {
  lines?: boolean;
  function: string[];
  reportEvery?: number;
  format: ReportFormat;
  fast?: boolean;
  precision: number;
  backend?: BackendName;
}

const EXAMPLES = `
Examples:
  memprof attach 1234 -t 60                record the memory of pid 1234 for a minute (.dat)
  memprof attach --lines -f handler 1234   line tables of handler() in the running pid 1234 (Ctrl+C)
  memprof attach --lines -f app.js:42 --fast --report-every 10 1234
`;

export function registerAttach(program: Command): void {
  addRecordingOptions(
    program
      .command('attach')
      .description('record the memory of a running process until it exits, the timeout ends or Ctrl+C; with --lines, line tables of its functions')
      .argument('<pid|name>', 'the process id, or a part of its name (the first match, as mprof)'),
  )
    .option('--lines', 'line-by-line tables of the functions named by -f in a running Node process (opens its inspector on 127.0.0.1; see docs/attach.md)')
    .option('-f, --function <selector>', 'with --lines: a function to probe: name, file.js:name or file.js:line (repeatable)', (v: string, p: string[]) => [...p, v], [])
    .option('--report-every <seconds>', 'with --lines: print the tables so far this often', secondsOption)
    .addOption(new Option('--format <format>', 'with --lines: report format').choices([...REPORT_FORMATS]).default('text'))
    .option('--fast', "with --lines: read the sampler's latest value at each line (cheaper)")
    .option('--precision <n>', 'with --lines: decimal places of MiB in tables', nonNegativeIntOption, 1)
    .addOption(new Option('--backend <name>', `with --lines: what to measure: ${BACKEND_CHOICES}`).argParser(backendOption))
    .addHelpText('after', EXAMPLES)
    .action(async (target: string, flags: AttachFlags) => {
      if (target.trim() === '' || Number(target) === 0) throw new UsageError(`expected a process id or name, got "${target}"`);
      const pid = /^\d+$/.test(target) ? Number(target) : findProcess(target);
      if (!flags.lines) {
        if (flags.function.length > 0) throw new UsageError('-f selects functions for --lines: add --lines (or drop -f to record memory over time)');
        process.exitCode = await attachProcess(pid, sessionOptions(flags));
        return;
      }
      if (flags.function.length === 0) throw new UsageError('--lines needs at least one -f <function> to probe');
      process.exitCode = await attachLines(pid, {
        selectors: flags.function.map(parseSelector),
        fast: flags.fast === true,
        backend: flags.backend,
        format: flags.format,
        precision: flags.precision,
        output: flags.output,
        timeoutSeconds: flags.timeout,
        reportEverySeconds: flags.reportEvery,
      });
    });
}
