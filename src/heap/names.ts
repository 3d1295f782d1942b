import * as path from 'node:path';
import type { HeapSnapshot } from './snapshot';
import { edgeBetween, pathFromRoot, type Retainers } from './graph';

/** A file name as a reader knows it: relative to the working directory when inside it. */
export function displayFile(file: string): string {
  const plain = file.startsWith('file://') ? decodeURIComponent(file.slice(7)) : file;
  if (!path.isAbsolute(plain)) return plain;
  const relative = path.relative(process.cwd(), plain);
  return relative.startsWith('..') ? plain : relative.split(path.sep).join('/');
}

function follow(s: HeapSnapshot, node: number, edgeName: string): number {
  for (let e = s.firstEdge[node]; e < s.firstEdge[node + 1]; e++) if (s.edgeName(e) === edgeName) return s.edgeTo[e];
  return -1;
}

/** The script a context belongs to: a closure using it -> shared -> script -> name. */
function contextFile(s: HeapSnapshot, r: Retainers, context: number): string {
  for (let k = r.firstRetainer[context]; k < r.firstRetainer[context + 1]; k++) {
    const closure = r.retainerNode[k];
    if (s.typeName(closure) !== 'closure') continue;
    const shared = follow(s, closure, 'shared');
    let script = shared >= 0 ? follow(s, shared, 'script_or_debug_info') : -1;
    if (script < 0 && shared >= 0) script = follow(s, shared, 'script');
    // V8 names a Script node by its file; older versions hang the name on an edge.
    const name = script < 0 ? '' : s.name(script) || s.name(follow(s, script, 'name'));
    if (name && !name.startsWith('system /')) return displayFile(name);
  }
  return '';
}

/** Nodes a reader never wrote: V8's internal arrays, shapes, code, synthetic roots. */
function internal(s: HeapSnapshot, node: number): boolean {
  const type = s.typeName(node);
  return type === 'hidden' || type === 'array' || type === 'code' || type === 'object shape' || type === 'synthetic' ||
    (type === 'native' && s.name(node).startsWith('system /'));
}

/** What a node is, in a reader's words: its class, or its kind for strings and the like. */
export function nodeLabel(s: HeapSnapshot, node: number): string {
  const type = s.typeName(node);
  if (type === 'object' || type === 'native' || type === 'closure' && !s.name(node)) return s.name(node) || type;
  if (type === 'closure') return `function ${s.name(node)}`;
  if (type.endsWith('string')) return 'string';
  return type;
}

/**
 * The shortest path from a GC root to `node`, as the steps a reader knows:
 * `Map "entries" in module src/cache.js`, `Array`, `Buffer`. It starts at the last module
 * variable or global property on the way (what comes before is loader bookkeeping).
 */
export function retainerPath(s: HeapSnapshot, r: Retainers, parent: Uint32Array, node: number): string[] {
  const nodes = pathFromRoot(parent, node);
  const steps: string[] = [];
  let anchor = -1;
  for (let i = 1; i < nodes.length; i++) {
    const to = nodes[i];
    if (internal(s, to) && i !== nodes.length - 1) continue;
    const e = edgeBetween(s, nodes[i - 1], to);
    const edgeType = e >= 0 ? s.edgeTypeNames[s.edgeType(e)] : '';
    let label = nodeLabel(s, to);
    if (edgeType === 'context') {
      const file = contextFile(s, r, nodes[i - 1]);
      label += ` "${s.edgeName(e)}"${file ? ` in module ${file}` : ''}`;
      anchor = steps.length;
    } else if (edgeType === 'property' && /^global( \/|$)/.test(s.name(nodes[i - 1]))) {
      label += ` "${s.edgeName(e)}" in global`;
      anchor = steps.length;
    } else if (edgeType === 'property') {
      label += ` "${s.edgeName(e)}"`;
    }
    steps.push(label);
  }
  return anchor >= 0 ? steps.slice(anchor) : steps.slice(-6);
}
