import { ENTRY_PATTERN, parseFunctionKey } from './probe-key';

/**
 * Function.prototype.toString of a probed function gives its own text, without the probes:
 * programs that read their functions' source (serializers, dependency injection by parameter
 * names, util.inspect of a function) see what they see unprofiled. Each instrumented script
 * is remembered with the ranges memprof inserted; a probed text is found in it and mapped
 * back. A script instrumented elsewhere (ES modules, in the loader thread) is redone here on
 * first need from its file, named in the entry probe's key.
 */

interface ProbedScript {
  probed: string;
  /** Kept for small scripts only (a big one is rebuilt from `probed` without the inserted ranges). */
  original: string | null;
  /** Inserted [start, end) ranges in `probed`, ascending. */
  inserted: readonly number[];
}

const MARK = '$mp$';
const scripts: ProbedScript[] = [];
const known = new Map<string, string>();
const redone = new Set<string>();
let redo: ((file: string) => void) | null = null;
let nativeToString: (this: unknown) => string = Function.prototype.toString;

/** The text V8 holds for a function, probes included. */
export function nativeText(fn: Function): string {
  return nativeToString.call(fn);
}

/** Remembers a script memprof instrumented (probed text, its text before, the inserted ranges). */
export function rememberProbedScript(probed: string, original: string, inserted: readonly number[]): void {
  scripts.push({ probed, original: original.length < 1024 * 1024 ? original : null, inserted });
  installToString();
}

/** How to instrument again a file instrumented in another thread (the ES module load hook). */
export function setRedo(fn: (file: string) => void): void {
  redo = fn;
  installToString();
}

/** The original offset of `at` in a probed script: inserted text before it does not count. */
function originalOffset(script: ProbedScript, at: number): number {
  let shift = 0;
  const r = script.inserted;
  for (let i = 0; i < r.length && r[i] < at; i += 2) shift += Math.min(r[i + 1], at) - r[i];
  return at - shift;
}

/** probed[start, end) without the text memprof inserted. */
function withoutInserted(script: ProbedScript, start: number, end: number): string {
  let out = '';
  let pos = start;
  const r = script.inserted;
  for (let i = 0; i < r.length; i += 2) {
    if (r[i + 1] <= start || r[i] >= end) continue;
    out += script.probed.slice(pos, Math.max(pos, r[i]));
    pos = Math.max(pos, r[i + 1]);
  }
  return out + script.probed.slice(pos, end);
}

/** Undoes each layer of probes that holds the text, newest first (profile() after -f makes two). */
function unprobe(text: string): string {
  let current = text;
  for (let k = scripts.length - 1; k >= 0 && current.includes(MARK); k--) {
    const script = scripts[k];
    const start = script.probed.indexOf(current);
    if (start < 0) continue;
    current = script.original !== null
      ? script.original.slice(originalOffset(script, start), originalOffset(script, start + current.length))
      : withoutInserted(script, start, start + current.length);
  }
  return current;
}

/** The text without memprof's probes (as it is when memprof cannot tell). */
export function originalText(text: string): string {
  const cached = known.get(text);
  if (cached !== undefined) return cached;
  let result = unprobe(text);
  if (result.includes(MARK) && redo) {
    let more = false;
    for (const m of result.matchAll(new RegExp(ENTRY_PATTERN, 'g'))) {
      const { file } = parseFunctionKey(JSON.parse(m[1]) as string);
      if (redone.has(file)) continue;
      redone.add(file);
      redo(file);
      more = true;
    }
    if (more) result = unprobe(text);
  }
  if (known.size > 1000) known.clear();
  known.set(text, result);
  return result;
}

function isClass(value: unknown): boolean {
  return typeof value === 'function' && Object.getOwnPropertyDescriptor(value, 'prototype')?.writable === false;
}

/**
 * V8's LiveEdit moves functions but not a class's own record of where its text is: a class
 * later in an edited script reads the old offsets in the new text. The same offsets in the
 * text before the edit hold the class.
 */
function staleClassText(text: string): string {
  for (const script of scripts) {
    if (script.original === null) continue;
    for (let at = script.probed.indexOf(text); at >= 0; at = script.probed.indexOf(text, at + 1)) {
      const before = script.original.slice(at, at + text.length);
      if (before.startsWith('class')) return before.includes(MARK) ? originalText(before) : before;
    }
  }
  return text;
}

/**
 * util.inspect tells a class by its text, read natively (a primordial toString): a stale one
 * shows `[Function: Alpha]`. Function.prototype gets a util.inspect.custom that hands such a
 * class's figures to a stand-in class (same name, same parent, same own properties) and
 * returns every other function itself, which util.inspect then shows as it would anyway.
 * Installed only once LiveEdit has moved classes (a class after an edited function).
 */
export function expectStaleClasses(): void {
  if (inspectInstalled || Object.prototype.hasOwnProperty.call(Function.prototype, INSPECT)) return;
  inspectInstalled = true;
  Object.defineProperty(Function.prototype, INSPECT, { value: inspectClass, writable: true, configurable: true, enumerable: false });
}

const INSPECT = Symbol.for('nodejs.util.inspect.custom');
let inspectInstalled = false;
const standIns = new WeakMap<Function, Function>();

function inspectClass(this: unknown): unknown {
  if (!isClass(this)) return this;
  const cls = this as Function;
  const text = nativeToString.call(cls);
  // A built-in (Map) is no class of a script: no search through the probed scripts for it.
  if (text.startsWith('class') || text.endsWith('{ [native code] }') || !staleClassText(text).startsWith('class')) return cls;
  // One stand-in per class (a static property naming the class shows as circular, as it would).
  let standIn = standIns.get(cls);
  if (!standIn) {
    standIn = (() => class {})();
    standIns.set(cls, standIn);
  }
  Object.setPrototypeOf(standIn, Object.getPrototypeOf(cls));
  for (const key of Reflect.ownKeys(standIn)) if (key !== 'prototype' && key !== 'length') delete (standIn as unknown as Record<PropertyKey, unknown>)[key];
  for (const key of Reflect.ownKeys(cls)) {
    if (key === 'prototype' || key === INSPECT) continue;
    try {
      Object.defineProperty(standIn, key, Object.getOwnPropertyDescriptor(cls, key)!);
    } catch {
      // a property the stand-in cannot take (never one util.inspect shows by default)
    }
  }
  return standIn;
}

let installed = false;

function installToString(): void {
  if (installed) return;
  installed = true;
  nativeToString = Function.prototype.toString;
  const native = nativeToString;
  const replacement = {
    toString(this: unknown): string {
      if (this === replacement.toString) return native.call(native);
      const text = native.call(this);
      if (isClass(this) && !text.startsWith('class')) return staleClassText(text);
      return text.includes(MARK) ? originalText(text) : text;
    },
  };
  const descriptor = Object.getOwnPropertyDescriptor(Function.prototype, 'toString')!;
  Object.defineProperty(Function.prototype, 'toString', { ...descriptor, value: replacement.toString });
}
