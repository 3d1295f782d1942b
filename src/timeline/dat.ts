import * as fs from 'node:fs';
import { UsageError } from '../errors';
import { toFixedHalfEven } from '../units/fixed';
import { MiB } from '../units/size';

// mprof's .dat format (memory_profiler 0.61), one record a line:
//   CMDLINE <command line>
//   MEM <MiB %.6f> <epoch seconds %.4f>
//   CHLD <pid> <MiB %.6f> <epoch seconds %.4f>
//   FUNC <name> <MiB start %.4f> <t start %.4f> <MiB end %.4f> <t end %.4f> [<depth>]

/** One profiled call: entry and exit, memory in MiB, times in epoch seconds. */
export interface FuncSpan {
  name: string;
  memStart: number;
  start: number;
  memEnd: number;
  end: number;
  /** memory_profiler's stack level: 0 for an outermost profiled call (absent in old files: 0). */
  depth: number;
}

/** A time series: parallel arrays, epoch seconds and MiB. */
export interface Series {
  times: number[];
  mib: number[];
}

export interface Recording {
  file: string;
  cmdline: string | null;
  mem: Series;
  /** One series per child pid (mprof -M), in order of first appearance. */
  children: Map<string, Series>;
  funcs: FuncSpan[];
}

function newSeries(): Series {
  return { times: [], mib: [] };
}

export function cmdlineRecord(command: string): string {
  return `CMDLINE ${command.replace(/[\r\n]+/g, ' ')}\n`;
}

export function memRecord(bytes: number, epochMs: number): string {
  return `MEM ${toFixedHalfEven(bytes / MiB, 6)} ${toFixedHalfEven(epochMs / 1000, 4)}\n`;
}

export function childRecord(pid: number, bytes: number, epochMs: number): string {
  return `CHLD ${pid} ${toFixedHalfEven(bytes / MiB, 6)} ${toFixedHalfEven(epochMs / 1000, 4)}\n`;
}

/**
 * A FUNC record. `level` is memory_profiler's stack level (0 for an outermost call). Names
 * with blanks would break the format, so blanks become underscores.
 */
export function funcRecord(name: string, memStartBytes: number, startMs: number, memEndBytes: number, endMs: number, level: number): string {
  return (
    `FUNC ${name.replace(/\s+/g, '_') || '<anonymous>'} ${toFixedHalfEven(memStartBytes / MiB, 4)} ${toFixedHalfEven(startMs / 1000, 4)} ` +
    `${toFixedHalfEven(memEndBytes / MiB, 4)} ${toFixedHalfEven(endMs / 1000, 4)} ${level}\n`
  );
}

/** Quotes arguments with blanks as mprof's get_cmd_line does. */
export function commandLine(args: readonly string[]): string {
  return args.map((a) => (/[ \t]/.test(a) ? `'${a}'` : a)).join(' ');
}

/** A line that is not a well-formed record: skipped, and reported by the caller. */
export interface MalformedLine {
  line: number;
  text: string;
  why: string;
}

/**
 * Parses a whole .dat file. A line that is not a well-formed record (a truncated last line,
 * a negative MiB or time, a non-numeric field) is skipped and listed in `malformed`, so one
 * cut line does not cost the whole recording; blank lines are skipped silently.
 */
export function parseDat(text: string, file: string): Recording & { malformed: MalformedLine[] } {
  const rec: Recording & { malformed: MalformedLine[] } = { file, cmdline: null, mem: newSeries(), children: new Map(), funcs: [], malformed: [] };
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].replace(/\r$/, '');
    if (line.trim() === '') continue;
    // memprof and mprof end every record with a newline: a last line without one was cut
    // by a kill or a full disk ("MEM 49.5 17959" would plot 1.7e9 s before the others).
    const cut = i === lines.length - 1 && !text.endsWith('\n');
    const why = cut ? 'the last line is cut (no newline at its end)' : parseRecord(line, rec);
    if (why !== null) rec.malformed.push({ line: i + 1, text: line, why });
  }
  return rec;
}

class Malformed extends Error {}

