import * as path from 'node:path';

/**
 * memprof's own dependencies (acorn, commander, ...) and the program's are often the same
 * files (npm deduplicates them). Left in require's cache, the program would get memprof's
 * instances: already compiled, so never instrumented by --function, and sharing their state
 * with memprof. Dropped from the cache, the program loads its own; memprof keeps the ones it
 * holds. memprof's own modules stay (so are native addons: they load once per process).
 */
export function forgetLoadedDependencies(): void {
  // Loaded now: later, a lazy require of memprof's would find the program's instance.
  require('./liveedit');
  const ours = path.join(__dirname, '..') + path.sep;
  for (const file of Object.keys(require.cache)) {
    if (file.startsWith(ours) || file.endsWith('.node')) continue;
    delete require.cache[file];
  }
}
