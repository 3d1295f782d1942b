import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StackNode, TopFunction, TopProfile, V8CallFrame, V8SamplingHeapProfile, V8SamplingHeapProfileNode } from './model';
import { packageOf } from '../util/package-of';

// From V8's sampling heap profile to memprof's model: which functions (or packages, with
// the program's function that called them) allocated how much, and the allocation tree.

export interface AnalysisOptions {
  /** Directories whose code is memprof's own (its dist/ and node_modules/): left out. */
  ownDirs: readonly string[];
  /** Rank node_modules functions themselves instead of charging them to their package. */
  includeDeps?: boolean;
}

/** memprof's own code: its launcher, compiled files and dependencies (never the program's). */
export function ownDirs(): string[] {
  const root = path.join(__dirname, '..', '..');
  return [path.join(root, 'dist'), path.join(root, 'bin'), path.join(root, 'node_modules')];
}

type FrameKind = 'user' | 'package' | 'own' | 'builtin';

interface Frame {
  kind: FrameKind;
  /** A script's top level: ranked, never zoomed into (no function to instrument). */
  topLevel?: boolean;
  /** Function name, or package name for kind 'package'. */
  name: string;
  file: string;
  /** 1-based. */
  line: number;
}

/** The file a V8 script URL names ('' for none). */
export function fileOfUrl(url: string): string {
  if (url.startsWith('file://')) {
    try {
      return fileURLToPath(url);
    } catch {
      return url;
    }
  }
  return url;
}

export { packageOf };

