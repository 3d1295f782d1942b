import { adoptFunction, ensureRuntime, rememberSource } from '../trace/profile';
import { register } from '../trace/runtime';
import type { Selector } from '../trace/selectors';
import type { Analysis, EntryKey } from './analysis';
import { fileOfUrl } from './analysis';
import type { TopFunction } from './model';

// Zooming into the functions discovery picked: line tables by LiveEdit in the running
// program, or `file:line` selectors for the load hooks of a second run.

/** How many times a function V8 refused (it was running) is tried again. */
const MAX_TRIES = 5;

export interface ZoomState {
  /** Functions instrumented, by entry key. */
  done: Set<EntryKey>;
  /** Why a function has no table yet (the latest refusal), by entry key. */
  refused: Map<EntryKey, string>;
  tries: Map<EntryKey, number>;
}

export function newZoomState(): ZoomState {
  return { done: new Set(), refused: new Map(), tries: new Map() };
}

/**
 * Instruments the picked functions not instrumented yet, through LiveEdit (V8 swaps their
 * code in place). Runs between two tasks of the event loop, so only functions suspended in
 * an `await` or a generator can be running; those are tried again later.
 */
export function zoomInRun(analysis: Analysis, keys: readonly EntryKey[], state: ZoomState): void {
  const pending = keys.filter((k) => !state.done.has(k) && (state.tries.get(k) ?? 0) < MAX_TRIES);
  if (pending.length === 0) return;
  // Loaded only when needed: the inspector's Debugger domain and the parser.
  const { liveEditAt, liveEditKey, LiveEditRefused, NeedsWrapper } = require('../trace/liveedit') as typeof import('../trace/liveedit');
  ensureRuntime();
  for (const key of pending) {
    const fn = analysis.byKey.get(key);
    if (!fn?.location) continue;
    state.tries.set(key, (state.tries.get(key) ?? 0) + 1);
    try {
      const target = liveEditAt(fn.location, liveEditKey);
      rememberSource(target.file, target.pristine);
      // V8 names arrow callbacks '' ; the parser's inferred name (a variable, a method) reads better.
      adoptFunction(register(target.key, fn.name === '(anonymous)' ? target.name : fn.name), { report: 'none' });
      state.done.add(key);
      state.refused.delete(key);
    } catch (err) {
      if (err instanceof NeedsWrapper) {
        // It cannot be probed in place, and nothing here holds a reference to wrap.
        state.tries.set(key, MAX_TRIES);
        state.refused.set(key, err.message || 'an expression-bodied arrow function cannot be probed in place');
      } else if (err instanceof LiveEditRefused) state.refused.set(key, err.message);
      else state.refused.set(key, (err as Error).message);
    }
  }
}

/** `file:line` selectors naming the functions, for a second run's load hooks. */
export function zoomSelectors(functions: readonly TopFunction[]): Selector[] {
  const selectors: Selector[] = [];
  for (const fn of functions) {
    if (!fn.location) continue;
    const file = fileOfUrl(fn.location.url);
    const line = fn.location.lineNumber + 1;
    selectors.push({ text: `${file}:${line}`, file, line });
  }
  return selectors;
}
