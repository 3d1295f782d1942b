import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { UsageError } from '../errors';
import { readSampledDat } from '../timeline/dat';
import { resolveProfiles } from '../timeline/files';
import { buildPlotModel, plotFormat, renderTerminal, writePlot } from '../timeline/plot';
import { checkExportFormat, exportFormatOf, exportRecording, type RecordingExport } from '../export/recording';
import { writeAllSync } from '../util/write-sync';
import { writeFailure, writeFileAtomic } from '../util/write-file';

function windowOption(value: string): [number, number] {
  const parts = value.split(',').map((p) => Number(p.trim()));
  if (parts.length !== 2 || value.split(',').some((p) => p.trim() === '') || !parts.every(Number.isFinite) || parts[0] >= parts[1]) {
    throw new InvalidArgumentError('expected two numbers of seconds, start before end, separated by a comma, e.g. 0,20.5');
  }
  return [parts[0], parts[1]];
}

interface PlotFlags {
  output?: string;
  title?: string;
  window?: [number, number];
  functionTs: boolean;
  flame?: boolean;
  slope?: boolean;
  format?: RecordingExport;
}

export function registerPlot(program: Command): void {
  program
    .command('plot')
    .description('plot memory over time from recordings (default: the newest); several files are overlaid')
    .argument('[files...]', '.dat files or indices from `memprof list`')
    .option('-o, --output <file>', 'write the plot to a file: .svg (static), .html (interactive, offline) or .png; without it, draw in the terminal')
    .option('-t, --title <title>', 'title of the plot (default: the recorded command line)')
    .option('-w, --window <t0,t1>', 'plot only this time range, in seconds from the start', windowOption)
    .option('-n, --no-function-ts', 'do not draw the brackets of profiled functions')
    .option('-f, --flame', 'draw profiled functions as flame rectangles under the curve')
    .option('-s, --slope', 'draw a trend line and print its slope')
    .option('--format <format>', 'export for other tools instead of plotting: trace (Chrome trace events: Perfetto, chrome://tracing) or speedscope; also chosen by -o x.trace.json / x.speedscope.json', checkExportFormat)
    .action((files: string[], opts: PlotFlags) => {
      const exportAs = opts.format ?? (opts.output !== undefined ? exportFormatOf(opts.output) : null);
      if (opts.output !== undefined && !exportAs) plotFormat(opts.output); // fail before reading anything
      const recordings = resolveProfiles(files).map((f) => readSampledDat(f, (text) => process.stderr.write(`memprof: ${text}\n`)));
      if (exportAs) {
        if (recordings.length > 1) throw new UsageError(`--format ${exportAs} exports one recording: name one file`);
        const text = exportRecording(recordings[0], exportAs);
        if (opts.output === undefined) writeAllSync(1, `${text}\n`);
        else {
          try {
            writeFileAtomic(opts.output, text);
          } catch (err) {
            throw new UsageError(`cannot write ${opts.output}: ${writeFailure(err)}`, 1);
          }
          process.stderr.write(`memprof: wrote ${opts.output}\n`);
        }
        return;
      }
      const options = {
        title: opts.title,
        window: opts.window,
        // mprof draws brackets for one file only; the overlay of several would be unreadable.
        functions: opts.functionTs && recordings.length === 1,
        flame: opts.flame,
        slope: opts.slope,
      };
      if (opts.window) {
        const [t0, t1] = opts.window;
        const inWindow = buildPlotModel(recordings, { window: opts.window, functions: false, maxPoints: 2 }).samples;
        // Not an error (mprof draws the empty frame too), but say why the chart is empty.
        if (inWindow === 0) process.stderr.write(`memprof: no samples between ${t0} s and ${t1} s (seconds from the start of the recording)\n`);
      }
      if (opts.output !== undefined) {
        writePlot(recordings, opts.output, options);
        process.stderr.write(`memprof: wrote ${opts.output}\n`);
      } else {
        const model = buildPlotModel(recordings, { ...options, maxPoints: 2000 });
        process.stdout.write(renderTerminal(model, process.stdout.columns || 100, 16));
      }
      if (opts.slope) {
        const model = buildPlotModel(recordings.slice(0, 1), { window: opts.window, slope: true });
        if (model.slope) process.stdout.write(`slope: ${model.slope.perSecond.toFixed(6)} MiB/s\n`);
      }
    });
}
