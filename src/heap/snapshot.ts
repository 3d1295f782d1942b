import * as fs from 'node:fs';
import { JsonTokenizer, type JsonHandler } from './json-tokenizer';
import { StringTable } from './string-table';

/** Edge types, as V8 numbers them in `snapshot.meta.edge_types[0]`. */
export const EDGE_TYPES = ['context', 'element', 'property', 'internal', 'hidden', 'shortcut', 'weak'] as const;
export const NODE_TYPES = ['hidden', 'array', 'string', 'object', 'code', 'closure', 'regexp', 'number', 'native', 'synthetic',
  'concatenated string', 'sliced string', 'symbol', 'bigint', 'object shape', 'wasm object'] as const;

/** One allocation-stack frame from V8's allocation tracker (function start position). */
export interface TraceFunction {
  name: string;
  scriptName: string;
  scriptId: number;
  /** 1-based line and column of the function's start, as the tracker gives them. */
  line: number;
  column: number;
}

/** Edge type and name share one 32-bit word: type in the top 3 bits. */
const TYPE_SHIFT = 29;
const NAME_MASK = (1 << TYPE_SHIFT) - 1;

/**
 * A heap snapshot's graph in typed arrays: one entry per node and per edge, names as
 * indexes into one string table. Node i's edges are firstEdge[i] .. firstEdge[i+1].
 */
export class HeapSnapshot {
  nodeCount = 0;
  edgeCount = 0;
  nodeType = new Uint8Array(0);
  nodeName = new Uint32Array(0);
  nodeId = new Uint32Array(0);
  selfSize = new Uint32Array(0);
  firstEdge = new Uint32Array(1);
  /** Allocation trace node of each node (0: none); empty unless allocations were tracked. */
  traceNode = new Uint32Array(0);
  edgeTypeName = new Uint32Array(0);
  edgeTo = new Uint32Array(0);
  strings = new StringTable();
  nodeTypeNames: string[] = [...NODE_TYPES];
  edgeTypeNames: string[] = [...EDGE_TYPES];
  traceFunctions: TraceFunction[] = [];
  /** Per trace node id: its function (index in traceFunctions) and its parent trace node id. */
  traceFunctionOf: number[] = [];
  traceParentOf: number[] = [];
  /** Script id and 1-based line of closures, by node index (the snapshot's `locations`). */
  locations = new Map<number, { scriptId: number; line: number; column: number }>();

  edgeType(edge: number): number {
    return this.edgeTypeName[edge] >>> TYPE_SHIFT;
  }
  /** The edge's name (property, context variable) or its index (element, hidden) as text. */
  edgeName(edge: number): string {
    const type = this.edgeType(edge);
    const value = this.edgeTypeName[edge] & NAME_MASK;
    const typeName = this.edgeTypeNames[type];
    return typeName === 'element' || typeName === 'hidden' ? String(value) : this.strings.get(value);
  }
  name(node: number): string {
    return this.strings.get(this.nodeName[node]);
  }
  typeName(node: number): string {
    return this.nodeTypeNames[this.nodeType[node]] ?? 'hidden';
  }
  /** Node index of a snapshot object id, or -1. */
  nodeById(id: number): number {
    const ids = this.nodeId;
    for (let i = 0; i < this.nodeCount; i++) if (ids[i] === id) return i;
    return -1;
  }
  /** Frames of a trace node, innermost first. */
  traceStack(traceNodeId: number): TraceFunction[] {
    const frames: TraceFunction[] = [];
    for (let id = traceNodeId; id > 0 && frames.length < 64; id = this.traceParentOf[id] ?? 0) {
      const fn = this.traceFunctions[this.traceFunctionOf[id]];
      if (fn) frames.push(fn);
    }
    return frames;
  }
  /** Bytes this graph holds, for the benchmark. */
  get byteSize(): number {
    return [this.nodeType, this.nodeName, this.nodeId, this.selfSize, this.firstEdge, this.traceNode, this.edgeTypeName, this.edgeTo]
      .reduce((sum, a) => sum + a.byteLength, this.strings.byteSize);
  }
}

type Section = 'none' | 'meta' | 'nodes' | 'edges' | 'trace_function_infos' | 'trace_tree' | 'locations' | 'strings' | 'skip';

/**
 * Builds a HeapSnapshot from `.heapsnapshot` JSON fed in chunks (a file stream, or the
 * inspector's HeapProfiler.addHeapSnapshotChunk events): the document is never held whole.
 */
export class SnapshotParser implements JsonHandler {
  readonly snapshot = new HeapSnapshot();
  private readonly tokenizer = new JsonTokenizer(this);
  private depth = 0;
  private section: Section = 'none';
  private sectionDepth = 0;
  // "snapshot" (meta) is small: built as plain values.
  private metaStack: unknown[] = [];
  private metaKey: (string | null)[] = [];
  private metaRoot: Record<string, unknown> | null = null;
  private nodeFieldCount = 7;
  private edgeFieldCount = 3;
  private nodeFields = { type: 0, name: 1, id: 2, self_size: 3, edge_count: 4, trace_node_id: 5 };
  private edgeFields = { type: 0, name_or_index: 1, to_node: 2 };
  private field = 0;
  private index = 0;
  private edgeCursor = 0;
  private numbers: number[] = [];
  private traceDepthStack: number[] = [];