/** `node:fs` for node:internal/fs/utils and node:fs: Node's own JavaScript as one package per module. */
function nodeModuleOf(url: string): string {
  const rest = url.slice('node:'.length).replace(/^internal\//, '');
  return `node:${rest.split('/')[0]}`;
}

function classify(frame: V8CallFrame, options: AnalysisOptions): Frame {
  // A script's own top level (a module's body) has no name and starts at 0:0. A frame whose
  // script was collected and whose line could not be found has line -1: a function, not the
  // top level, with an unknown line (0).
  const topLevel = frame.functionName === '' && frame.lineNumber === 0 && frame.columnNumber === 0;
  const name = topLevel ? '(top level)' : frame.functionName || '(anonymous)';
  const line = frame.lineNumber < 0 ? 0 : frame.lineNumber + 1;
  if (frame.url.startsWith('node:')) return { kind: 'package', name: nodeModuleOf(frame.url), file: '', line: 0 };
  const file = fileOfUrl(frame.url);
  // V8's builtins (Array.prototype.push, Map...) have no script: they allocate for their caller.
  if (!file) return { kind: 'builtin', name: frame.functionName || '(V8)', file: '', line: 0 };
  if (options.ownDirs.some((d) => file.startsWith(d + path.sep))) return { kind: 'own', name, file, line };
  const pkg = packageOf(file);
  if (pkg !== null && !options.includeDeps) return { kind: 'package', name: pkg, file: '', line: 0 };
  return { kind: 'user', name, file, line, topLevel };
}

/**
 * One key per function across runs (script ids change from one run to the next) and across
 * LiveEdit (probes shift columns, never lines).
 */
function functionKey(frame: V8CallFrame): string {
  return `${fileOfUrl(frame.url)}:${frame.lineNumber}:${frame.functionName}`;
}

/** The key `analyse` gives an entry; stable across runs of the same program. */
export type EntryKey = string;

export interface Analysis extends TopProfile {
  /** Entry key of each function, parallel to `functions`. */
  keys: EntryKey[];
  /** For each entry, the key of the program's function to zoom into (itself, or a package's caller), or null. */
  zoomKeys: (EntryKey | null)[];
  /** The program's functions by key (zoom targets). */
  byKey: Map<EntryKey, TopFunction>;
}

/**
 * Charges every sample to a function (the frame that allocated) or, for node_modules and
 * Node's own code, to the package under the program's nearest calling function. memprof's
 * frames are skipped where they launch the program and dropped with everything below them
 * where the program calls into them (the line probes): memprof's memory stays out.
 */
export function analyse(raw: V8SamplingHeapProfile, options: AnalysisOptions): Analysis {
  const entries = new Map<EntryKey, TopFunction>();
  const zoomOf = new Map<EntryKey, EntryKey | null>();
  const onPath = new Map<EntryKey, number>();

  const entryFor = (key: EntryKey, make: () => TopFunction, zoom: EntryKey | null): TopFunction => {
    let e = entries.get(key);
    if (!e) {
      e = make();
      entries.set(key, e);
      zoomOf.set(key, zoom);
    }
    return e;
  };

  // Returns the node's kept subtree (null when dropped) and its kept bytes.
  // inOwn: below a memprof frame and no program frame since (its inspector, its parser...).
  // above: the entry of the nearest frame that is not a builtin.
  const visit = (
    node: V8SamplingHeapProfileNode,
    caller: { key: EntryKey; fn: TopFunction; topLevel?: boolean } | null,
    seenUser: boolean,
    inOwn: boolean,
    above: { key: EntryKey; fn: TopFunction } | null = null,
  ): { nodes: StackNode[]; bytes: number } => {
    let frame = classify(node.callFrame, options);
    if (inOwn && (frame.kind === 'package' || frame.kind === 'builtin')) frame = { ...frame, kind: 'own' };
    if (frame.kind === 'builtin' && !above) frame = { ...frame, kind: 'package' };
    if (frame.kind === 'own') {
      if (seenUser) return { nodes: [], bytes: 0 };
      // The launcher: its callees stand in its place, its own bytes are memprof's.
      const kept: StackNode[] = [];
      let bytes = 0;
      for (const child of node.children) {
        const r = visit(child, caller, seenUser, true, above);
        kept.push(...r.nodes);
        bytes += r.bytes;
      }
      return { nodes: mergeSiblings(kept), bytes };
    }
    let key: EntryKey;
    let entry: TopFunction;
    let nextCaller = caller;
    if (frame.kind === 'builtin') {
      key = above!.key;
      entry = above!.fn;
    } else if (frame.kind === 'user') {
      key = functionKey(node.callFrame);
      const cf = node.callFrame;
      entry = entryFor(
        key,
        () => ({
          name: frame.name,
          file: frame.file,
          line: frame.line,
          allocated: 0,
          total: 0,
          retained: null,
          location: { scriptId: cf.scriptId, url: cf.url, lineNumber: cf.lineNumber, columnNumber: cf.columnNumber },
        }),
        // Neither the top level nor a function of unknown line can be instrumented.
        frame.topLevel || frame.line === 0 ? null : key,
      );
      nextCaller = { key, fn: entry, topLevel: frame.topLevel };
    } else {
      key = `package:${frame.name}@${caller?.key ?? ''}`;
      entry = entryFor(
        key,
        () => ({
          name: frame.name,
          file: caller?.fn.file ?? '',
          line: caller?.fn.line ?? 0,
          package: frame.name,
          ...(caller ? { caller: caller.fn.name } : {}),
          allocated: 0,
          total: 0,
          retained: null,
        }),
        caller && !caller.topLevel && caller.fn.line > 0 ? caller.key : null,
      );
    }
    entry.allocated += node.selfSize;
    onPath.set(key, (onPath.get(key) ?? 0) + 1);
    const kids: StackNode[] = [];
    let bytes = node.selfSize;
    for (const child of node.children) {
      const r = visit(child, nextCaller, seenUser || frame.kind === 'user', false, { key, fn: entry });
      kids.push(...r.nodes);
      bytes += r.bytes;
    }
    const depth = onPath.get(key)! - 1;
    if (depth === 0) {
      onPath.delete(key);
      entry.total += bytes; // recursion counted once: only the outermost frame adds
    } else onPath.set(key, depth);
    const stackNode: StackNode = {
      name: frame.kind === 'user' ? frame.name : frame.name === node.callFrame.functionName ? frame.name : `${frame.name} ${node.callFrame.functionName || '(anonymous)'}`,
      file: frame.kind === 'user' ? frame.file : fileOfUrl(node.callFrame.url),
      line: frame.kind === 'user' ? frame.line : node.callFrame.lineNumber + 1,
      self: node.selfSize,
      total: bytes,
      children: mergeSiblings(kids),
    };
    return { nodes: bytes > 0 ? [stackNode] : [], bytes };
  };

  const top = { nodes: [] as StackNode[], bytes: 0 };
  for (const child of raw.head.children) {
    const r = visit(child, null, false, false);
    top.nodes.push(...r.nodes);
    top.bytes += r.bytes;
  }
  let roots = mergeSiblings(top.nodes);
  // Node's launcher chain (run_main_module, Module._load...) says nothing: skip single links of it.
  while (roots.length === 1 && roots[0].self === 0 && roots[0].file.startsWith('node:')) roots = roots[0].children;
  const stacks: StackNode = { name: 'all', file: '', line: 0, self: 0, total: top.bytes, children: roots };

  const list = [...entries.entries()].filter(([, e]) => e.allocated > 0).sort((a, b) => b[1].allocated - a[1].allocated);
  const byKey = new Map<EntryKey, TopFunction>();
  for (const [key, e] of entries) if (!e.package) byKey.set(key, e);
  return {
    functions: list.map(([, e]) => e),
    keys: list.map(([k]) => k),
    zoomKeys: list.map(([k]) => zoomOf.get(k) ?? null),
    byKey,
    stacks,
    allocated: list.reduce((sum, [, e]) => sum + e.allocated, 0),
    retained: null,
  };
}

/**
 * The raw profile without memprof's frames, for exporters: as `analyse` charges them, the
 * launcher's frames give way to their callees (their own bytes dropped) and whatever the
 * program calls of memprof (its probes) is dropped with everything below it. Node ids stay.
 */
export function withoutOwnFrames(raw: V8SamplingHeapProfile, options: AnalysisOptions): V8SamplingHeapProfile {
  const kept = new Set<number>([raw.head.id]);
  const visit = (node: V8SamplingHeapProfileNode, seenUser: boolean, inOwn: boolean): V8SamplingHeapProfileNode[] => {
    let { kind } = classify(node.callFrame, options);
    if (inOwn && (kind === 'package' || kind === 'builtin')) kind = 'own';
    if (kind === 'own') return seenUser ? [] : node.children.flatMap((c) => visit(c, false, true));
    kept.add(node.id);
    return [{ ...node, children: node.children.flatMap((c) => visit(c, seenUser || kind === 'user', false)) }];
  };
  const head = { ...raw.head, children: raw.head.children.flatMap((c) => visit(c, false, false)) };
  return { head, samples: raw.samples.filter((s) => kept.has(s.nodeId)) };
}

/** Siblings for the same function become one node (they come apart when launcher frames are skipped). */
function mergeSiblings(nodes: StackNode[]): StackNode[] {
  const byId = new Map<string, StackNode>();
  for (const n of nodes) {
    const id = `${n.name}\0${n.file}\0${n.line}`;
    const known = byId.get(id);
    if (!known) byId.set(id, n);
    else {
      known.self += n.self;
      known.total += n.total;
      known.children = mergeSiblings([...known.children, ...n.children]);
    }
  }
  return [...byId.values()].sort((a, b) => b.total - a.total);
}

/** Sets each entry's retained bytes from a profile of live objects (keys match across runs). */
export function addRetained(analysis: Analysis, live: Analysis): void {
  const liveByKey = new Map(live.keys.map((k, i) => [k, live.functions[i]]));
  let sum = 0;
  analysis.functions.forEach((fn, i) => {
    fn.retained = liveByKey.get(analysis.keys[i])?.allocated ?? 0;
    sum += fn.retained;
  });
  analysis.retained = sum;
}

/**
 * The program's functions to get line tables: those of the `count` largest entries by
 * allocated bytes (a package's caller stands for it), then by retained bytes when known;
 * each function once.
 */
export function pickZoomTargets(analysis: Analysis, count: number): EntryKey[] {
  const picked: EntryKey[] = [];
  const take = (order: number[]): void => {
    let n = 0;
    for (const i of order) {
      if (n >= count) break;
      const zoom = analysis.zoomKeys[i];
      n++;
      if (zoom !== null && !picked.includes(zoom)) picked.push(zoom);
    }
  };
  const idx = analysis.functions.map((_, i) => i);
  take(idx);
  if (analysis.retained !== null) take([...idx].sort((a, b) => (analysis.functions[b].retained ?? 0) - (analysis.functions[a].retained ?? 0)));
  return picked;
}
