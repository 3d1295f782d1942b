import type { REPLServer } from 'node:repl';

interface Hold {
  busy: boolean;
  queue: Array<[event: string, args: unknown[]]>;
  /** The REPL's own emit, for replaying what was held back. */
  emit: (this: REPLServer, event: string | symbol, ...args: unknown[]) => boolean;
}

const holds = new WeakMap<REPLServer, Hold>();

function holdFor(server: REPLServer): Hold {
  let hold = holds.get(server);
  if (hold) return hold;
  const h: Hold = { busy: false, queue: [], emit: server.emit as Hold['emit'] };
  server.emit = function (this: REPLServer, event: string | symbol, ...args: unknown[]): boolean {
    if (h.busy && (event === 'line' || event === 'close')) {
      h.queue.push([event, args]);
      return true;
    }
    return h.emit.call(this, event, ...args);
  } as REPLServer['emit'];
  holds.set(server, (hold = h));
  return hold;
}

/**
 * Runs an asynchronous REPL command while holding back the lines typed (or piped) after
 * it, and the end of input, until it is done: the REPL would otherwise run them at once,
 * out of order, and close before the command prints.
 */
export async function whileHoldingInput(server: REPLServer, work: () => Promise<void>): Promise<void> {
  const hold = holdFor(server);
  hold.busy = true;
  try {
    await work();
  } finally {
    hold.busy = false;
    // A replayed line may start another command, which holds the rest again.
    while (!hold.busy && hold.queue.length > 0) {
      const [event, args] = hold.queue.shift()!;
      hold.emit.call(server, event, ...args);
    }
  }
}
