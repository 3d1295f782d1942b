import * as acorn from 'acorn';
import type { REPLServer } from 'node:repl';

/**
 * Turns a statement typed after `.memit` or `.mprun` into a function that runs it in the
 * REPL's own context (its variables and functions, `await` allowed) and returns its
 * completion value, so a promise it ends with is awaited like the REPL awaits one.
 * A syntax error rejects with the parser's message.
 */
export function compileStatement(server: REPLServer, statement: string): Promise<() => Promise<unknown>> {
  const head = '(async () => {';
  let source = `${head}${statement}\n})`;
  let body: acorn.Statement[];
  try {
    const program = acorn.parse(source, { ecmaVersion: 'latest', sourceType: 'script' });
    const arrow = (program.body[0] as acorn.ExpressionStatement).expression as acorn.ArrowFunctionExpression;
    body = (arrow.body as acorn.BlockStatement).body;
  } catch (err) {
    return Promise.reject(new SyntaxError((err as Error).message.replace(/ \(\d+:\d+\)$/, '')));
  }
  const last = body[body.length - 1];
  if (last && last.type === 'ExpressionStatement') {
    const expression = source.slice(last.expression.start, last.expression.end);
    source = `${source.slice(0, last.start)}return (${expression});${source.slice(last.end)}`;
  }
  // The REPL's own eval, so the function sees exactly what typed lines see.
  return new Promise((resolve, reject) => {
    server.eval(source, server.context, 'memprof-repl', (err, fn) => (err ? reject(err) : resolve(fn as () => Promise<unknown>)));
  });
}