  write(chunk: Uint8Array | string): void {
    this.tokenizer.write(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  }

  end(): HeapSnapshot {
    this.tokenizer.end();
    const s = this.snapshot;
    if (this.index !== s.nodeCount && s.nodeCount > 0 && this.section !== 'none') throw new SyntaxError('heap snapshot ends early');
    return s;
  }

  open(kind: '{' | '['): void {
    this.depth++;
    if (this.section === 'meta') {
      const value = kind === '{' ? {} : [];
      this.attachMeta(value);
      this.metaStack.push(value);
      this.metaKey.push(null);
    } else if (this.section === 'trace_tree' && kind === '[') {
      this.traceDepthStack.push(this.field);
      this.field = 0;
    }
  }

  close(kind: '}' | ']'): void {
    if (this.section === 'meta') {
      this.metaStack.pop();
      this.metaKey.pop();
      if (this.metaStack.length === 0) this.finishMeta();
    } else if (this.section === 'trace_tree') {
      this.field = this.traceDepthStack.pop() ?? 0;
      if (this.traceDepthStack.length === 0) this.section = 'none';
    } else if (this.section !== 'none' && this.depth === this.sectionDepth) {
      this.finishSection();
    }
    void kind;
    this.depth--;
  }

  string(value: string, isKey: boolean): void {
    if (this.section === 'meta') {
      if (isKey) this.metaKey[this.metaKey.length - 1] = value;
      else this.attachMeta(value);
      return;
    }
    if (isKey && this.depth === 1) {
      this.startSection(value);
      return;
    }
    if (this.section === 'strings') this.snapshot.strings.add(value);
  }

  number(value: number): void {
    switch (this.section) {
      case 'nodes': return this.nodeNumber(value);
      case 'edges': return this.edgeNumber(value);
      case 'trace_tree': return this.traceNumber(value);
      case 'trace_function_infos':
      case 'locations': this.numbers.push(value); return;
      case 'meta': this.attachMeta(value); return;
      default:
    }
  }

  literal(value: boolean | null): void {
    if (this.section === 'meta') this.attachMeta(value);
  }

  private startSection(key: string): void {
    const known: Record<string, Section> = {
      snapshot: 'meta', nodes: 'nodes', edges: 'edges', trace_function_infos: 'trace_function_infos',
      trace_tree: 'trace_tree', locations: 'locations', strings: 'strings',
    };
    this.section = known[key] ?? 'skip';
    this.sectionDepth = 2;
    this.field = 0;
    this.index = 0;
    this.numbers = [];
    if (this.section === 'meta') {
      this.metaStack = [];
      this.metaKey = [];
    }
  }

  private finishSection(): void {
    const s = this.snapshot;
    if (this.section === 'nodes') {
      if (this.index !== s.nodeCount) throw new SyntaxError(`heap snapshot has ${this.index} nodes, its header says ${s.nodeCount}`);
      for (let i = 0; i < s.nodeCount; i++) s.firstEdge[i + 1] += s.firstEdge[i];
    } else if (this.section === 'trace_function_infos') {
      const n = 6;
      for (let i = 0; i + n <= this.numbers.length; i += n) {
        const f = this.numbers;
        s.traceFunctions.push({ name: s.strings.get(f[i + 1]), scriptName: '', scriptId: f[i + 3], line: f[i + 4], column: f[i + 5] });
        // Script names are resolved once the strings arrive (they come last).
        (s.traceFunctions[s.traceFunctions.length - 1] as TraceFunction & { nameIndex?: number; scriptIndex?: number }).nameIndex = f[i + 1];
        (s.traceFunctions[s.traceFunctions.length - 1] as TraceFunction & { nameIndex?: number; scriptIndex?: number }).scriptIndex = f[i + 2];
      }
    } else if (this.section === 'locations') {
      const f = this.numbers;
      for (let i = 0; i + 4 <= f.length; i += 4) {
        s.locations.set(f[i] / this.nodeFieldCount, { scriptId: f[i + 1], line: f[i + 2] + 1, column: f[i + 3] + 1 });
      }
    } else if (this.section === 'strings') {
      for (const fn of s.traceFunctions as (TraceFunction & { nameIndex?: number; scriptIndex?: number })[]) {
        fn.name = s.strings.get(fn.nameIndex ?? 0);
        fn.scriptName = s.strings.get(fn.scriptIndex ?? 0);
        delete fn.nameIndex;
        delete fn.scriptIndex;
      }
    }
    this.numbers = [];
    this.section = 'none';
  }

  private attachMeta(value: unknown): void {
    const parent = this.metaStack[this.metaStack.length - 1];
    if (parent === undefined) {
      this.metaRoot = value as Record<string, unknown>;
      return;
    }
    if (Array.isArray(parent)) parent.push(value);
    else (parent as Record<string, unknown>)[this.metaKey[this.metaKey.length - 1] ?? ''] = value;
  }

  private finishMeta(): void {
    const root = this.metaRoot ?? {};
    const meta = (root.meta ?? {}) as Record<string, unknown>;
    const nodeFields = (meta.node_fields as string[]) ?? [];
    const edgeFields = (meta.edge_fields as string[]) ?? [];
    if (nodeFields.length === 0 || edgeFields.length === 0) throw new SyntaxError('not a V8 heap snapshot (no snapshot.meta.node_fields)');
    this.nodeFieldCount = nodeFields.length;
    this.edgeFieldCount = edgeFields.length;
    const at = (fields: string[], name: string): number => fields.indexOf(name);
    this.nodeFields = {
      type: at(nodeFields, 'type'), name: at(nodeFields, 'name'), id: at(nodeFields, 'id'),
      self_size: at(nodeFields, 'self_size'), edge_count: at(nodeFields, 'edge_count'), trace_node_id: at(nodeFields, 'trace_node_id'),
    };
    this.edgeFields = { type: at(edgeFields, 'type'), name_or_index: at(edgeFields, 'name_or_index'), to_node: at(edgeFields, 'to_node') };
    const s = this.snapshot;
    const nodeTypes = (meta.node_types as unknown[] | undefined)?.[0];
    const edgeTypes = (meta.edge_types as unknown[] | undefined)?.[0];
    if (Array.isArray(nodeTypes)) s.nodeTypeNames = nodeTypes as string[];
    if (Array.isArray(edgeTypes)) s.edgeTypeNames = edgeTypes as string[];
    const n = Number(root.node_count);
    const e = Number(root.edge_count);
    if (!Number.isInteger(n) || !Number.isInteger(e)) throw new SyntaxError('heap snapshot header has no node_count/edge_count');
    s.nodeCount = n;
    s.edgeCount = e;
    s.nodeType = new Uint8Array(n);
    s.nodeName = new Uint32Array(n);
    s.nodeId = new Uint32Array(n);
    s.selfSize = new Uint32Array(n);
    s.firstEdge = new Uint32Array(n + 1);
    s.edgeTypeName = new Uint32Array(e);
    s.edgeTo = new Uint32Array(e);
    this.section = 'none';
  }

  private nodeNumber(value: number): void {
    const s = this.snapshot;
    const f = this.field;
    const i = this.index;
    const nf = this.nodeFields;
    if (f === nf.type) s.nodeType[i] = value;
    else if (f === nf.name) s.nodeName[i] = value;
    else if (f === nf.id) s.nodeId[i] = value;
    else if (f === nf.self_size) s.selfSize[i] = Math.min(value, 0xffffffff);
    else if (f === nf.edge_count) s.firstEdge[i + 1] = value; // counts now, offsets at the end
    else if (f === nf.trace_node_id && value !== 0) {
      if (s.traceNode.length === 0) s.traceNode = new Uint32Array(s.nodeCount);
      s.traceNode[i] = value;
    }
    if (++this.field === this.nodeFieldCount) {
      this.field = 0;
      this.index++;
    }
  }

  private edgeNumber(value: number): void {
    const s = this.snapshot;
    const f = this.field;
    const i = this.edgeCursor;
    const ef = this.edgeFields;
    if (f === ef.type) s.edgeTypeName[i] = (s.edgeTypeName[i] & NAME_MASK) | (value << TYPE_SHIFT);
    else if (f === ef.name_or_index) s.edgeTypeName[i] = (s.edgeTypeName[i] & ~NAME_MASK) | (value & NAME_MASK);
    else if (f === ef.to_node) s.edgeTo[i] = value / this.nodeFieldCount;
    if (++this.field === this.edgeFieldCount) {
      this.field = 0;
      this.edgeCursor++;
    }
  }

  /** trace_tree: [id, function_info_index, count, size, [children...], id, ...] nested. */
  private traceNumber(value: number): void {
    const s = this.snapshot;
    const slot = this.field % 4;
    if (slot === 0) {
      const parent = this.traceDepthStack.length >= 2 ? this.parentTraceId() : 0;
      this.currentTraceId = value;
      s.traceParentOf[value] = parent;
    } else if (slot === 1) {
      s.traceFunctionOf[this.currentTraceId] = value;
    }
    this.field++;
    if (slot === 3) this.idStack[this.traceDepthStack.length] = this.currentTraceId;
  }

  private currentTraceId = 0;
  private idStack: number[] = [];
  private parentTraceId(): number {
    return this.idStack[this.traceDepthStack.length - 1] ?? 0;
  }
}

/** Reads a `.heapsnapshot` file streaming, in chunks of 1 MiB. */
export async function readSnapshotFile(file: string): Promise<HeapSnapshot> {
  const parser = new SnapshotParser();
  const stream = fs.createReadStream(file, { highWaterMark: 1 << 20 });
  for await (const chunk of stream) parser.write(chunk as Buffer);
  return parser.end();
}
