import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UsageError } from '../errors';
import { formatMiB } from '../units/size';
import { commandLine } from './dat';
import { EVENTS_FD_ENV, FuncPairer } from './func-events';
import { FLUSH_MS, Recorder } from './record';
import { spawnFailure } from '../util/spawn-failure';
import { exitStatus } from '../util/exit-status';
import { FORWARDED, forwardStopSignals } from '../util/forward-signals';
import { diesWithThisProcess, tieToThisProcess } from '../util/child-lifetime';
import { GUARD_ENV, guardFiles, type GuardConfig } from '../guard/config';
import type { GuardLimit } from '../guard/limit';

// `memprof run` and `memprof attach`: start (or find) the process, record it until it ends,
// and say what was written.

export interface SessionOptions {
  /** The .dat file; none: mprofile_<time>.dat in the working directory. */
  output?: string;
  intervalSeconds: number;
  includeChildren: boolean;
  multiprocess: boolean;
  timeoutSeconds?: number;
}

export interface RunOptions extends SessionOptions {
  program: string;
  args: string[];
  /** Exit with the program's code (mprof -E); otherwise 0 as mprof. */
  exitCode: boolean;
  /** --guard: write what explains the memory when it nears this limit. */
  guard?: { limit: GuardLimit; snapshot: boolean };
}

const SCRIPT = /\.(c|m)?js$/i;
const PRELOAD = path.join(__dirname, 'child-preload.js');
const KILL_GRACE_MS = 5000;

function log(text: string): void {
  process.stderr.write(`memprof: ${text}\n`);
}

function statusStream(): NodeJS.WriteStream | null {
  return process.stderr.isTTY ? process.stderr : null;
}

function summary(recorder: Recorder, output: string): void {
  if (recorder.samples === 0) {
    log(`wrote ${output} with no samples: the program ended before the first one`);
    return;
  }
  const dropped = recorder.dropped > 0 ? `; ${recorder.dropped} samples were dropped because memprof fell behind (use a larger --interval)` : '';
  log(`wrote ${output}: ${recorder.samples} samples, peak ${formatMiB(recorder.peak, 3)}${dropped}`);
}

/** One line for a recording cut short by a failed write; exit 1. */
function writeFailed(recorder: Recorder, what: string): number {
  log(`cannot write ${recorder.output}: ${recorder.writeError}; ${what}; the file keeps the whole lines written before`);
  return 1;
}

interface Launch {
  argv: string[];
  isScript: boolean;
  cmdline: string;
}

function launchPlan(options: RunOptions): Launch {
  const isScript = SCRIPT.test(options.program);
  if (isScript && !fs.existsSync(options.program)) {
    throw new UsageError(`cannot run ${options.program}: no such file`, 1);
  }
  const argv = isScript
    ? [process.execPath, '--require', PRELOAD, options.program, ...options.args]
    : [options.program, ...options.args];
  const cmdline = commandLine(isScript ? [process.execPath, options.program, ...options.args] : argv);
  if (options.guard && !isScript) throw new UsageError(`--guard runs its watcher inside a Node program: give a .js/.mjs/.cjs file, not ${options.program}`);
  return { argv, isScript, cmdline };
}

/** The guard's report files: beside the recording, named after it. */
function guardPrefix(output: string): string {
  return output.replace(/\.dat$/i, '') + '.guard';
}

function startChild({ argv: plain, isScript }: Launch, options: RunOptions, output: string): ChildProcess {
  const argv = diesWithThisProcess(plain);
  const env: NodeJS.ProcessEnv = isScript ? { ...process.env, [EVENTS_FD_ENV]: '3' } : process.env;
  if (options.guard) {
    const config: GuardConfig = {
      limit: options.guard.limit.bytes,
      source: options.guard.limit.source,
      ceiling: options.guard.limit.ceiling,
      prefix: path.resolve(guardPrefix(output)),
      timeline: output,
      snapshot: options.guard.snapshot,
    };
    env[GUARD_ENV] = JSON.stringify(config);
  }
  return spawn(argv[0], argv.slice(1), { stdio: isScript ? ['inherit', 'inherit', 'inherit', 'pipe'] : 'inherit', env });
}

/** After the run: what the guard left, or why it left nothing. */
function guardSummary(options: RunOptions, output: string, signal: NodeJS.Signals | null): void {
  if (!options.guard) return;
  const report = guardFiles(path.resolve(guardPrefix(output))).text;
  if (fs.existsSync(report)) log(`the OOM guard wrote ${path.relative(process.cwd(), report) || report} (its limit: ${formatMiB(options.guard.limit.bytes)})`);
  else if (signal === 'SIGKILL') log('the program was killed (SIGKILL) before its memory reached the guard\'s limit: nothing to report');
}

