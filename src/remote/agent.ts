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

/** The listener reportAtExit added, removed by release(). */
let exitReport: { binding: string; listener: () => void } | null = null;

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
   * At the process's exit, hands the tables to memprof through `binding` (a function memprof
   * added with Runtime.addBinding, whose calls reach it as events): once the program has
   * finished, memprof can no longer evaluate anything here.
   */
  reportAtExit(binding: string): void {
    const listener = (): void => {
      const send = (globalThis as Record<string, unknown>)[binding];
      if (typeof send === 'function') send(JSON.stringify(getResults()));
    };
    exitReport = { binding, listener };
    process.once('exit', listener);
  },
  /**
   * Drops the runtime: sampler stopped, probes off the global, memprof's modules out of the
   * require cache (the addon stays mapped: a process cannot unload a native module). With
   * `closeInspector`, closes the inspector memprof opened once memprof has disconnected.
   */
  release(closeInspector: boolean): void {
    if (exitReport) {
      process.off('exit', exitReport.listener);
      delete (globalThis as Record<string, unknown>)[exitReport.binding];
      exitReport = null;
    }
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
