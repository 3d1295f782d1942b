import type { Recording } from '../timeline/dat';
import { assignLanes } from './lanes';

/**
 * A recording as Chrome's trace event JSON (Perfetto, chrome://tracing): the memory curve
 * (and each child's, from -M) as counter events, profiled calls as complete ("X") events
 * on one track per lane of properly nested calls. Times in microseconds from the first sample.
 */
export function recordingToTraceEvents(recording: Recording, pid = 1): string {
  const events: object[] = [];
  const starts = [recording.mem.times[0], ...recording.funcs.map((f) => f.start), ...[...recording.children.values()].map((s) => s.times[0])];
  const origin = Math.min(...starts.filter((t) => t !== undefined && Number.isFinite(t)));
  const us = (epochSeconds: number) => Math.round((epochSeconds - (Number.isFinite(origin) ? origin : 0)) * 1e6);
  events.push({ name: 'process_name', ph: 'M', pid, tid: 0, args: { name: recording.cmdline ?? recording.file } });
  recording.mem.times.forEach((t, i) => {
    events.push({ name: 'memory (MiB)', ph: 'C', pid, tid: 0, ts: us(t), args: { RSS: recording.mem.mib[i] } });
  });
  for (const [child, series] of recording.children) {
    series.times.forEach((t, i) => events.push({ name: `child ${child} (MiB)`, ph: 'C', pid, tid: 0, ts: us(t), args: { RSS: series.mib[i] } }));
  }
  assignLanes(recording.funcs).forEach((spans, lane) => {
    const tid = lane + 1;
    events.push({ name: 'thread_name', ph: 'M', pid, tid, args: { name: lane === 0 ? 'profiled calls' : `profiled calls (overlapping ${lane})` } });
    for (const span of spans) {
      events.push({
        name: span.name,
        cat: 'FUNC',
        ph: 'X',
        pid,
        tid,
        ts: us(span.start),
        dur: Math.max(0, us(span.end) - us(span.start)),
        args: { 'MiB at entry': span.memStart, 'MiB at exit': span.memEnd, depth: span.depth },
      });
    }
  });
  return JSON.stringify({ traceEvents: events, displayTimeUnit: 'ms', otherData: { tool: 'memprof', source: recording.file } });
}
