import type { HeapSnapshot } from './snapshot';

const NONE = 0xffffffff;
const VISITING = 0xfffffffe;

/** Edges that do not keep their target alive, as DevTools treats them. */
function weakTypes(snapshot: HeapSnapshot): number {
  let mask = 0;
  for (const t of ['weak', 'shortcut']) {
    const i = snapshot.edgeTypeNames.indexOf(t);
    if (i >= 0) mask |= 1 << i;
  }
  return mask;
}

/**
 * Who holds whom: node v's retainers are retainerNode[firstRetainer[v] .. firstRetainer[v+1]]
 * (weak and shortcut edges left out).
 */
export interface Retainers {
  firstRetainer: Uint32Array;
  retainerNode: Uint32Array;
}

export function buildRetainers(s: HeapSnapshot): Retainers {
  const weak = weakTypes(s);
  const n = s.nodeCount;
  const firstRetainer = new Uint32Array(n + 1);
  for (let e = 0; e < s.edgeCount; e++) if (!((weak >>> s.edgeType(e)) & 1)) firstRetainer[s.edgeTo[e] + 1]++;
  for (let i = 0; i < n; i++) firstRetainer[i + 1] += firstRetainer[i];
  const retainerNode = new Uint32Array(firstRetainer[n]);
  const fill = firstRetainer.slice(0, n);
  for (let from = 0; from < n; from++) {
    for (let e = s.firstEdge[from]; e < s.firstEdge[from + 1]; e++) {
      if (!((weak >>> s.edgeType(e)) & 1)) retainerNode[fill[s.edgeTo[e]]++] = from;
    }
  }
  return { firstRetainer, retainerNode };
}

export interface Dominators {
  /** Immediate dominator of each node (the root dominates itself); 0xffffffff when unreachable. */
  dominator: Uint32Array;
  /** Bytes freed if the node went away: its own size and all it dominates. */
  retainedSize: Float64Array;
}

/**
 * Dominator tree by Cooper, Harvey and Kennedy's iterative algorithm ("A Simple, Fast
 * Dominance Algorithm"), over the graph from node 0 (the snapshot's root) without weak
 * edges; retained sizes summed up the tree.
 */
export function computeDominators(s: HeapSnapshot, r: Retainers): Dominators {
  const n = s.nodeCount;
  const weak = weakTypes(s);
  // Peak memory matters (a 1 GiB snapshot in under 1 GiB): one 8-byte-per-node buffer is
  // first the DFS stack, then holds the dominators by post-order number, then the
  // retained sizes.
  const scratch = new ArrayBuffer(n * 8);
  const postIndex = new Uint32Array(n).fill(NONE); // NONE: unvisited, VISITING: on the stack
  const order = new Uint32Array(n); // post-order position -> node
  const stackNode = new Uint32Array(scratch, 0, n);
  const stackEdge = new Uint32Array(scratch, n * 4, n);
  let count = 0;
  if (n > 0) {
    let top = 0;
    stackNode[0] = 0;
    stackEdge[0] = s.firstEdge[0];
    postIndex[0] = VISITING;
    while (top >= 0) {
      const v = stackNode[top];
      const end = s.firstEdge[v + 1];
      let e = stackEdge[top];
      while (e < end && (postIndex[s.edgeTo[e]] !== NONE || (weak >>> s.edgeType(e)) & 1)) e++;
      if (e < end) {
        stackEdge[top] = e + 1;
        const w = s.edgeTo[e];
        postIndex[w] = VISITING;
        top++;
        stackNode[top] = w;
        stackEdge[top] = s.firstEdge[w];
      } else {
        postIndex[v] = count;
        order[count++] = v;
        top--;
      }
    }
  }
  // dom in post-order numbers; the root has the highest.
  const dom = new Uint32Array(scratch, 0, Math.max(count, 1)).fill(NONE);
  const rootPost = count - 1;
  if (count > 0) dom[rootPost] = rootPost;
  let changed = count > 0;
  while (changed) {
    changed = false;
    for (let p = rootPost - 1; p >= 0; p--) {
      const v = order[p];
      let idom = NONE;
      for (let k = r.firstRetainer[v]; k < r.firstRetainer[v + 1]; k++) {
        const q = postIndex[r.retainerNode[k]];
        if (q >= count || dom[q] === NONE) continue;
        if (idom === NONE) {
          idom = q;
          continue;
        }
        let a = q;
        let b = idom;
        while (a !== b) {
          while (a < b) a = dom[a];
          while (b < a) b = dom[b];
        }
        idom = a;
      }
      if (idom !== NONE && dom[p] !== idom) {
        dom[p] = idom;
        changed = true;
      }
    }
  }
  // The post-order numbers are no longer needed: their array becomes the result
  // (unreachable nodes keep NONE).
  const dominator = postIndex;
  for (let v = 0; v < n; v++) if (dominator[v] >= count) dominator[v] = NONE;
  for (let p = 0; p < count; p++) dominator[order[p]] = order[dom[p]];
  const retainedSize = new Float64Array(scratch).fill(0);
  for (let v = 0; v < n; v++) retainedSize[v] = s.selfSize[v];
  for (let p = 0; p < rootPost; p++) {
    const v = order[p];
    retainedSize[dominator[v]] += retainedSize[v];
  }
  return { dominator, retainedSize };
}

/** Breadth-first from the root: each node's parent on a shortest path (0xffffffff: unreachable). */
export function shortestPathTree(s: HeapSnapshot): Uint32Array {
  const n = s.nodeCount;
  const weak = weakTypes(s);
  const parent = new Uint32Array(n).fill(NONE);
  if (n === 0) return parent;
  const queue = new Uint32Array(n);
  let head = 0;
  let tail = 0;
  queue[tail++] = 0;
  parent[0] = 0;
  while (head < tail) {
    const v = queue[head++];
    for (let e = s.firstEdge[v]; e < s.firstEdge[v + 1]; e++) {
      const w = s.edgeTo[e];
      if (parent[w] !== NONE || (weak >>> s.edgeType(e)) & 1) continue;
      parent[w] = v;
      queue[tail++] = w;
    }
  }
  return parent;
}

/** The nodes from the root down to `node` along the shortest-path tree (root first). */
export function pathFromRoot(parent: Uint32Array, node: number): number[] {
  if (parent[node] === NONE) return [];
  const path = [node];
  for (let v = node; v !== 0 && path.length < 10000; ) {
    v = parent[v];
    path.push(v);
  }
  return path.reverse();
}

/** The first edge from `from` to `to` that keeps it alive. */
export function edgeBetween(s: HeapSnapshot, from: number, to: number): number {
  const weak = weakTypes(s);
  for (let e = s.firstEdge[from]; e < s.firstEdge[from + 1]; e++) if (s.edgeTo[e] === to && !((weak >>> s.edgeType(e)) & 1)) return e;
  return -1;
}

export { NONE as UNREACHABLE };
