import * as fs from 'node:fs';
import * as path from 'node:path';
import { UsageError } from '../errors';
import { createExclusive } from '../util/write-file';

// Recordings in the working directory, named and numbered as mprof does: files
// mprofile_YYYYMMDDhhmmss.dat sorted by name (so by time), index 0 the oldest and -1 the newest.

const PROFILE_NAME = /^mprofile_\d{14}\.dat$/;

/** mprof's default output name for a recording started at `date` (local time). */
export function defaultProfileName(date = new Date()): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return `mprofile_${date.getFullYear()}${two(date.getMonth() + 1)}${two(date.getDate())}${two(date.getHours())}${two(date.getMinutes())}${two(date.getSeconds())}.dat`;
}

/**
 * Creates the recording file for a run starting now in `dir`, named as mprof names it, with
 * `firstLine` in it. The name is taken with O_EXCL: when another run (in this second, or
 * started at the same moment by another memprof) holds it, the next second's name is tried.
 */
export function claimProfileName(firstLine: string, dir = '.', now = new Date()): string {
  for (let t = now.getTime(); ; t += 1000) {
    const name = defaultProfileName(new Date(t));
    const file = dir === '.' ? name : path.join(dir, name);
    if (createExclusive(file, firstLine)) return file;
  }
}

/** The recordings in `dir`, oldest first. */
export function listProfiles(dir = '.'): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  return names.filter((n) => PROFILE_NAME.test(n)).sort();
}

/** "hh:mm:ss dd/mm/yyyy" from a default profile name, as `mprof list` prints it. */
export function profileDate(name: string): string {
  const ts = path.basename(name).slice('mprofile_'.length, 'mprofile_'.length + 14);
  return `${ts.slice(8, 10)}:${ts.slice(10, 12)}:${ts.slice(12, 14)} ${ts.slice(6, 8)}/${ts.slice(4, 6)}/${ts.slice(0, 4)}`;
}

/**
 * Files named on the command line: a whole number (negative counts from the newest) is an
 * index into `listProfiles()`, anything else a path that must exist. No argument means the
 * newest recording. Duplicates are dropped, order is kept.
 */
export function resolveProfiles(args: readonly string[], dir = '.'): string[] {
  const profiles = listProfiles(dir);
  if (args.length === 0) {
    if (profiles.length === 0) {
      throw new UsageError('no mprofile_*.dat file in this directory: record one with `memprof run <program>` or name a file', 1);
    }
    return [path.join(dir, profiles[profiles.length - 1])];
  }
  const files: string[] = [];
  for (const arg of args) {
    let file: string;
    if (/^-?\d+$/.test(arg) && !fs.existsSync(path.resolve(dir, arg))) {
      const n = Number(arg);
      const name = profiles[n < 0 ? profiles.length + n : n];
      if (name === undefined) {
        throw new UsageError(
          profiles.length === 0
            ? `no recording with index ${arg}: there is no mprofile_*.dat file in this directory`
            : `no recording with index ${arg}: indices go from 0 to ${profiles.length - 1} (or -1 to -${profiles.length}); see \`memprof list\``,
          1,
        );
      }
      file = path.join(dir, name);
    } else {
      file = path.isAbsolute(arg) || dir === '.' ? arg : path.join(dir, arg);
      let stat: fs.Stats;
      try {
        stat = fs.statSync(file);
      } catch {
        throw new UsageError(`${arg}: no such file (name a .dat file or an index from \`memprof list\`)`, 1);
      }
      if (stat.isDirectory()) throw new UsageError(`${arg} is a directory, not a .dat file`, 1);
    }
    if (!files.includes(file)) files.push(file);
  }
  return files;
}
