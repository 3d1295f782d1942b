import { Option, type Command } from 'commander';
import { UsageError } from '../errors';
import type { BackendName } from '../meter';
import { attachLines } from '../remote/attach-lines';
import { attachTop } from '../remote/attach-top';
import { REPORT_FORMATS, type ReportFormat } from '../report';
import { TOP_FORMATS, topFormatOf, type TopFormat } from '../top/report/write';
import { parseSelector } from '../trace/selectors';
import { attachProcess, findProcess } from '../timeline/session';
import { backendChoices, backendOption, nonNegativeIntOption, samplingIntervalOption, secondsOption } from './options';
import { addRecordingOptions, sessionOptions, type RecordingFlags } from './run';

interface AttachFlags extends RecordingFlags {
  lines?: boolean;
  top?: boolean;
  function: string[];
  reportEvery?: number;
  format?: ReportFormat | TopFormat;
  includeDeps?: boolean;
  samplingInterval: number;
  fast?: boolean;
  precision: number;
  backend?: BackendName;
}

const EXAMPLES = `
Examples:
  memprof attach 1234 -t 60                record the memory of pid 1234 for a minute (.dat)
  memprof attach --lines -f handler 1234   line tables of handler() in the running pid 1234 (Ctrl+C)
  memprof attach --lines -f app.js:42 --fast --report-every 10 1234
  memprof attach --top -t 30 1234           which functions of pid 1234 allocate the most (Ctrl+C or -t)
  memprof attach --top -o heap.pb.gz 1234   the same as pprof (.html, .json, .speedscope.json too)
`;

const FORMATS = [...new Set<string>([...REPORT_FORMATS, ...TOP_FORMATS])];

export function registerAttach(program: Command): void {
  addRecordingOptions(
    program
      .command('attach')
      .description('record the memory of a running process until it exits, the timeout ends or Ctrl+C; with --lines, line tables of its functions; with --top, which functions allocate')
      .argument('<pid|name>', 'the process id, or a part of its name (the first match, as mprof)'),
  )
    .option('--lines', 'line-by-line tables of the functions named by -f in a running Node process (opens its inspector on 127.0.0.1; see docs/attach.md)')
    .option('-f, --function <selector>', 'with --lines: a function to probe: name, file.js:name or file.js:line (repeatable)', (v: string, p: string[]) => [...p, v], [])
    .option('--top', "memprof top's discovery for a running Node process: V8's sampling heap profiler over its inspector (127.0.0.1; see docs/attach.md)")
    .option('--report-every <seconds>', 'with --lines: print the tables so far this often', secondsOption)
    .addOption(new Option('--format <format>', `with --lines: ${REPORT_FORMATS.join(', ')}; with --top: ${TOP_FORMATS.join(', ')} (default: from -o, else text)`).choices(FORMATS))
    .option('--include-deps', 'with --top: rank node_modules functions instead of charging their package')
    .option('--sampling-interval <bytes>', "with --top: V8's mean bytes between heap samples", samplingIntervalOption, 65536)
    .option('--fast', "with --lines: read the sampler's latest value at each line (cheaper)")
    .option('--precision <n>', 'with --lines: decimal places of MiB in tables', nonNegativeIntOption, 1)
    .addOption(new Option('--backend <name>', `with --lines: what to measure: ${backendChoices()}`).argParser(backendOption))
    .addHelpText('after', EXAMPLES)
    .action(async (target: string, flags: AttachFlags) => {
      if (target.trim() === '' || Number(target) === 0) throw new UsageError(`expected a process id or name, got "${target}"`);
      const pid = /^\d+$/.test(target) ? Number(target) : findProcess(target);
      if (flags.top) {
        if (flags.lines) throw new UsageError('--top and --lines are two ways to attach: choose one');
        if (flags.function.length > 0) throw new UsageError('-f selects functions for --lines; --top finds them itself: drop -f');
        const format = flags.format ?? topFormatOf(flags.output);
        if (!(TOP_FORMATS as readonly string[]).includes(format)) throw new UsageError(`--top writes ${TOP_FORMATS.join(', ')}: not ${format}`);
        process.exitCode = await attachTop(pid, {
          samplingInterval: flags.samplingInterval,
          includeDeps: flags.includeDeps === true,
          format: format as TopFormat,
          output: flags.output,
          timeoutSeconds: flags.timeout,
        });
        return;
      }
      if (!flags.lines) {
        if (flags.function.length > 0) throw new UsageError('-f selects functions for --lines: add --lines (or drop -f to record memory over time)');
        process.exitCode = await attachProcess(pid, sessionOptions(flags));
        return;
      }
      if (flags.function.length === 0) throw new UsageError('--lines needs at least one -f <function> to probe');
      const format = flags.format ?? 'text';
      if (!(REPORT_FORMATS as readonly string[]).includes(format)) throw new UsageError(`--lines writes ${REPORT_FORMATS.join(', ')}: not ${format}`);
      process.exitCode = await attachLines(pid, {
        selectors: flags.function.map(parseSelector),
        fast: flags.fast === true,
        backend: flags.backend,
        format: format as ReportFormat,
        precision: flags.precision,
        output: flags.output,
        timeoutSeconds: flags.timeout,
        reportEverySeconds: flags.reportEvery,
      });
    });
}
