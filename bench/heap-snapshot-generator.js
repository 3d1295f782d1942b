'use strict';
// Writes a synthetic V8 `.heapsnapshot` of about `bytes` bytes, streaming: a realistic mix
// (about 4.5 edges per node, a tenth of the file in strings), every node reachable from
// the root through a binary tree, the other edges pseudo-random. Used by heap.bench.js.
const fs = require('node:fs');

const NODE_TYPES = ['hidden', 'array', 'string', 'object', 'code', 'closure', 'regexp', 'number', 'native', 'synthetic', 'concatenated string', 'sliced string', 'symbol', 'bigint', 'object shape'];
const EDGE_TYPES = ['context', 'element', 'property', 'internal', 'hidden', 'shortcut', 'weak'];
const BYTES_PER_NODE = 111; // what this generator writes a node (real Node.js snapshots: about 100)

function generateSnapshot(fd, bytes) {
  const nodeCount = Math.max(16, Math.floor(bytes / BYTES_PER_NODE));
  const edgeCountOf = (i) => 2 + (i % 6); // 4.5 on average
  let edgeCount = 0;
  for (let i = 0; i < nodeCount; i++) edgeCount += edgeCountOf(i);
  const stringCount = Math.max(16, Math.floor(nodeCount / 8));
  let seed = 12345;
  const random = (n) => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed % n;
  };
  let out = '';
  const write = (text) => {
    out += text;
    if (out.length > 1 << 20) flush();
  };
  const flush = () => {
    const buf = Buffer.from(out);
    let done = 0;
    while (done < buf.length) done += fs.writeSync(fd, buf, done);
    out = '';
  };
  const meta = {
    node_fields: ['type', 'name', 'id', 'self_size', 'edge_count', 'trace_node_id', 'detachedness'],
    node_types: [NODE_TYPES, 'string', 'number', 'number', 'number', 'number', 'number'],
    edge_fields: ['type', 'name_or_index', 'to_node'],
    edge_types: [EDGE_TYPES, 'string_or_number', 'node'],
    trace_function_info_fields: ['function_id', 'name', 'script_name', 'script_id', 'line', 'column'],
    trace_node_fields: ['id', 'function_info_index', 'count', 'size', 'children'],
    sample_fields: ['timestamp_us', 'last_assigned_id'],
    location_fields: ['object_index', 'script_id', 'line', 'column'],
  };
  write(`{"snapshot":{"meta":${JSON.stringify(meta)},"node_count":${nodeCount},"edge_count":${edgeCount},"trace_function_count":0},\n"nodes":[`);
  for (let i = 0; i < nodeCount; i++) {
    const type = i === 0 ? 9 : [3, 3, 3, 1, 2, 5, 4, 0][random(8)];
    write(`${i ? ',' : ''}${type},${random(stringCount)},${2 * i + 1},${i === 0 ? 0 : 16 + 8 * random(24)},${edgeCountOf(i)},0,0\n`);
  }
  write('],\n"edges":[');
  let first = true;
  for (let i = 0; i < nodeCount; i++) {
    const n = edgeCountOf(i);
    for (let j = 0; j < n; j++) {
      const tree = j < 2 && 2 * i + 1 + j < nodeCount;
      const to = tree ? 2 * i + 1 + j : random(nodeCount);
      const type = tree ? 2 : [2, 2, 1, 3, 0, 6][random(6)];
      const name = type === 1 ? j : random(stringCount);
      write(`${first ? '' : ','}${type},${name},${to * 7}\n`);
      first = false;
    }
  }
  write('],\n"trace_function_infos":[],\n"trace_tree":[],\n"samples":[],\n"locations":[],\n"strings":[');
  for (let i = 0; i < stringCount; i++) {
    write(`${i ? ',' : ''}"${i === 0 ? '' : `name_${i.toString(36)}_${'x'.repeat(random(48))}`}"\n`);
  }
  write(']}\n');
  flush();
  return { nodeCount, edgeCount };
}

module.exports = { generateSnapshot };
