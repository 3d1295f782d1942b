import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { diesWithThisProcess } from '../util/child-lifetime';
import { exitStatus } from '../util/exit-status';
import { forwardStopSignals } from '../util/forward-signals';
import { growingSites, type GrowingSite } from './growth';

// One `memprof leaks` run: the script runs in a child under --track-heap-objects with a
// preload that writes heap snapshots (every interval, on SIGUSR2, at exit); the snapshots
// are then compared for allocation sites whose live objects keep growing.

export interface LeaksRunOptions {
  script: string;
  args: string[];
  /** Seconds between snapshots; none: only at SIGUSR2 and exit. */
  intervalSeconds?: number;
  /** Take a snapshot on SIGUSR2. */
  onSignal: boolean;
}

export interface LeaksRun {
  /** The program's exit status (128 + n when a signal ended it). */
  code: number;
  snapshots: number;
  sites: GrowingSite[];
}

export async function runLeaks(options: LeaksRunOptions): Promise<LeaksRun> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memprof-leaks-'));
  try {
    const code = await runWithSnapshots(dir, options);
    const files = fs.readdirSync(dir).filter((f) => f.endsWith('.heapsnapshot')).sort().map((f) => path.join(dir, f));
    return { code, snapshots: files.length, sites: await growingSites(files) };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// V8's allocation tracker records one frame per physical stack frame: a function inlined
// into its caller by an optimising compiler vanishes from the allocation stacks, and its
// objects are charged to the caller's first line (a hot remember() inside serveBatch()'s
// loop was reported as serveBatch). Without inlining every function keeps its own frame.
const NO_INLINING = ['--no-turbo-inlining', '--no-maglev-inlining'];

/** Runs the script with the snapshot preload; resolves with its exit status. */
function runWithSnapshots(dir: string, options: LeaksRunOptions): Promise<number> {
  const preload = path.join(__dirname, 'leaks-preload.js');
  const nodeArgs = ['--track-heap-objects', ...NO_INLINING, '--require', preload];
  const [command, ...argv] = diesWithThisProcess([process.execPath, ...nodeArgs, options.script, ...options.args]);
  const child = spawn(command, argv, {
    stdio: 'inherit',
    env: {
      ...process.env,
      MEMPROF_LEAKS_DIR: dir,
      MEMPROF_LEAKS_INTERVAL_MS: options.intervalSeconds ? String(Math.round(options.intervalSeconds * 1000)) : '',
      MEMPROF_LEAKS_SIGNAL: options.onSignal ? '1' : '',
      // Taken out of the program's process.execArgv: it sees its own, and children it forks
      // (a cluster's workers) do not inherit allocation tracking.
      MEMPROF_LEAKS_EXEC_ARGV: JSON.stringify(nodeArgs),
    },
  });
  // Ctrl+C, SIGTERM, SIGHUP: the program ends its own way; memprof waits and reports.
  const stopForwarding = forwardStopSignals(child);
  return new Promise((resolve, reject) => {
    child.on('error', (err) => {
      stopForwarding();
      reject(err);
    });
    child.on('exit', (code, signal) => {
      stopForwarding();
      resolve(exitStatus(code, signal));
    });
  });
}
