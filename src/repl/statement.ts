import * as acorn from 'acorn';
import type { REPLServer } from 'node:repl';
import * as vm from 'node:vm';

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
  // Compiled in the REPL's context (its variables, functions and top-level let/const);
  // the column offset keeps error positions on the statement as typed.
  const script = new vm.Script(source, { filename: 'memprof-repl', columnOffset: -head.length });
  const context = server.context as object;
  try {
    const fn = context === globalThis ? script.runInThisContext() : script.runInContext(context as vm.Context);
    return Promise.resolve(fn as () => Promise<unknown>);
  } catch (err) {
    return Promise.reject(err);
  }
}
