// Loaded INTO the attached process (memprof attach --lines), by absolute path through the
// require of the inspector's console: the line tracer's runtime (and with it the addon, by
// process.dlopen) in the target, behind four calls memprof makes with Runtime.evaluate.
// Nothing here runs in memprof's own process.
import type { BackendName } from '../meter';
import { getResults, rememberSource } from '../trace/profile';
import { activeBackend, configure, register, shutdown, type TraceMode } from '../trace/runtime';

/** Where the agent waits for memprof's calls in the target. */
export const AGENT_GLOBAL = 'memprof.attach.agent';

export interface AgentConfig {
  mode: TraceMode;
  backend?: BackendName;
}

const agent = {
  /** The module cache entries loading memprof added (set by the loader). */
  modules: [] as string[],
  /** Starts the meter and sampler; returns the backend in use. */
  start(config: AgentConfig): string {
    configure({ mode: config.mode, backend: config.backend });
    return activeBackend();
  },
  /** Functions memprof probed, with the text their rows quote (as it was before the probes). */
  adopt(keys: string[], file: string, source: string): void {
    rememberSource(file, source);
    for (const key of keys) register(key);
  },
  /**
   * Everything measured so far, as JSON (one string crosses the inspector faster than an
   * object tree), read from the event loop once the code running now has returned. The
   * inspector runs memprof's evaluate as an interrupt, at any function call or loop of the
   * program: read there, a call that had already sent its response but not yet reached its
   * exit probe was missing from `calls`.
   */
  results(): Promise<string> {
    return new Promise((resolve) => setImmediate(() => resolve(JSON.stringify(getResults()))));
  },
  /**
   * Drops the runtime: sampler stopped, probes off the global, memprof's modules out of the
   * require cache (the addon stays mapped: a process cannot unload a native module). With
   * `closeInspector`, closes the inspector memprof opened once memprof has disconnected.
   */
  release(closeInspector: boolean): void {
    shutdown();
    delete (globalThis as Record<symbol, unknown>)[Symbol.for(AGENT_GLOBAL)];
    for (const id of agent.modules) if (!id.endsWith('.node')) delete require.cache[id];
    if (closeInspector) {
      // eslint-disable-next-line @typescript-eslint/no-var-requires
      const inspector = require('node:inspector') as typeof import('node:inspector');
      setTimeout(() => inspector.close(), CLOSE_DELAY_MS).unref();
    }
  },
};

/** Long enough for memprof's WebSocket to close first; inspector.close() waits for its sessions. */
const CLOSE_DELAY_MS = 200;

export type Agent = typeof agent;

Object.defineProperty(globalThis, Symbol.for(AGENT_GLOBAL), { value: agent, configurable: true, enumerable: false, writable: false });
