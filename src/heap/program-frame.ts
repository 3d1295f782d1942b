import { packageOf } from '../util/package-of';
import type { TraceFunction } from './snapshot';

/**
 * Where an allocation stack (innermost first) is charged: the innermost frame of the
 * program's own code, outside node_modules, so that what a package builds for the program
 * (a parser's tree it keeps) is the program's line that called the package, as `memprof
 * top` charges packages to their caller; `package` names the package the allocation was
 * made in. A stack with no such frame (a package's own timer) keeps its innermost frame of
 * `isCode` (code that is not Node's or memprof's). -1: none.
 */
export function programFrame(stack: readonly TraceFunction[], isCode: (f: TraceFunction) => boolean): { at: number; package: string | null } {
  let first = -1;
  for (let i = 0; i < stack.length; i++) {
    if (!isCode(stack[i])) continue;
    if (packageOf(stack[i].scriptName) === null) {
      const inside = first >= 0 ? packageOf(stack[first].scriptName) : null;
      return { at: i, package: inside };
    }
    if (first < 0) first = i;
  }
  return { at: first, package: null };
}
