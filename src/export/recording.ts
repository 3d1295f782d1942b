import { UsageError } from '../errors';
import type { Recording } from '../timeline/dat';
import { recordingToSpeedscope } from './speedscope';
import { recordingToTraceEvents } from './trace-events';

/** The formats a recording exports to, for tools other than memprof's plots. */
export const RECORDING_EXPORTS = ['trace', 'speedscope'] as const;
export type RecordingExport = (typeof RECORDING_EXPORTS)[number];

/** The export an output name asks for by its extension (x.trace.json, x.speedscope.json), or null. */
export function exportFormatOf(file: string): RecordingExport | null {
  const lower = file.toLowerCase();
  if (lower.endsWith('.trace.json')) return 'trace';
  if (lower.endsWith('.speedscope.json')) return 'speedscope';
  return null;
}

export function checkExportFormat(format: string): RecordingExport {
  if ((RECORDING_EXPORTS as readonly string[]).includes(format)) return format as RecordingExport;
  throw new UsageError(`unknown --format ${format}: expected ${RECORDING_EXPORTS.join(' or ')} (or name -o x.svg, .html, .png for a plot)`);
}

/** One recording in an export format, as text. */
export function exportRecording(recording: Recording, format: RecordingExport): string {
  return format === 'trace' ? recordingToTraceEvents(recording) : recordingToSpeedscope(recording);
}
