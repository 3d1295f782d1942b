// Loaded with --require (and --track-heap-objects) into the program `memprof leaks` runs:
// writes heap snapshots to MEMPROF_LEAKS_DIR at an interval, on SIGUSR2 and on
// require('memprof').leakMark(). Nothing is printed; the program's exit status is its own.
import * as inspector from 'node:inspector';
import { writeSnapshot } from './snapshot-writer';

// memprof's node options leave process.execArgv: the program sees its own (none), and what
// it forks (child_process.fork, cluster) starts without allocation tracking or this preload.
const added = process.env.MEMPROF_LEAKS_EXEC_ARGV;
delete process.env.MEMPROF_LEAKS_EXEC_ARGV;
if (added) {
  try {
    const ours = JSON.parse(added) as string[];
    const at = process.execArgv.findIndex((_, i) => ours.every((arg, j) => process.execArgv[i + j] === arg));
    if (at >= 0) process.execArgv.splice(at, ours.length);
  } catch {
    // Not memprof's: leave execArgv alone.
  }
}

const dir = process.env.MEMPROF_LEAKS_DIR;
if (dir) {
  delete process.env.MEMPROF_LEAKS_DIR; // not inherited by the program's own children
  const session = new inspector.Session();
  session.connect();
  // Allocation stacks come from node's --track-heap-objects (set by memprof leaks): the
  // inspector's startTrackingHeapObjects would keep the program from ever exiting.
  let sequence = 0;
  const take = (): void => {
    try {
      writeSnapshot(session, dir, ++sequence);
    } catch (err) {
      process.stderr.write(`memprof leaks: cannot write a snapshot: ${(err as Error).message}\n`);
    }
  };
  (globalThis as Record<symbol, unknown>)[Symbol.for('memprof.leakMark')] = take;
  const interval = Number(process.env.MEMPROF_LEAKS_INTERVAL_MS);
  if (interval > 0) setInterval(take, interval).unref();
  if (process.env.MEMPROF_LEAKS_SIGNAL === '1') process.on('SIGUSR2', take);
  delete process.env.MEMPROF_LEAKS_INTERVAL_MS;
  delete process.env.MEMPROF_LEAKS_SIGNAL;
}
