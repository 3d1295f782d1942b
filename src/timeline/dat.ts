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

class DatSyntaxError extends UsageError {}

/**
 * Parses a whole .dat file. Anything that is not a well-formed record is an error naming
 * `file:line` and what was expected; blank lines are skipped.
 */
export function parseDat(text: string, file: string): Recording {
  const rec: Recording = { file, cmdline: null, mem: newSeries(), children: new Map(), funcs: [] };
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].replace(/\r$/, '');
    if (line.trim() === '') continue;
    const fail = (what: string): never => {
      const shown = line.length > 80 ? `${line.slice(0, 77)}...` : line;
      throw new DatSyntaxError(`${file}:${i + 1}: ${what}, found ${JSON.stringify(shown)} (is this an mprof .dat file?)`);
    };
    const space = line.indexOf(' ');
    const keyword = space < 0 ? line : line.slice(0, space);
    const rest = space < 0 ? '' : line.slice(space + 1);
    const fields = rest.trim() === '' ? [] : rest.trim().split(/\s+/);
    const num = (k: number, what: string): number => {
      const text = fields[k];
      const n = Number(text);
      if (text === undefined || !Number.isFinite(n)) fail(`expected ${what} as a number`);
      return n;
    };
    switch (keyword) {
      case 'CMDLINE':
        rec.cmdline = rest;
        break;
      case 'MEM':
        if (fields.length !== 2) fail('expected "MEM <MiB> <epoch seconds>"');
        rec.mem.mib.push(num(0, 'MiB'));
        rec.mem.times.push(num(1, 'epoch seconds'));
        break;
      case 'CHLD': {
        if (fields.length !== 3) fail('expected "CHLD <pid> <MiB> <epoch seconds>"');
        let series = rec.children.get(fields[0]);
        if (!series) rec.children.set(fields[0], (series = newSeries()));
        series.mib.push(num(1, 'MiB'));
        series.times.push(num(2, 'epoch seconds'));
        break;
      }
      case 'FUNC': {
        if (fields.length !== 5 && fields.length !== 6) {
          fail('expected "FUNC <name> <MiB start> <t start> <MiB end> <t end> [<depth>]"');
        }
        const depth = fields.length === 6 ? num(5, 'depth') : 0;
        if (!Number.isInteger(depth) || depth < 0) fail('expected the stack depth as a whole number');
        rec.funcs.push({ name: fields[0], memStart: num(1, 'MiB at start'), start: num(2, 'start time'), memEnd: num(3, 'MiB at end'), end: num(4, 'end time'), depth });
        break;
      }
      default:
        fail('expected a CMDLINE, MEM, CHLD or FUNC record');
    }
  }
  return rec;
}

/** Reads and parses a .dat file; a missing or unreadable file is a UsageError. */
export function readDat(file: string): Recording {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'ENOENT' ? 'no such file' : e.code === 'EISDIR' ? 'is a directory' : e.message;
    throw new UsageError(`cannot read ${file}: ${why}`);
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
