import * as path from 'node:path';
import { UsageError } from '../errors';
import { parseSize } from '../units/size';
import { isObject, readJsonFile } from '../util/json-file';
import { parseTolerance, type Tolerance } from './tolerance';

// memprof.budget.json: named commands with memory limits, and defaults for all of them.
//
// {
//   "defaults": { "maxPeak": "300MiB", "tolerance": "5%" },
//   "budgets": {
//     "build": { "command": ["node", "scripts/build.js"], "maxPeak": "200MiB", "maxHeap": "120MiB", "maxExternal": "64MiB" },
//     "tests": { "command": "npm test --silent" }
//   }
// }
//
// A command given as an array runs directly (no shell); as a string it runs through the
// shell (/bin/sh -c, or cmd.exe on Windows), so pipes, globs and && work.

export const DEFAULT_BUDGET_FILE = 'memprof.budget.json';

export interface Budget {
  name: string;
  command: string[] | string;
  /** Limit on the peak RSS of the command and its descendants, bytes. */
  maxPeak?: number;
  /** Limit on the largest V8 heap peak among its Node.js processes, bytes. */
  maxHeap?: number;
  /** Limit on the largest peak of V8 external memory (Buffers, zlib, addons) among its Node.js processes, bytes. */
  maxExternal?: number;
  tolerance?: Tolerance;
  /** Seconds after which the command is stopped and fails its budget. */
  timeout?: number;
  /** Absolute working directory. */
  cwd: string;
  env: Record<string, string>;
}

const SETTINGS = ['maxPeak', 'maxHeap', 'maxExternal', 'tolerance', 'timeout', 'cwd', 'env'];
const BUDGET_KEYS = ['command', ...SETTINGS];

type Json = Record<string, unknown>;

/** Reads a budget file; a UsageError names the file and the field that is wrong. */
export function readBudgetFile(file: string): Budget[] {
  const data = readJsonFile(file, 'budget file');
  if (data === undefined) throw new UsageError(`cannot read budget file ${file}: no such file`);
  return parseBudgets(data, file);
}

export function parseBudgets(data: unknown, file: string): Budget[] {
  const fail = (field: string, problem: string): never => {
    throw new UsageError(`${file}: ${field}: ${problem}`);
  };
  if (!isObject(data)) fail('(top level)', 'expected an object with "budgets" (and optionally "defaults")');
  const top = data as Json;
  for (const key of Object.keys(top)) {
    if (key !== 'defaults' && key !== 'budgets') fail(key, 'unknown field: the top level has "defaults" and "budgets"');
  }
  const defaults = top.defaults ?? {};
  if (!isObject(defaults)) fail('defaults', 'expected an object');
  for (const key of Object.keys(defaults as Json)) {
    if (!SETTINGS.includes(key)) {
      fail(`defaults.${key}`, `unknown field: defaults may set ${SETTINGS.join(', ')}${key === 'command' ? ' (each budget has its own command)' : ''}`);
    }
  }
  if (top.budgets === undefined) fail('budgets', 'missing: name each command to check, e.g. "budgets": { "build": { "command": [...], "maxPeak": "200MiB" } }');
  if (!isObject(top.budgets) || Object.keys(top.budgets).length === 0) fail('budgets', 'expected an object with at least one named budget');

  const base = path.dirname(path.resolve(file));
  return Object.entries(top.budgets as Json).map(([name, entry]) => {
    const at = `budgets.${name}`;
    if (!isObject(entry)) fail(at, 'expected an object with "command" and limits');
    const own = entry as Json;
    for (const key of Object.keys(own)) {
      if (!BUDGET_KEYS.includes(key)) fail(`${at}.${key}`, `unknown field: a budget has ${BUDGET_KEYS.join(', ')}`);
    }
    const merged: Json = { ...(defaults as Json), ...own };
    const field = (key: string) => (key in own ? `${at}.${key}` : `defaults.${key}`);
    const budget: Budget = {
      name,
      command: parseCommand(own.command, `${at}.command`, fail),
      cwd: base,
      env: {},
    };
    for (const key of ['maxPeak', 'maxHeap', 'maxExternal'] as const) {
      const value = merged[key];
      if (value === undefined) continue;
      if (typeof value !== 'string' && typeof value !== 'number') fail(field(key), 'expected a size such as "200MiB"');
      try {
        budget[key] = parseSize(value as string | number, 'size');
      } catch (err) {
        fail(field(key), (err as Error).message);
      }
    }
    if (merged.tolerance !== undefined) {
      if (typeof merged.tolerance !== 'string') fail(field('tolerance'), 'expected a string such as "5%" or "2MiB"');
      try {
        budget.tolerance = parseTolerance(merged.tolerance as string);
      } catch (err) {
        fail(field('tolerance'), (err as Error).message);
      }
    }
    if (merged.timeout !== undefined) {
      const t = merged.timeout;
      if (typeof t !== 'number' || !Number.isFinite(t) || t <= 0) fail(field('timeout'), 'expected a number of seconds above 0');
      budget.timeout = t as number;
    }
    if (merged.cwd !== undefined) {
      if (typeof merged.cwd !== 'string' || merged.cwd === '') fail(field('cwd'), 'expected a directory (relative to the budget file)');
      budget.cwd = path.resolve(base, merged.cwd as string);
    }
    // env: defaults' variables, then the budget's own on top.
    for (const source of [defaults as Json, own]) {
      if (source.env === undefined) continue;
      const where = source === own ? `${at}.env` : 'defaults.env';
      if (!isObject(source.env)) fail(where, 'expected an object of variable names to strings');
      for (const [key, value] of Object.entries(source.env as Json)) {
        if (typeof value !== 'string') fail(`${where}.${key}`, 'expected a string');
        budget.env[key] = value as string;
      }
    }
    return budget;
  });
}

function parseCommand(value: unknown, field: string, fail: (field: string, problem: string) => never): string[] | string {
  if (value === undefined) return fail(field, 'missing: give the command as an array ["node", "build.js"] (run directly) or a string (run by the shell)');
  if (typeof value === 'string') {
    if (value.trim() === '') fail(field, 'empty command');
    return value;
  }
  if (!Array.isArray(value) || value.length === 0) fail(field, 'expected a non-empty array of strings or a string');
  (value as unknown[]).forEach((arg, i) => {
    if (typeof arg !== 'string') fail(`${field}[${i}]`, 'expected a string');
  });
  if ((value as string[])[0] === '') fail(`${field}[0]`, 'empty program name');
  return value as string[];
}
