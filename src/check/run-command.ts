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

// Runs one command for `memprof check` and measures it: the native sampler follows the
// process and all its descendants, and every Node.js process among them reports its own
// heap peak and kernel RSS peak through the preloaded heap-reporter.

export interface CommandMeasurement {
  /** Highest RSS of the command's process tree (sampled) or of any one of its Node.js
   * processes (kernel figure), whichever is higher; null when nothing could measure it. */
  peakRss: number | null;
  /** Largest V8 heap peak among the Node.js processes that reported; null when none did. */
  peakHeap: number | null;
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
const FORWARDED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
const KILL_AFTER_MS = 5000;

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

/** Runs `command` to its end and measures it. A command that cannot start is a UsageError. */
export async function runCommand(command: string[] | string, options: RunCommandOptions): Promise<CommandMeasurement> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memprof-check-'));
  const reportFile = path.join(dir, 'heap.jsonl');
  const env: NodeJS.ProcessEnv = { ...process.env, ...options.env, [REPORT_ENV]: reportFile };
  env.NODE_OPTIONS = nodeOptions(env.NODE_OPTIONS);
  const output = options.outputFd ?? 2;
  const stdio: ['inherit', number, number] = ['inherit', output, output];
  const child =
    typeof command === 'string'
      ? spawn(command, { shell: true, cwd: options.cwd, env, stdio })
      : spawn(command[0], command.slice(1), { cwd: options.cwd, env, stdio });
  const start = performance.now();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  let interruptedBy: NodeJS.Signals | undefined;
  const forward = (signal: NodeJS.Signals) => {
    interruptedBy ??= signal;
    // Ctrl+C on a terminal reaches the command already (same process group).
    if (signal === 'SIGINT' && process.stdin.isTTY) return;
    child.kill(signal);
  };
  for (const signal of FORWARDED) process.on(signal, forward);
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
  try {
    try {
      await once(child, 'spawn');
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      // spawn reports a missing working directory as ENOENT, like a missing command.
      const noCwd = e.code === 'ENOENT' && options.cwd && !fs.existsSync(options.cwd);
      const program = typeof command === 'string' ? undefined : command[0];
      const why = noCwd ? `no directory ${options.cwd}` : spawnFailure(e, program, options.cwd);
      throw new UsageError(`cannot run ${commandText(command)}: ${why}`);
    }
    sampler = startSampler(child.pid as number, options.intervalMs);
    const { code, signal } = await exited;
    const durationMs = performance.now() - start;
    sampler?.stop();
    const reports = readReports(reportFile);
    let peakRss: number | null = sampler && sampler.count > 0 ? sampler.peak : null;
    let peakHeap: number | null = null;
    for (const report of reports) {
      peakRss = Math.max(peakRss ?? 0, report.maxRss);
      if (report.peakHeap >= 0) peakHeap = Math.max(peakHeap ?? 0, report.peakHeap);
    }
    const samplerMissed = sampler && sampler.count > 0 ? undefined : tryAddon() ? 'ended-first' : addonDisabled() ? 'addon-disabled' : 'no-addon';
    return { peakRss, peakHeap, nodeProcesses: reports.length, exitCode: code, signal, durationMs, interruptedBy, timedOut, samplerMissed };
  } finally {
    for (const timer of timers) clearTimeout(timer);
    sampler?.stop();
    for (const signal of FORWARDED) process.off(signal, forward);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
