// `import { limitMemory } from 'memprof/testing'` works from an ES module.
import test from 'node:test';
import assert from 'node:assert';
import { limitMemory, assertNoLeak, measureMemory, MemoryLimitError, MemoryLeakError } from 'memprof/testing';

test('named ES module imports of memprof/testing', async () => {
  for (const f of [limitMemory, assertNoLeak, measureMemory, MemoryLimitError, MemoryLeakError]) {
    assert.strictEqual(typeof f, 'function');
  }
  await assert.rejects(limitMemory('1MiB', () => Buffer.alloc(32 * 1024 * 1024, 1).length), MemoryLimitError);
});
