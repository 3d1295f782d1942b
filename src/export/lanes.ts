import type { FuncSpan } from '../timeline/dat';

/**
 * Profiled calls as nested brackets: viewers (speedscope, Perfetto) need the calls of one
 * track to nest. Interleaved async calls overlap without nesting, so each call goes to the
 * first lane where it nests inside or follows what is open there; lane 0 holds most.
 */
export function assignLanes(spans: readonly FuncSpan[]): FuncSpan[][] {
  const sorted = [...spans].sort((a, b) => a.start - b.start || b.end - a.end || a.depth - b.depth);
  const lanes: { spans: FuncSpan[]; open: FuncSpan[] }[] = [];
  for (const span of sorted) {
    let lane = lanes.find((l) => {
      while (l.open.length > 0 && l.open[l.open.length - 1].end <= span.start) l.open.pop();
      return l.open.length === 0 || l.open[l.open.length - 1].end >= span.end;
    });
    if (!lane) lanes.push((lane = { spans: [], open: [] }));
    lane.spans.push(span);
    lane.open.push(span);
  }
  return lanes.map((l) => l.spans);
}
