// The public entries: `import { memit, memoryUsage } from 'memprof'` and `memprof/repl`.
import test from 'node:test';
import assert from 'node:assert';
import { createRequire } from 'node:module';
import { memit, memoryUsage } from 'memprof';

const require = createRequire(import.meta.url);

test('memit and memoryUsage from the ES module entry, addCommands from memprof/repl', async () => {
  const { increment } = await memit(() => Buffer.alloc(32 * 1024 * 1024, 1).length);
  assert.ok(increment > 30 * 1024 * 1024, `${increment}`);
  assert.strictEqual((await memoryUsage(-1)).length, 1);
  assert.strictEqual(require('memprof').memit, memit);
  assert.strictEqual(typeof require('memprof/repl').addCommands, 'function');
});