/** Runs the program under the recorder; resolves to the exit code memprof should use. */
export async function runProgram(options: RunOptions): Promise<number> {
  const plan = launchPlan(options);
  const recorder = new Recorder({ ...options, cmdline: plan.cmdline, status: statusStream() });
  const child = startChild(plan, options, recorder.output);
  try {
    await once(child, 'spawn');
  } catch (err) {
    const why = spawnFailure(err, options.program);
    fs.rmSync(recorder.output, { force: true }); // nothing ran: leave no recording behind
    throw new UsageError(`cannot run ${options.program}: ${why}`, 1);
  }
  tieToThisProcess(child.pid as number);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const closed = once(child, 'close');
  log(`recording ${recorder.output} every ${options.intervalSeconds} s`);
  const pairer = new FuncPairer();
  const events = child.stdio[3];
  if (events && 'setEncoding' in events) {
    events.setEncoding('utf8');
    events.on('data', (chunk: string) => recorder.addFuncs(pairer.push(chunk)));
  }
  const stopForwarding = forwardStopSignals(child);
  let timer: NodeJS.Timeout | undefined;
  if (options.timeoutSeconds !== undefined) {
    timer = setTimeout(() => {
      log(`timeout of ${options.timeoutSeconds} s reached: stopping the program`);
      child.kill('SIGTERM');
      // A program that ignores SIGTERM gets KILL_GRACE_MS to finish, then SIGKILL.
      timer = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
    }, options.timeoutSeconds * 1000);
  }
  // A recording that cannot be written (a full disk) is not worth the program's run: stop it.
  recorder.onWriteError = () => {
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS).unref();
  };
  try {
    recorder.start(child.pid as number);
    const { code, signal } = await exited;
    // The call-event pipe may still hold the last events: wait for it to close, briefly.
    await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
    recorder.addFuncs(pairer.closeAll(recorder.lastTime || Date.now(), recorder.current));
    recorder.stop();
    if (recorder.writeError !== null) return writeFailed(recorder, 'stopped the program');
    summary(recorder, recorder.output);
    guardSummary(options, recorder.output, signal);
    const programCode = exitStatus(code, signal);
    if (options.exitCode) return programCode;
    if (programCode !== 0) log(`the program exited with ${signal ? `signal ${signal}` : `code ${code}`} (memprof exits 0 as mprof does; -E passes the program's code on)`);
    return 0;
  } finally {
    if (timer) clearTimeout(timer);
    stopForwarding();
    recorder.stop();
  }
}

function processCommandLine(pid: number): string {
  try {
    const args = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((a) => a !== '');
    if (args.length) return commandLine(args);
  } catch {
    // Not Linux, or the process is not ours to read: the pid says enough.
  }
  return `pid ${pid}`;
}

/**
 * The first process whose name contains `hint` (mprof attach accepts a name too), lowest pid
 * first, memprof itself left out. Linux only: elsewhere give the pid.
 */
export function findProcess(hint: string): number {
  let pids: number[];
  try {
    pids = fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number).sort((a, b) => a - b);
  } catch {
    throw new UsageError(`expected a process id (a whole number), got "${hint}"`);
  }
  for (const pid of pids) {
    if (pid === process.pid) continue;
    try {
      if (fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim().includes(hint)) return pid;
    } catch {
      // Exited while we looked.
    }
  }
  throw new UsageError(`no process named like "${hint}": give its pid or a part of its name`, 1);
}

/** Records a running process until it exits, the timeout ends or memprof is interrupted. */
export async function attachProcess(pid: number, options: SessionOptions): Promise<number> {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') throw new UsageError(`no process with pid ${pid}`, 1);
  }
  const recorder = new Recorder({ ...options, cmdline: processCommandLine(pid), status: statusStream() });
  log(`attached to pid ${pid}: recording ${recorder.output} every ${options.intervalSeconds} s${options.timeoutSeconds ? ` for at most ${options.timeoutSeconds} s` : ''} (Ctrl+C to stop)`);
  let stopRequested = false;
  const stop = () => {
    stopRequested = true;
  };
  for (const signal of FORWARDED) process.on(signal, stop);
  const deadline = options.timeoutSeconds === undefined ? Infinity : Date.now() + options.timeoutSeconds * 1000;
  try {
    recorder.start(pid);
    while (recorder.running && !stopRequested && recorder.writeError === null && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(FLUSH_MS, Math.max(1, deadline - Date.now()))));
    }
    recorder.stop();
    if (recorder.writeError !== null) return writeFailed(recorder, 'stopped recording (the process runs on)');
    summary(recorder, recorder.output);
    return 0;
  } finally {
    for (const signal of FORWARDED) process.off(signal, stop);
    recorder.stop();
  }
}
