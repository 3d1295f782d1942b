'use strict';
// The heap-graph layer: the chunked tokenizer, the streaming snapshot parser against
// JSON.parse, dominators against the definition, and sizeof's accuracy.
const test = require('node:test');
const assert = require('node:assert');
const path = require('node:path');
const inspector = require('node:inspector');
const { execFileSync } = require('node:child_process');
const { JsonTokenizer } = require('../../dist/heap/json-tokenizer');
const { SnapshotParser } = require('../../dist/heap/snapshot');
const { buildRetainers, computeDominators } = require('../../dist/heap/graph');
const { sizeof } = require('../../dist');

/** Rebuilds a value from tokenizer events, to compare with JSON.parse. */
function parseInChunks(text, chunkSize) {
  const stack = [];
  let root;
  let key = null;
  const put = (value) => {
    const parent = stack[stack.length - 1];
    if (!parent) root = value;
    else if (Array.isArray(parent.value)) parent.value.push(value);
    else parent.value[parent.key] = value;
  };
  const t = new JsonTokenizer({
    open(kind) { const value = kind === '{' ? {} : []; put(value); stack.push({ value, key: null }); },
    close() { stack.pop(); },
    string(value, isKey) { if (isKey) stack[stack.length - 1].key = value; else put(value); },
    number: put,
    literal: put,
  });
  const bytes = Buffer.from(text);
  for (let i = 0; i < bytes.length; i += chunkSize) t.write(bytes.subarray(i, i + chunkSize));
  t.end();
  void key;
  return root;
}

test('the tokenizer gives what JSON.parse gives, whatever the chunk boundaries', () => {
  const doc = { a: [1, -2, 3.5, 1e3, 0, 12345678901], 's': 'q"uo\\te\n é 😀 \u0001', nested: { t: true, f: false, n: null, e: [] } };
  const text = JSON.stringify(doc, null, 1);
  for (const size of [1, 2, 3, 7, 64, 1 << 16]) assert.deepStrictEqual(parseInChunks(text, size), JSON.parse(text), `chunks of ${size} bytes`);
});

test('the tokenizer refuses a truncated document', () => {
  assert.throws(() => parseInChunks('{"nodes":[1,2', 4), /ends early/);
});

function snapshotText() {
  const session = new inspector.Session();
  session.connect();
  const chunks = [];
  session.on('HeapProfiler.addHeapSnapshotChunk', (m) => chunks.push(m.params.chunk));
  session.post('HeapProfiler.takeHeapSnapshot', null, () => {});
  session.disconnect();
  return chunks.join('');
}

test('a real snapshot streamed in small chunks matches JSON.parse', () => {
  const text = snapshotText();
  const json = JSON.parse(text);
  const parser = new SnapshotParser();
  const bytes = Buffer.from(text);
  for (let i = 0; i < bytes.length; i += 4093) parser.write(bytes.subarray(i, i + 4093));
  const s = parser.end();
  const nf = json.snapshot.meta.node_fields.length;
  assert.strictEqual(s.nodeCount, json.nodes.length / nf);
  assert.strictEqual(s.edgeCount, json.edges.length / 3);
  let mismatches = 0;
  for (let i = 0; i < s.nodeCount; i++) {
    if (s.nodeId[i] !== json.nodes[i * nf + 2] || s.selfSize[i] !== json.nodes[i * nf + 3] || s.nodeType[i] !== json.nodes[i * nf]) mismatches++;
    const name = json.strings[json.nodes[i * nf + 1]];
    if (Buffer.byteLength(name) <= 200 && s.name(i) !== name) mismatches++;
  }
  for (let e = 0; e < s.edgeCount; e++) if (s.edgeTo[e] * nf !== json.edges[e * 3 + 2] || s.edgeType(e) !== json.edges[e * 3]) mismatches++;
  assert.strictEqual(mismatches, 0, 'nodes and edges differing from JSON.parse');

  // Dominators against the definition: retained = self sizes of what becomes unreachable
  // from the root once the node is removed; checked on the 20 largest retainers.
  const { retainedSize } = computeDominators(s, buildRetainers(s));
  const weak = new Set(['weak', 'shortcut'].map((t) => s.edgeTypeNames.indexOf(t)));
  const reach = (skip) => {
    const seen = new Uint8Array(s.nodeCount);
    const stack = [0];
    seen[0] = 1;
    while (stack.length) {
      const v = stack.pop();
      for (let e = s.firstEdge[v]; e < s.firstEdge[v + 1]; e++) {
        const w = s.edgeTo[e];
        if (w === skip || seen[w] || weak.has(s.edgeType(e))) continue;
        seen[w] = 1;
        stack.push(w);
      }
    }
    return seen;
  };
  const all = reach(-1);
  const candidates = [...retainedSize.keys()].filter((v) => v !== 0 && all[v]).sort((a, b) => retainedSize[b] - retainedSize[a]).slice(0, 20);
  for (const v of candidates) {
    const without = reach(v);
    let expected = 0;
    for (let i = 0; i < s.nodeCount; i++) if (all[i] && !without[i]) expected += s.selfSize[i];
    assert.strictEqual(retainedSize[v], expected, `retained size of node ${v} (${s.name(v)})`);
  }
});

test('sizeof is within 10% of the retained size computed independently', () => {
  const fixture = path.join(__dirname, 'fixtures', 'sizeof-accuracy.js');
  const results = JSON.parse(execFileSync(process.execPath, [fixture], { encoding: 'utf8' }));
  for (const { name, measured, expected } of results) {
    assert.ok(Math.abs(measured.retained - expected.retained) <= 0.1 * expected.retained, `${name}: retained ${measured.retained}, independent ${expected.retained}`);
    assert.ok(Math.abs(measured.shallow - expected.shallow) <= 0.1 * expected.shallow, `${name}: shallow ${measured.shallow}, independent ${expected.shallow}`);
  }
  const byName = Object.fromEntries(results.map((r) => [r.name, r.measured]));
  // Known layouts: 1e6 doubles take 8 bytes each; the Buffer's backing store is counted.
  assert.ok(byName['array of 1e6 numbers'].retained >= 8e6, `array retained ${byName['array of 1e6 numbers'].retained}, expected 8e6 bytes at least`);
  assert.ok(byName['50 MiB Buffer'].retained >= 50 * 1048576, `Buffer retained ${byName['50 MiB Buffer'].retained}, expected 50 MiB at least`);
  assert.ok(byName['object sharing a child'].retained < byName['the shared child'].retained, 'a shared child is not in its holder\'s retained size');
});

test('sizeof refuses primitives in one line', async () => {
  await assert.rejects(sizeof(42), /sizeof needs an object or a function, got number/);
});
