import * as fs from 'node:fs';
import * as acorn from 'acorn';
import { fileURLToPath } from 'node:url';

type Node = acorn.Node & Record<string, unknown>;

function parse(source: string): acorn.Node | null {
  for (const sourceType of ['module', 'script'] as const) {
    try {
      return acorn.parse(source, { ecmaVersion: 'latest', sourceType, allowHashBang: true, allowReturnOutsideFunction: true, locations: true });
    } catch {
      // try the other source type
    }
  }
  return null;
}

const isFunction = (n: Node): boolean =>
  n.type === 'FunctionDeclaration' || n.type === 'FunctionExpression' || n.type === 'ArrowFunctionExpression';

/**
 * Visits every node; `nested` is true inside a function found below the starting node (a
 * function itself is not inside itself: the closure it makes belongs to the code around it).
 */
function walk(node: Node, visit: (n: Node, nested: boolean) => void, nested = false): void {
  visit(node, nested);
  const inside = nested || isFunction(node);
  for (const key of Object.keys(node)) {
    const value = node[key] as unknown;
    const children = Array.isArray(value) ? value : [value];
    for (const child of children) {
      if (child && typeof child === 'object' && typeof (child as Node).type === 'string') {
        walk(child as Node, visit, inside);
      }
    }
  }
}

function calleeName(n: Node): string {
  const callee = n.callee as Node | undefined;
  if (!callee) return '';
  if (callee.type === 'Identifier') return callee.name as string;
  if (callee.type === 'MemberExpression' && (callee.property as Node).type === 'Identifier') return (callee.property as Node).name as string;
  return '';
}

/** Does this expression allocate an object of `label` itself (no function call in between)? */
function allocatesDirectly(n: Node, label: string): boolean {
  switch (label) {
    case 'Array': return n.type === 'ArrayExpression' || (n.type === 'NewExpression' && calleeName(n) === 'Array');
    case 'Object': return n.type === 'ObjectExpression';
    case 'string': return n.type === 'TemplateLiteral' || (n.type === 'BinaryExpression' && n.operator === '+');
    // A closure, and the context V8 makes for the variables closures capture.
    case 'closure':
    case 'system / Context': return isFunction(n);
    default: return label.startsWith('function ') ? isFunction(n) : n.type === 'NewExpression' && calleeName(n) === label;
  }
}

/**
 * The line inside a function where an allocation happens. V8's allocation tracker gives
 * each frame's function start only, not the line: so the function's own code is read
 * and the one expression that can make the object is looked for — a call to the next
 * function on the allocation stack (`Buffer.alloc` -> `alloc`), or a literal or `new` of
 * the object's class when the function allocates it itself. Falls back to the function's
 * first line when there is no single match.
 */
export function allocationLine(file: string, fnLine: number, fnColumn: number, callee: string, label: string, pkg?: string | null): number {
  let source: string;
  try {
    source = fs.readFileSync(file.startsWith('file://') ? fileURLToPath(file) : file, 'utf8');
  } catch {
    return fnLine;
  }
  const ast = parse(source) as Node | null;
  if (!ast) return fnLine;
  // The innermost function whose header holds V8's start position (its parameter list).
  let fn: Node | null = null;
  walk(ast, (n) => {
    if (!isFunction(n)) return;
    const loc = n.loc as acorn.SourceLocation;
    const body = (n.body as Node).loc as acorn.SourceLocation;
    const startsBefore = loc.start.line < fnLine || (loc.start.line === fnLine && loc.start.column <= fnColumn);
    const headerAfter = body.start.line > fnLine || (body.start.line === fnLine && body.start.column >= fnColumn - 1);
    if (startsBefore && headerAfter) fn = n;
  });
  if (!fn) return fnLine;
  const candidates: number[] = [];
  const root = fn as Node;
  walk(root.body as Node, (n, nested) => {
    if (nested) return;
    const line = (n.loc as acorn.SourceLocation).start.line;
    if (callee && (n.type === 'CallExpression' || n.type === 'NewExpression') && calleeName(n) === callee) candidates.push(line);
    else if (!callee && allocatesDirectly(n, label)) candidates.push(line);
  });
  if (candidates.length === 0 && pkg) {
    // The package's own function names say nothing here (a minified bundle calls it `x`):
    // a call through what the file imported or required from the package.
    const names = packageBindings(ast, pkg);
    walk(root.body as Node, (n, nested) => {
      if (!nested && (n.type === 'CallExpression' || n.type === 'NewExpression') && names.has(rootName(n.callee as Node))) candidates.push((n.loc as acorn.SourceLocation).start.line);
    });
  }
  return candidates.length > 0 ? candidates[0] : fnLine;
}

/** `marked` for marked.parse, `parse` for parse(...): the identifier a callee starts from. */
function rootName(n: Node): string {
  let node = n;
  while (node.type === 'MemberExpression') node = node.object as Node;
  return node.type === 'Identifier' ? (node.name as string) : '';
}

/** The names a file binds to a package: `import x, { y } from 'pkg'`, `const x = require('pkg')`, `const { y } = require('pkg/sub')`. */
function packageBindings(ast: Node, pkg: string): Set<string> {
  const names = new Set<string>();
  const fromPackage = (source: unknown): boolean => typeof source === 'string' && (source === pkg || source.startsWith(`${pkg}/`));
  const bind = (target: Node): void => {
    if (target.type === 'Identifier') names.add(target.name as string);
    else if (target.type === 'ObjectPattern') for (const p of target.properties as Node[]) if (p.type === 'Property') bind(p.value as Node);
  };
  walk(ast, (n) => {
    if (n.type === 'ImportDeclaration' && fromPackage((n.source as Node).value)) {
      for (const spec of n.specifiers as Node[]) names.add((spec.local as Node).name as string);
    } else if (n.type === 'VariableDeclarator' && n.init) {
      const init = n.init as Node;
      const args = init.arguments as Node[] | undefined;
      if (init.type === 'CallExpression' && rootName(init.callee as Node) === 'require' && args?.length === 1 && fromPackage(args[0].value)) bind(n.id as Node);
    }
  });
  return names;
}
