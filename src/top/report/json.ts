import type { LineResult } from '../../report/results';
import type { StackNode, TopFunction, TopReport } from '../model';

// `--format json`: functions sorted by allocated bytes, with the line tables of the ones
// memprof zoomed into; every figure in bytes.

export interface TopJsonFunction extends Omit<TopFunction, 'location'> {
  /** The line table (rows as the line profiler's JSON), when this function (a package: its caller) got one. */
  lines?: LineResult[];
  calls?: number;
  /** Why a function picked for a line table has none. */
  noLines?: string;
}

export interface TopJson {
  tool: 'memprof';
  version: string;
  mode: 'top';
  unit: 'bytes';
  command: string;
  /** `memprof attach --top`: the process attached to. */
  pid?: number;
  ended: string;
  durationMs: number;
  samplingInterval: number;
  allocated: number;
  retained: number | null;
  functions: TopJsonFunction[];
  stacks: StackNode;
}

export function topJson(report: TopReport): TopJson {
  const p = report.profile;
  const zoomed = new Map(report.zoomed.map((z) => [`${z.file}:${z.line}:${z.name}`, z]));
  const functions = p.functions.map((fn): TopJsonFunction => {
    const out: TopJsonFunction = {
      name: fn.name,
      file: fn.file,
      line: fn.line,
      ...(fn.package ? { package: fn.package } : {}),
      ...(fn.caller ? { caller: fn.caller } : {}),
      allocated: fn.allocated,
      retained: fn.retained,
      total: fn.total,
    };
    // A package's entry shows its caller's table: the calling line is there.
    const z = fn.package && !fn.caller ? undefined : zoomed.get(`${fn.file}:${fn.line}:${fn.package ? fn.caller : fn.name}`);
    if (z?.table) Object.assign(out, { calls: z.table.calls, lines: z.table.lines });
    else if (z?.reason) out.noLines = z.reason;
    return out;
  });
  return {
    tool: 'memprof',
    version: report.version,
    mode: 'top',
    unit: 'bytes',
    command: report.command,
    ...(report.attached ? { pid: report.attached.pid } : {}),
    ended: report.ended,
    durationMs: report.durationMs,
    samplingInterval: report.samplingInterval,
    allocated: p.allocated,
    retained: p.retained,
    functions,
    stacks: p.stacks,
  };
}

export function formatTopJson(report: TopReport): string {
  return `${JSON.stringify(topJson(report), null, 2)}\n`;
}
