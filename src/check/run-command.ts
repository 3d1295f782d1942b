import { spawn } from 'node:child_process';
import { once } from 'node:events';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { UsageError } from '../errors';
import { addonDisabled, tryAddon } from '../native';
import { Sampler } from '../sampler';
import { REPORT_ENV, type HeapReport } from './heap-reporter';
import { spawnFailure } from '../util/spawn-failure';
import { forwardStopSignals } from '../util/forward-signals';
import { diesWithThisProcess, tieToThisProcess } from '../util/child-lifetime';

// Runs one command for `memprof check` and measures it: the native sampler follows the
// process and all its descendants, and every Node.js process among them reports its own
// heap peak and kernel RSS peak through the preloaded heap-reporter.

export interface CommandMeasurement {
  /** Highest RSS of the command's process tree (sampled) or of any one of its Node.js
   * processes (kernel figure), whichever is higher; null when nothing could measure it. */
  peakRss: number | null;
  /** Largest V8 heap peak among the Node.js processes that reported; null when none did. */
  peakHeap: number | null;
  /** Largest peak of V8 external memory (Buffers, zlib, addons) among them; null when none reported one. */
  peakExternal: number | null;
  /** Node.js processes that reported (at exit). */
  nodeProcesses: number;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  durationMs: number;
  /** A signal memprof itself got while the command ran (Ctrl+C, a CI job's SIGTERM). */
  interruptedBy?: NodeJS.Signals;
  /** The command ran past its timeout and was stopped. */
  timedOut?: boolean;
  /** Why the sampler gave no RSS figure, when it gave none. */
  samplerMissed?: 'no-addon' | 'addon-disabled' | 'ended-first';
}

export interface RunCommandOptions {
  cwd?: string;
  env?: Record<string, string>;
  intervalMs: number;
  /** Stop the command (SIGTERM, then SIGKILL 5 s later) after this many milliseconds. */
  timeoutMs?: number;
  /** Where the command's stdout and stderr go; default memprof's stderr, so memprof's
   * stdout carries only the report (and `--format json > file` stays valid JSON). */
  outputFd?: number;
}

const REPORTER = path.join(__dirname, 'heap-reporter.js');
const KILL_AFTER_MS = 5000;

const TEMP_PREFIX = 'memprof-check-';
const TEMP_NAME = /^memprof-check-(\d+)-\w+$/;

/**
 * Removes the temporary directories of earlier `memprof check` runs that were killed before
 * their own cleanup (SIGKILL, a CI timeout): each is named after its process, and one whose
 * process is gone and that belongs to this user goes. So /tmp never grows run after run.
 */
