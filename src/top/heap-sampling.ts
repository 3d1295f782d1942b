import * as inspector from 'node:inspector';
import * as fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { V8CallFrame, V8SamplingHeapProfile, V8SamplingHeapProfileNode } from './model';

/**
 * V8's sampling heap profiler, driven through an in-process inspector session (nothing
 * listens on a port: the session is a function call inside this process). V8 records one
 * sample, with its stack, about every `samplingInterval` bytes allocated.
 *
 * With `includeCollected`, samples of objects the garbage collector has freed are kept
 * (V8 11.3 in Node 20 accepts includeObjectsCollectedByMajorGC/MinorGC), so the profile
 * counts everything allocated; without it, only objects still alive: what is retained.
 * In-process sessions answer synchronously, so the profile is readable in an 'exit' handler.
 *
 * Measured on Node 20: V8 names a frame's script and position when the profile is built,
 * from the scripts still alive; a script whose functions were all collected by then comes
 * out as url '' and line -1. So the capture remembers each node's frame while it is known
 * (node ids are stable; this also keeps frames right across LiveEdit), learns script URLs from the Debugger domain as scripts are parsed,
 * and finds a lost function's line by its name in its file.
 */
export interface HeapSamplingOptions {
  /** Mean bytes between samples (V8's default is 32768). */
  samplingInterval: number;
  includeCollected: boolean;
}

export class HeapSampling {
  readonly #session = new inspector.Session();
  #running = false;
  readonly #frames = new Map<number, V8CallFrame>();
  readonly #scriptUrls = new Map<string, string>();

  constructor(readonly options: HeapSamplingOptions) {}

  start(): void {
    this.#session.connect();
    this.#session.on('Debugger.scriptParsed', (m: { params: { scriptId: string; url: string } }) => {
      if (m.params.url) this.#scriptUrls.set(m.params.scriptId, m.params.url);
    });
    this.#post('Debugger.enable');
    // Never hold the program at a `debugger` statement for this session.
    this.#post('Debugger.setSkipAllPauses', { skip: true });
    this.#post('HeapProfiler.enable');
    this.#post('HeapProfiler.startSampling', {
      samplingInterval: this.options.samplingInterval,
      includeObjectsCollectedByMajorGC: this.options.includeCollected,
      includeObjectsCollectedByMinorGC: this.options.includeCollected,
    });
    this.#running = true;
  }

  get running(): boolean {
    return this.#running;
  }

  /** The profile so far; sampling goes on. */
  peek(): V8SamplingHeapProfile {
    return this.#repair(this.#post<{ profile: V8SamplingHeapProfile }>('HeapProfiler.getSamplingProfile').profile);
  }

  /** Stops sampling and returns the whole profile. */
  stop(): V8SamplingHeapProfile {
    const { profile } = this.#post<{ profile: V8SamplingHeapProfile }>('HeapProfiler.stopSampling');
    this.#running = false;
    this.#repair(profile);
    this.#session.disconnect();
    return profile;
  }

  /** Frames V8 could no longer name get their remembered frame, or their URL and the line found by name. */
  #repair(profile: V8SamplingHeapProfile): V8SamplingHeapProfile {
    const lost: { node: V8SamplingHeapProfileNode; parent: V8SamplingHeapProfileNode | null }[] = [];
    const walk = (node: V8SamplingHeapProfileNode, parent: V8SamplingHeapProfileNode | null): void => {
      const f = node.callFrame;
      const known = this.#frames.get(node.id);
      // The first sight wins: LiveEdit moves the text under older frames too (their lines
      // come out wrong after an edit), while a frame first seen after it is placed right.
      if (known) node.callFrame = known;
      else if (f.url !== '' || f.lineNumber >= 0) this.#frames.set(node.id, f);
      else if (f.scriptId !== '0') lost.push({ node, parent });
      for (const child of node.children) walk(child, node);
    };
    walk(profile.head, null);
    for (const { node, parent } of lost) {
      const url = this.#scriptUrls.get(node.callFrame.scriptId);
      if (!url) continue;
      // Nameless frames cannot be found by name: the one Node's module loader called is the
      // module's top level (V8 places it at 0:0); any other is an anonymous function whose
      // line is unknown (-1), never the top level.
      const topLevel = node.callFrame.functionName === '' && parent !== null && parent.callFrame.url.startsWith('node:internal/modules/');
      const at = topLevel ? { position: { lineNumber: 0, columnNumber: 0 } } : findByName(url, node.callFrame.functionName);
      node.callFrame = { ...node.callFrame, url: url.startsWith('file://') ? fileURLToPath(url) : url, ...at.position };
      this.#frames.set(node.id, node.callFrame);
    }
    return profile;
  }

  #post<T>(method: string, params?: object): T {
    let error: Error | null = null;
    let result: T | undefined;
    let replied = false;
    (this.#session.post as (m: string, p: object | undefined, cb: (err: Error | null, res: T) => void) => void)(method, params, (err, res) => {
      error = err;
      result = res;
      replied = true;
    });
    if (!replied) throw new Error(`the inspector did not answer ${method} synchronously`);
    if (error) throw new Error(`${method}: ${(error as Error).message}`);
    return result as T;
  }
}

const sourceFunctions = new Map<string, { name: string; line: number; column: number }[] | null>();

/** The first function of this name in the script's file (0-based position), as V8 would place it. */
function findByName(url: string, name: string): { position: { lineNumber: number; columnNumber: number } } {
  let list = sourceFunctions.get(url);
  if (list === undefined) {
    list = null;
    try {
      // Loaded only here: the parser is needed for lost frames alone.
      const { parseSource, listFunctions } = require('../trace/instrument') as typeof import('../trace/instrument');
      const file = url.startsWith('file://') ? fileURLToPath(url) : url;
      const program = parseSource(fs.readFileSync(file, 'utf8'), file.endsWith('.mjs') ? true : undefined);
      list = listFunctions(program).map((f) => ({ name: f.name, line: f.line - 1, column: f.node.loc!.start.column }));
    } catch {
      list = null;
    }
    sourceFunctions.set(url, list);
  }
  const found = list?.find((f) => f.name === name);
  return { position: found ? { lineNumber: found.line, columnNumber: found.column } : { lineNumber: -1, columnNumber: -1 } };
}
