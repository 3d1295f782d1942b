// The OOM guard's worker thread inside the program (memprof run --guard): reads the RSS
// every few milliseconds and, once it reaches the limit, pauses the main thread through the
// inspector (a session to the main thread works while that thread is busy), collects what
// explains the memory, writes it, and lets the program go on.
import * as fs from 'node:fs';
import * as inspector from 'node:inspector';
import * as os from 'node:os';
import * as path from 'node:path';
import { workerData } from 'node:worker_threads';
import { allocationSites, frameFile, type SamplingHeapProfile, type SamplingHeapProfileNode } from '../export/heap-profile';
import { heapProfileToPprof } from '../export/pprof';
import { tryAddon } from '../native';
import { formatSize } from '../units/size';
import { writeFailure, writeFileAtomic } from '../util/write-file';
import { guardFiles, type GuardConfig } from './config';
import { formatGuardReport, type GuardFindings } from './report';

const config = workerData as GuardConfig;
const CHECK_MS = 5;
const CHILDREN_MS = 100;
const HISTORY_MS = 100;
const HISTORY_KEEP = 600; // one minute
const PAUSE_WAIT_MS = 1000;
import { SAMPLING_INTERVAL } from './config';

// Connected only to report: a session to the main thread left open would make Node wait
// for it ("Waiting for the debugger to disconnect...") when the program exits.
const session = new inspector.Session();

function post<T>(method: string, params?: object): Promise<T> {
  return new Promise((resolve, reject) =>
    (session.post as (m: string, p: object | undefined, cb: (e: Error | null, r: T) => void) => void)(method, params, (err, res) => (err ? reject(err) : resolve(res))),
  );
}

function say(text: string): void {
  try {
    fs.writeSync(2, `memprof: ${text}\n`);
  } catch {
    // The program closed its stderr: the files say it all.
  }
}

const addon = tryAddon();
const ownRss = addon ? () => addon.rss() : () => process.memoryUsage.rss();
let childrenRss = 0;
let lastChildren = 0;
let lastHistory = 0;
const history: [number, number][] = [];
let fired = false;

function check(timer: NodeJS.Timeout): void {
  const now = Date.now();
  if (addon && now - lastChildren >= CHILDREN_MS) {
    lastChildren = now;
    try {
      childrenRss = addon.descendants(process.pid).reduce((sum, c) => sum + c.rss, 0);
    } catch {
      childrenRss = 0;
    }
  }
  const rss = ownRss();
  if (now - lastHistory >= HISTORY_MS) {
    lastHistory = now;
    history.push([now, rss + childrenRss]);
    if (history.length > HISTORY_KEEP) history.shift();
  }
  if (fired || rss + childrenRss < config.limit) return;
  fired = true;
  if (history[history.length - 1]?.[0] !== now) history.push([now, rss + childrenRss]);
  // The timer keeps this thread alive while the report is written (session replies do not).
  report(rss)
    .catch((err: Error) => say(`the OOM guard could not write its report: ${err.message}`))
    .finally(() => clearInterval(timer));
}

/** Pauses the main thread (it stops allocating while the report is written); its stack, or why not. */
async function pauseMain(): Promise<GuardFindings['stack']> {
  const urls = new Map<string, string>();
  const onScript = (m: { params: { scriptId: string; url: string } }) => urls.set(m.params.scriptId, m.params.url);
  session.on('Debugger.scriptParsed', onScript);
  await post('Debugger.enable');
  session.off('Debugger.scriptParsed', onScript);
  const paused = new Promise<{ callFrames: { functionName: string; url: string; location: { scriptId: string; lineNumber: number } }[] } | null>((resolve) => {
    session.once('Debugger.paused', (m: { params: never }) => resolve(m.params));
    setTimeout(() => resolve(null), PAUSE_WAIT_MS);
  });
  await post('Debugger.pause');
  const state = await paused;
  if (!state) return 'the main thread ran no JavaScript (waiting for I/O or timers): no stack';
  return state.callFrames.map((f) => {
    const url = f.url || urls.get(f.location.scriptId) || '';
    return { name: f.functionName || '(anonymous)', file: url.startsWith('file://') ? decodeURIComponent(new URL(url).pathname) : url, line: f.location.lineNumber + 1 };
  });
}

async function resumeMain(): Promise<void> {
  await post('Debugger.resume').catch(() => undefined);
  await post('Debugger.disable').catch(() => undefined);
}