function removeStaleDirs(): void {
  const tmp = os.tmpdir();
  let names: string[];
  try {
    names = fs.readdirSync(tmp);
  } catch {
    return;
  }
  for (const name of names) {
    const match = TEMP_NAME.exec(name);
    if (!match) continue;
    const pid = Number(match[1]);
    if (pid === process.pid || processExists(pid)) continue;
    try {
      const stat = fs.lstatSync(path.join(tmp, name));
      if (!stat.isDirectory() || (process.getuid && stat.uid !== process.getuid())) continue;
      fs.rmSync(path.join(tmp, name), { recursive: true, force: true });
    } catch {
      // Removed by another memprof meanwhile, or not ours to remove.
    }
  }
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A command as one line, for tables and messages. */
export function commandText(command: string[] | string): string {
  if (typeof command === 'string') return command;
  return command.map((arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/** NODE_OPTIONS with the reporter preloaded, keeping what the user set. */
function nodeOptions(existing: string | undefined): string {
  const quoted = `"${REPORTER.replace(/(["\\])/g, '\\$1')}"`;
  return [existing, `--require ${quoted}`].filter(Boolean).join(' ');
}

function readReports(file: string): HeapReport[] {
  let text = '';
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const reports: HeapReport[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    try {
      reports.push(JSON.parse(line) as HeapReport);
    } catch {
      // A line cut by a process killed mid-write: that process has no figures.
    }
  }
  return reports;
}

function startSampler(pid: number, intervalMs: number): Sampler | null {
  try {
    return new Sampler({ pid, intervalMs, includeChildren: true, keepSamples: false }).start();
  } catch {
    return null; // no addon, or the command already exited: the reports still count
  }
}

/**
 * The exited command's peak RSS as the kernel kept it (its own, or its largest reaped
 * descendant's), or null. When the exit was reaped before the watcher read it, the
 * RUSAGE_CHILDREN maximum says it only if it rose during this command.
 */
async function childExitPeak(watched: Promise<number>, reapedBefore: number): Promise<number | null> {
  const peak = await watched;
  if (peak > 0) return peak;
  const reaped = tryAddon()?.reapedChildrenPeak() ?? -1;
  return reaped > reapedBefore ? reaped : null;
}

/** Runs `command` to its end and measures it. A command that cannot start is a UsageError. */
export async function runCommand(command: string[] | string, options: RunCommandOptions): Promise<CommandMeasurement> {
  removeStaleDirs();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${TEMP_PREFIX}${process.pid}-`));
  const reportFile = path.join(dir, 'heap.jsonl');
  const env: NodeJS.ProcessEnv = { ...process.env, ...options.env, [REPORT_ENV]: reportFile };
  env.NODE_OPTIONS = nodeOptions(env.NODE_OPTIONS);
  const output = options.outputFd ?? 2;
  const stdio: ['inherit', number, number] = ['inherit', output, output];
  // The command dies with memprof (Linux: PR_SET_PDEATHSIG through setpriv; see child-lifetime).
  const argv = diesWithThisProcess(typeof command === 'string' ? ['/bin/sh', '-c', command] : command, options.cwd);
  const child =
    typeof command === 'string' && process.platform === 'win32'
      ? spawn(command, { shell: true, cwd: options.cwd, env, stdio })
      : spawn(argv[0], argv.slice(1), { cwd: options.cwd, env, stdio });
  if (child.pid !== undefined) tieToThisProcess(child.pid);
  const start = performance.now();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  let interruptedBy: NodeJS.Signals | undefined;
  const stopForwarding = forwardStopSignals(child, (signal) => {
    interruptedBy ??= signal;
  });
  let timedOut = false;
  const timers: NodeJS.Timeout[] = [];
  if (options.timeoutMs !== undefined) {
    timers.push(
      setTimeout(() => {
        timedOut = true;
        child.kill('SIGTERM');
        timers.push(setTimeout(() => child.kill('SIGKILL'), KILL_AFTER_MS));
      }, options.timeoutMs),
    );
  }
  let sampler: Sampler | null = null;
  // The kernel's figure for a command too short for the sampler's first reading.
  const addon = tryAddon();
  const reapedBefore = addon ? addon.reapedChildrenPeak() : -1;
  try {
    try {
      await once(child, 'spawn');
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      // spawn reports a missing working directory as ENOENT, like a missing command.
      const noCwd = e.code === 'ENOENT' && options.cwd && !fs.existsSync(options.cwd);
      const program = typeof command === 'string' ? undefined : command[0];
      const why = noCwd ? `no directory ${options.cwd}` : spawnFailure(e, program, options.cwd);
      throw new UsageError(`cannot run ${commandText(command)}: ${why}`, 1);
    }
    const kernelPeak = addon ? addon.waitChildPeak(child.pid as number) : Promise.resolve(-1);
    sampler = startSampler(child.pid as number, options.intervalMs);
    const { code, signal } = await exited;
    const durationMs = performance.now() - start;
    sampler?.stop();
    const reports = readReports(reportFile);
    let peakRss: number | null = sampler && sampler.count > 0 ? sampler.peak : null;
    const exitPeak = await childExitPeak(kernelPeak, reapedBefore);
    if (exitPeak !== null) peakRss = Math.max(peakRss ?? 0, exitPeak);
    let peakHeap: number | null = null;
    let peakExternal: number | null = null;
    for (const report of reports) {
      peakRss = Math.max(peakRss ?? 0, report.maxRss);
      if (report.peakHeap >= 0) peakHeap = Math.max(peakHeap ?? 0, report.peakHeap);
      if (report.peakExternal !== undefined && report.peakExternal >= 0) peakExternal = Math.max(peakExternal ?? 0, report.peakExternal);
    }
    const samplerMissed = sampler && sampler.count > 0 ? undefined : addon ? 'ended-first' : addonDisabled() ? 'addon-disabled' : 'no-addon';
    return { peakRss, peakHeap, peakExternal, nodeProcesses: reports.length, exitCode: code, signal, durationMs, interruptedBy, timedOut, samplerMissed };
  } finally {
    for (const timer of timers) clearTimeout(timer);
    sampler?.stop();
    stopForwarding();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
