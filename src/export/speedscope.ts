import type { Recording } from '../timeline/dat';
import { allocationSites, frameFile, frameLine, frameName, type AllocationSite, type CallFrame, type SamplingHeapProfile, type SiteOptions } from './heap-profile';
import { assignLanes } from './lanes';

// speedscope's file format (https://www.speedscope.app/file-format-schema.json): frames
// shared by every profile; a heap profile becomes two "sampled" profiles weighed in bytes
// (allocated, in use), a recording's profiled calls "evented" profiles in seconds.

const SCHEMA = 'https://www.speedscope.app/file-format-schema.json';

interface Frame {
  name: string;
  file?: string;
  line?: number;
  col?: number;
}

class Frames {
  readonly list: Frame[] = [];
  private readonly index = new Map<string, number>();
  of(frame: Frame): number {
    const key = `${frame.name}\t${frame.file ?? ''}\t${frame.line ?? ''}\t${frame.col ?? ''}`;
    let i = this.index.get(key);
    if (i === undefined) {
      i = this.list.length;
      this.list.push(frame);
      this.index.set(key, i);
    }
    return i;
  }
}

function frameOf(frame: CallFrame): Frame {
  const line = frameLine(frame);
  return { name: frameName(frame), file: frameFile(frame) || undefined, line: line || undefined, col: line ? frame.columnNumber + 1 : undefined };
}

/** A sampling heap profile as speedscope JSON (left heavy / sandwich views of bytes). */
export function heapProfileToSpeedscope(profile: SamplingHeapProfile, name = 'heap', options: SiteOptions = {}): string {
  return sitesToSpeedscope(allocationSites(profile, options), name, { inUse: true });
}

/** Allocation sites as speedscope JSON: an "allocated" profile, and "in use" when `inUse` (measured). */
export function sitesToSpeedscope(sites: readonly AllocationSite[], name: string, options: { inUse: boolean }): string {
  const frames = new Frames();
  const stacks = sites.map((s) => s.stack.map((f) => frames.of(frameOf(f))));
  const sampled = (title: string, weight: (i: number) => number) => {
    const samples: number[][] = [];
    const weights: number[] = [];
    sites.forEach((_, i) => {
      const w = Math.round(weight(i));
      if (w <= 0) return;
      samples.push(stacks[i]);
      weights.push(w);
    });
    const total = weights.reduce((a, b) => a + b, 0);
    return { type: 'sampled', name: title, unit: 'bytes', startValue: 0, endValue: total, samples, weights };
  };
  return JSON.stringify({
    $schema: SCHEMA,
    name,
    exporter: 'memprof',
    activeProfileIndex: 0,
    shared: { frames: frames.list },
    profiles: [sampled(`${name}: allocated`, (i) => sites[i].bytes), ...(options.inUse ? [sampled(`${name}: in use`, (i) => sites[i].liveBytes)] : [])],
  });
}

/** A recording's profiled calls (FUNC brackets) as speedscope JSON: when each ran, how long. */
export function recordingToSpeedscope(recording: Recording): string {
  const frames = new Frames();
  const first = Math.min(recording.mem.times[0] ?? Infinity, ...recording.funcs.map((f) => f.start));
  const origin = Number.isFinite(first) ? first : 0;
  const last = Math.max(origin, recording.mem.times[recording.mem.times.length - 1] ?? origin, ...recording.funcs.map((f) => f.end));
  const lanes = assignLanes(recording.funcs);
  const profiles = (lanes.length ? lanes : [[]]).map((spans, lane) => {
    const events: { type: 'O' | 'C'; at: number; frame: number }[] = [];
    const open: { end: number; frame: number }[] = [];
    const closeUntil = (t: number) => {
      while (open.length > 0 && open[open.length - 1].end <= t) {
        const o = open.pop()!;
        events.push({ type: 'C', at: o.end - origin, frame: o.frame });
      }
    };
    for (const span of spans) {
      closeUntil(span.start);
      const frame = frames.of({ name: span.name });
      events.push({ type: 'O', at: span.start - origin, frame });
      open.push({ end: span.end, frame });
    }
    closeUntil(Infinity);
    return {
      type: 'evented',
      name: lanes.length > 1 ? `${recording.cmdline ?? recording.file} (track ${lane + 1})` : (recording.cmdline ?? recording.file),
      unit: 'seconds',
      startValue: 0,
      endValue: last - origin,
      events,
    };
  });
  return JSON.stringify({ $schema: SCHEMA, name: recording.cmdline ?? recording.file, exporter: 'memprof', activeProfileIndex: 0, shared: { frames: frames.list }, profiles });
}
