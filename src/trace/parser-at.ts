import type * as acorn from 'acorn';
import { requireOwn } from './isolate';

// Loaded apart from the program's instance (see requireOwn).
const acornValue = requireOwn('acorn') as typeof acorn;

/** The parts of acorn's Parser state set here (not in its typings). */
interface ParserState {
  pos: number;
  lineStart: number;
  curLine: number;
  lastTokStart: number;
  lastTokEnd: number;
  strict: boolean;
}

/**
 * An acorn parser about to read `input` from `pos`, where the line and column are the ones
 * given: acorn finds them itself by splitting all the text before `pos` into lines (a 9 MB
 * bundle's worth of strings for each function looked at). Nodes get offsets in `input` and
 * the given lines and columns; the caller reads its first token (nextToken) or parses.
 */
export function parserAt<P>(options: acorn.Options, input: string, pos: number, line: number, column: number): P {
  const parser = new (acornValue.Parser as unknown as new (o: acorn.Options, s: string, p: number) => ParserState)(options, input, 0);
  parser.pos = pos;
  parser.lastTokStart = parser.lastTokEnd = pos;
  parser.curLine = line;
  parser.lineStart = pos - column;
  // As acorn sets it for a parse that starts at `pos` (no directive there); a module is strict.
  parser.strict = options.sourceType === 'module';
  return parser as unknown as P;
}