/** Adds one line's record to `rec`; returns what was expected when the line is malformed. */
function parseRecord(line: string, rec: Recording): string | null {
  const space = line.indexOf(' ');
  const keyword = space < 0 ? line : line.slice(0, space);
  const rest = space < 0 ? '' : line.slice(space + 1);
  const fields = rest.trim() === '' ? [] : rest.trim().split(/\s+/);
  const num = (k: number, what: string): number => {
    const text = fields[k];
    const n = Number(text);
    // Sizes and epoch times are never negative: a minus sign is a damaged line.
    if (text === undefined || text.trim() === '' || !Number.isFinite(n) || n < 0) throw new Malformed(`expected ${what} as a number of at least 0`);
    return n;
  };
  try {
    switch (keyword) {
      case 'CMDLINE':
        rec.cmdline = rest;
        return null;
      case 'MEM': {
        if (fields.length !== 2) return 'expected "MEM <MiB> <epoch seconds>"';
        const [mib, time] = [num(0, 'MiB'), num(1, 'epoch seconds')];
        rec.mem.mib.push(mib);
        rec.mem.times.push(time);
        return null;
      }
      case 'CHLD': {
        if (fields.length !== 3) return 'expected "CHLD <pid> <MiB> <epoch seconds>"';
        if (!/^\d+$/.test(fields[0])) return 'expected the child pid as a whole number';
        const [mib, time] = [num(1, 'MiB'), num(2, 'epoch seconds')];
        let series = rec.children.get(fields[0]);
        if (!series) rec.children.set(fields[0], (series = newSeries()));
        series.mib.push(mib);
        series.times.push(time);
        return null;
      }
      case 'FUNC': {
        if (fields.length !== 5 && fields.length !== 6) return 'expected "FUNC <name> <MiB start> <t start> <MiB end> <t end> [<depth>]"';
        const depth = fields.length === 6 ? num(5, 'depth') : 0;
        if (!Number.isInteger(depth)) return 'expected the stack depth as a whole number';
        rec.funcs.push({ name: fields[0], memStart: num(1, 'MiB at start'), start: num(2, 'start time'), memEnd: num(3, 'MiB at end'), end: num(4, 'end time'), depth });
        return null;
      }
      default:
        return 'expected a CMDLINE, MEM, CHLD or FUNC record';
    }
  } catch (err) {
    if (err instanceof Malformed) return err.message;
    throw err;
  }
}

/**
 * One warning for a file's malformed lines, naming the first by file:line (null when none):
 * the caller prints it, once per file however many lines were cut.
 */
export function malformedWarning(rec: Recording & { malformed?: MalformedLine[] }): string | null {
  const bad = rec.malformed ?? [];
  if (bad.length === 0) return null;
  const [first] = bad;
  const shown = first.text.length > 80 ? `${first.text.slice(0, 77)}...` : first.text;
  const more = bad.length > 1 ? ` (and ${bad.length - 1} more malformed line${bad.length > 2 ? 's' : ''})` : '';
  return `warning: ${rec.file}:${first.line}: skipped ${JSON.stringify(shown)}: ${first.why}${more}`;
}

/** The recording, or a UsageError (exit 1) when not one line of it is a valid sample. */
export function requireSamples(rec: Recording & { malformed?: MalformedLine[] }): Recording {
  if (rec.mem.times.length > 0) return rec;
  const cut = (rec.malformed ?? []).length > 0 ? ' valid' : '';
  const hint = cut ? 'is this an mprof .dat file?' : 'the program ended before the first sample; record again with a smaller --interval';
  throw new UsageError(`${rec.file} has no${cut} MEM samples (${hint})`, 1);
}

/** Reads and parses a .dat file; a missing or unreadable file is a UsageError. */
export function readDat(file: string): Recording & { malformed: MalformedLine[] } {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'ENOENT' ? 'no such file' : e.code === 'EISDIR' ? 'is a directory' : e.message;
    throw new UsageError(`cannot read ${file}: ${why}`, 1);
  }
  return parseDat(text, file);
}

/** Highest MEM value, in MiB; NaN for a file without samples. */
export function peakOf(series: Series): { mib: number; time: number } {
  let best = -Infinity;
  let time = NaN;
  for (let i = 0; i < series.mib.length; i++) {
    if (series.mib[i] > best) {
      best = series.mib[i];
      time = series.times[i];
    }
  }
  return { mib: series.mib.length ? best : NaN, time };
}

/**
 * A recording to plot or measure: read, its malformed lines reported through `warn` in one
 * line, and refused (exit 1) when no valid sample is left.
 */
export function readSampledDat(file: string, warn: (text: string) => void): Recording {
  const rec = readDat(file);
  const warning = malformedWarning(rec);
  if (warning) warn(warning);
  return requireSamples(rec);
}
