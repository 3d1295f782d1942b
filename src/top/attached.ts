import { VERSION } from '../version';
import { analyse, ownDirs, pickZoomTargets, withoutOwnFrames } from './analysis';
import type { MemoryTimeline, TopFunction, TopReport, V8SamplingHeapProfile } from './model';
import { displayPath } from '../util/display-path';

// `memprof attach --top`'s report: the analysis of `memprof top` over a profile taken from
// a running process. Its top functions get no line table here; the report names the
// `attach --lines` command that gives one.

export interface AttachedCapture {
  pid: number;
  /** The target's command line, when known. */
  command: string | null;
  raw: V8SamplingHeapProfile;
  timeline: MemoryTimeline;
  durationMs: number;
  /** How the session ended: 'signal SIGINT', 'duration'. */
  ended: string;
  samplingInterval: number;
}

export function attachedTopReport(capture: AttachedCapture, options: { includeDeps: boolean; top: number }): TopReport {
  const analysisOptions = { ownDirs: ownDirs(), includeDeps: options.includeDeps };
  const profile = analyse(capture.raw, analysisOptions);
  const zoomed = pickZoomTargets(profile, options.top)
    .map((key) => profile.byKey.get(key))
    .filter((fn): fn is TopFunction => fn !== undefined)
    .map((fn) => ({ ...fn, reason: `its lines: memprof attach --lines -f ${displayPath(fn.file)}:${fn.line} ${capture.pid}` }));
  return {
    tool: 'memprof',
    version: VERSION,
    mode: 'top',
    command: `pid ${capture.pid}${capture.command ? ` (${capture.command})` : ''}`,
    ended: capture.ended,
    durationMs: capture.durationMs,
    samplingInterval: capture.samplingInterval,
    profile,
    zoomed,
    timeline: capture.timeline,
    raw: withoutOwnFrames(capture.raw, analysisOptions),
    attached: { pid: capture.pid },
  };
}
