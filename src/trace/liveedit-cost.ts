import { nonCodeRanges } from './code-text';

/**
 * What V8's LiveEdit costs for a script, estimated from its text. To swap the code of one
 * function, V8 parses the whole script again and, for every function literal in it, compares
 * the context variables of each enclosing scope with the new parse's (HasChangedScope in
 * liveedit.cc): a bundle with thousands of functions in one scope costs functions ×
 * variables. typescript.js (9 MB, 20,000 functions in one scope) takes 24 s or more; a
 * 0.5 MB file of 5,000 functions calling each other, 5 s; lodash (0.5 MB, its functions
 * inside one of its own) 0.2 s.
 */
export interface LiveEditCost {
  /** Function literals (function keywords and arrows in code). */
  functions: number;
  /** Σ over brace scopes of the names declared there × the function literals inside it. */
  comparisons: number;
  /** Seconds this many comparisons take (measured: 4 to 10 million a second). */
  seconds: number;
}

/** Comparisons per second V8 made in the files measured (the slower end). */
const COMPARISONS_PER_SECOND = 6e6;

/** Below this size no script costs much (64 KiB of 700 functions calling each other: a million comparisons). */
const SMALL = 64 * 1024;

export function liveEditCost(source: string): LiveEditCost {
  if (source.length < SMALL) return { functions: 0, comparisons: 0, seconds: 0 };
  const skip = nonCodeRanges(source);
  // One frame per open brace: names declared directly in it, function literals inside it.
  const declared: number[] = [0];
  const inside: number[] = [0];
  let functions = 0;
  let comparisons = 0;
  let k = 0;
  const re = /\b(?:function|var|let|const|class)\b|=>|[{}]/g;
  for (let m = re.exec(source); m; m = re.exec(source)) {
    const at = m.index;
    while (k < skip.length && skip[k + 1] <= at) k += 2;
    if (k < skip.length && skip[k] <= at) {
      re.lastIndex = skip[k + 1];
      continue;
    }
    const top = declared.length - 1;
    const token = m[0];
    if (token === '{') {
      declared.push(0);
      inside.push(0);
    } else if (token === '}') {
      if (top === 0) continue;
      comparisons += declared.pop()! * inside[top];
      inside[top - 1] += inside.pop()!;
    } else if (token === 'function' || token === '=>') {
      functions++;
      inside[top]++;
      // A declaration's name is its scope's (an expression's is its own).
      if (token === 'function' && startsStatement(source, at, skip, k)) declared[top]++;
    } else {
      declared[top]++;
    }
  }
  for (let i = declared.length - 1; i >= 0; i--) comparisons += declared[i] * inside[i];
  return { functions, comparisons, seconds: comparisons / COMPARISONS_PER_SECOND };
}

/** Whether the code before `at` ends a statement or a block (or is `export`/`default`): a declaration starts there. */
function startsStatement(source: string, at: number, skip: readonly number[], next: number): boolean {
  let i = at - 1;
  let k = next - 2; // the last non-code range before `at`
  for (;;) {
    while (i >= 0 && /\s/.test(source[i])) i--;
    if (i >= 0 && k >= 0 && skip[k + 1] === i + 1 && source[skip[k]] === '/' && /[/*]/.test(source[skip[k] + 1])) {
      i = skip[k] - 1; // a comment
      k -= 2;
      continue;
    }
    break;
  }
  if (i < 0) return true;
  const c = source[i];
  if (c === ';' || c === '{' || c === '}') return true;
  return /(?:^|[^\w$])(?:export|default)$/.test(source.slice(Math.max(0, i - 7), i + 1));
}
