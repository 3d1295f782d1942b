import type { REPLServer } from 'node:repl';
import { sizeof } from '../heap/sizeof';
import { formatSize } from '../units/size';
import { compileStatement } from './statement';
import { CommandLineError } from './options';

export const SIZEOF_USAGE = '.sizeof <expression>';

/** `.sizeof <expression>`: the value's shallow and retained size, from a heap snapshot. */
export async function runSizeof(server: REPLServer, text: string): Promise<string> {
  if (text.trim() === '') throw new CommandLineError(`expected an expression: ${SIZEOF_USAGE}`);
  const run = await compileExpression(server, text);
  const value = await run();
  const { shallow, retained } = await sizeof(value);
  return `shallow ${formatSize(shallow)}, retained ${formatSize(retained)}\n`;
}

/**
 * An expression, as Node's REPL reads one: `{ ... }` typed alone is an object literal, not
 * a block (which would make sizeof measure `undefined`); what does not parse in parentheses
 * runs as the statement it is.
 */
function compileExpression(server: REPLServer, text: string): Promise<() => Promise<unknown>> {
  const trimmed = text.trim();
  if (!trimmed.startsWith('{') || trimmed.endsWith(';')) return compileStatement(server, text);
  return compileStatement(server, `(${trimmed})`).catch(() => compileStatement(server, text));
}
