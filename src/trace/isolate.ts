import * as path from 'node:path';

let forgotten = false;

/**
 * memprof's own dependencies (acorn, commander, ...) and the program's are often the same
 * files (npm deduplicates them). Left in require's cache, the program would get memprof's
 * instances: already compiled, so never instrumented by --function, and sharing their state
 * with memprof. Dropped from the cache, the program loads its own; memprof keeps the ones it
 * holds, and loads the others with requireOwn. memprof's own modules stay (so do native
 * addons: they load once per process).
 */
export function forgetLoadedDependencies(): void {
  const ours = path.join(__dirname, '..') + path.sep;
  for (const file of Object.keys(require.cache)) {
    if (file.startsWith(ours) || file.endsWith('.node')) continue;
    delete require.cache[file];
  }
  forgotten = true;
}

/**
 * A dependency of memprof's (a single-file package such as acorn) for a module that loads
 * only when needed, maybe after the program has started: once the program runs, memprof's
 * instance is loaded apart from require's cache, so memprof never gets the program's (which
 * --function may have instrumented) and the program never gets memprof's.
 */
export function requireOwn(id: string): unknown {
  const file = require.resolve(id);
  if (!own.has(file)) {
    loadingOwn++;
    try {
      own.set(file, forgotten ? requireApart(file) : require(file));
    } finally {
      loadingOwn--;
    }
  }
  return own.get(file);
}

const own = new Map<string, unknown>();
let loadingOwn = 0;

/** Whether what loads now is memprof's own dependency (which load hooks leave as it is). */
export function loadingOwnDependency(): boolean {
  return loadingOwn > 0;
}

function requireApart(file: string): unknown {
  const programs = require.cache[file];
  delete require.cache[file];
  try {
    return require(file);
  } finally {
    if (programs) require.cache[file] = programs;
    else delete require.cache[file];
  }
}
