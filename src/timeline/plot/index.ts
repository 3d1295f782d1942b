import * as path from 'node:path';
import { UsageError } from '../../errors';
import { writeFailure, writeFailureExitCode, writeFileAtomic } from '../../util/write-file';
import type { Recording } from '../dat';
import { renderHtml } from './html';
import { buildPlotModel, type PlotOptions } from './model';
import { svgToPng } from './png';
import { renderSvg } from './svg';
import { renderTerminal } from './terminal';

export { buildPlotModel, downsample, type PlotModel, type PlotOptions } from './model';
export { renderSvg, renderHtml, renderTerminal, svgToPng };

export const PLOT_FORMATS = ['.svg', '.html', '.htm', '.png'];

/** The file format an output name asks for, or a UsageError listing the supported ones. */
export function plotFormat(file: string): 'svg' | 'html' | 'png' {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.svg') return 'svg';
  if (ext === '.html' || ext === '.htm') return 'html';
  if (ext === '.png') return 'png';
  throw new UsageError(`cannot tell the format of ${file}: name it .svg (static), .html (interactive) or .png`);
}

/** Renders recordings into `file` (format from its extension), written atomically. */
export function writePlot(recordings: readonly Recording[], file: string, options: PlotOptions = {}): void {
  const format = plotFormat(file);
  const model = buildPlotModel(recordings, { ...options, maxPoints: format === 'html' ? 10000 : 4000 });
  const svg = format === 'html' ? '' : renderSvg(model);
  const data = format === 'html' ? renderHtml(model) : format === 'png' ? svgToPng(svg) : svg;
  try {
    writeFileAtomic(file, data);
  } catch (err) {
    throw new UsageError(`cannot write ${file}: ${writeFailure(err)}`, writeFailureExitCode(err));
  }
}
