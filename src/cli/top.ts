import { Option, type Command } from 'commander';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UsageError } from '../errors';
import { checkTopOutput, TOP_FORMATS, topFormatOf, writeTopReport, type TopFormat } from '../top/report/write';
import { runTop } from '../top/run';
import { positiveIntOption, samplingIntervalOption, secondsOption } from './options';

interface TopCliOptions {
  top: number;
  format?: TopFormat;
  output?: string;
  includeDeps?: boolean;
  secondPass?: boolean;
  duration?: number;
  discovery: number;
  samplingInterval: number;
  firstPassOut?: string;
  fast?: boolean;
}

const EXAMPLES = `
Examples:
  memprof top app.js                    where the memory went, then line tables of the top 5
  memprof top --top 10 -o report.html app.js    timeline, flame graph and tables in one page
  memprof top --format json -o top.json app.js
  memprof top -o heap.pb.gz app.js      pprof for go tool pprof (-o x.speedscope.json: speedscope)
  memprof top --duration 30 server.js   stop a server after 30 s (or press Ctrl+C) and report
  memprof top --second-pass build.js    run twice: discover, then line tables from the start
`;

export function registerTop(program: Command): void {
  program
    .command('top')
    .description('run <script> with nothing to select: which functions allocate the most, then their line tables')
    .argument('<script>', 'the JavaScript file to run (CommonJS or ES module)')
    .argument('[args...]', "the script's own arguments")
    .option('--top <n>', 'how many functions get line tables', positiveIntOption, 5)
    .addOption(new Option('--format <format>', 'report format (default: from -o, else text)').choices([...TOP_FORMATS]))
    .option('-o, --output <file>', 'write the report to <file> (.html: one self-contained page; .pb.gz: pprof; .speedscope.json: speedscope; - is stdout)')
    .option('--include-deps', 'rank and zoom into node_modules functions instead of charging their package')
    .option('--second-pass', 'run the program twice: discover, then instrument the top functions as they load (and measure what stays alive)')
    .option('--fast', "line tables read the sampler's latest value at each line (cheaper, at the sampler's resolution)")
    .option('--duration <seconds>', 'end the run and report after this many seconds', secondsOption)
    .option('--discovery <seconds>', 'first look at the profile (to zoom in) after this many seconds', secondsOption, 1)
    .option('--sampling-interval <bytes>', "V8's mean bytes between heap samples (V8's own default is 32KiB)", samplingIntervalOption, 65536)
    .addOption(new Option('--first-pass-out <file>').hideHelp())
    .passThroughOptions()
    .addHelpText('after', EXAMPLES)
    .action(async (script: string, args: string[], options: TopCliOptions) => {
      const file = path.resolve(script);
      if (!fs.existsSync(file) || !fs.statSync(file).isFile()) throw new UsageError(`cannot find script ${script}`, 1);
      const format = options.format ?? topFormatOf(options.output);
      // As for `memprof <script>`: the program's own stdout would corrupt a document after it.
      checkTopOutput(format, options.output, true);
      await runTop({
        script: file,
        args,
        top: options.top,
        includeDeps: options.includeDeps === true,
        samplingInterval: options.samplingInterval,
        discoveryMs: options.discovery * 1000,
        durationMs: options.duration === undefined ? undefined : options.duration * 1000,
        secondPass: options.secondPass === true,
        fast: options.fast === true,
        firstPassOut: options.firstPassOut,
        onReport: (report) => writeTopReport(report, format, options.output, Math.max(10, options.top)),
      });
    });
}