function writeOrSay(file: string, data: string | Uint8Array, written: string[]): void {
  try {
    writeFileAtomic(file, data);
    written.push(file);
  } catch (err) {
    say(`the OOM guard cannot write ${file}: ${writeFailure(err)}`);
  }
}

/** A heap snapshot when the disk and memory have room for it; says what was done. */
async function snapshot(file: string, heapUsed: number, rss: number): Promise<string> {
  if (!config.snapshot) return 'not asked (--guard-snapshot)';
  const need = heapUsed * 2 + 64 * 1024 * 1024;
  let free = 0;
  try {
    const s = fs.statfsSync(path.dirname(path.resolve(file)));
    free = s.bavail * s.bsize;
  } catch {
    free = 0;
  }
  if (free < need) return `skipped: ${formatSize(free)} free on disk, about ${formatSize(need)} needed`;
  const memoryRoom = Math.min(os.freemem(), config.ceiling ? config.ceiling - rss - childrenRss : Infinity);
  if (memoryRoom < heapUsed) return `skipped: ${formatSize(Math.max(0, memoryRoom))} of memory left, about ${formatSize(heapUsed)} needed to write it`;
  const tmp = path.join(path.dirname(path.resolve(file)), `.${path.basename(file)}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`);
  const fd = fs.openSync(tmp, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o600);
  let failure: Error | null = null;
  const onChunk = (m: { params: { chunk: string } }) => {
    if (failure) return;
    try {
      fs.writeSync(fd, m.params.chunk);
    } catch (err) {
      failure = err as Error;
    }
  };
  session.on('HeapProfiler.addHeapSnapshotChunk', onChunk);
  try {
    await post('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
  } finally {
    session.off('HeapProfiler.addHeapSnapshotChunk', onChunk);
    fs.closeSync(fd);
  }
  if (failure) {
    fs.rmSync(tmp, { force: true });
    return `failed: ${writeFailure(failure)}`;
  }
  fs.renameSync(tmp, file);
  return `written to ${file}`;
}

const MEMPROF_DIST = path.join(__dirname, '..');

/** The profile without memprof's own allocations (the guard's start-up): they are not the program's. */
function withoutMemprof(profile: SamplingHeapProfile): SamplingHeapProfile {
  const kept = new Set<number>();
  const prune = (node: SamplingHeapProfileNode): SamplingHeapProfileNode => {
    kept.add(node.id);
    return { ...node, children: node.children.filter((c) => !frameFile(c.callFrame).startsWith(MEMPROF_DIST + path.sep)).map(prune) };
  };
  const head = prune(profile.head);
  return { head, samples: profile.samples?.filter((s) => kept.has(s.nodeId)) };
}

async function report(rss: number): Promise<void> {
  const files = guardFiles(config.prefix);
  session.connectToMainThread();
  const stack = await pauseMain().catch((err: Error) => `could not pause it: ${err.message}`);
  try {
    const profile = withoutMemprof((await post<{ profile: SamplingHeapProfile }>('HeapProfiler.getSamplingProfile')).profile);
    const heap = await post<{ usedSize: number; totalSize: number }>('Runtime.getHeapUsage')
      .then((h) => ({ used: h.usedSize, total: h.totalSize }))
      .catch(() => null);
    const written: string[] = [];
    writeOrSay(files.heapProfile, JSON.stringify(profile), written);
    writeOrSay(files.pprof, heapProfileToPprof(profile, { samplingInterval: SAMPLING_INTERVAL }), written);
    const snap = await snapshot(files.snapshot, heap?.used ?? 0, rss).catch((err: Error) => `failed: ${err.message}`);
    if (snap.startsWith('written')) written.push(files.snapshot);
    const findings: GuardFindings = {
      pid: config.pid ?? process.pid,
      argv: config.argv ?? [],
      time: new Date(),
      rss,
      childrenRss,
      limit: config.limit,
      limitSource: config.source,
      timeline: config.timeline,
      heap,
      history,
      stack,
      sites: allocationSites(profile, { samplingInterval: SAMPLING_INTERVAL }),
      files: written,
      snapshot: snap,
    };
    writeOrSay(files.text, formatGuardReport(findings), written);
    say(`OOM guard: memory reached ${formatSize(rss + childrenRss)} (limit ${formatSize(config.limit)}): wrote ${written.join(', ')}`);
  } finally {
    await resumeMain();
    session.disconnect();
  }
}

const timer: NodeJS.Timeout = setInterval(() => check(timer), CHECK_MS);
