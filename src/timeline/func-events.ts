import type { CallEvent } from '../trace/call-events';
import { funcRecord } from './dat';

// Profiled calls travel from the child (`memprof run script.js`) to the recorder as one
// text line per entry or exit on an extra pipe:
//   "<e|x>\t<depth>\t<epoch ms>\t<bytes>\t<name>\n"
// The recorder pairs them into FUNC records.

/** Env var naming the child's file descriptor for call events. */
export const EVENTS_FD_ENV = 'MEMPROF_EVENTS_FD';

export function encodeCallEvent(e: CallEvent): string {
  return `${e.kind === 'enter' ? 'e' : 'x'}\t${e.depth}\t${e.time}\t${e.mem}\t${e.name}\n`;
}

interface OpenCall {
  time: number;
  mem: number;
}

/**
 * Turns the event stream into FUNC records: feed it chunks as they arrive; an exit closes
 * the latest open entry with the same name and depth.
 */
export class FuncPairer {
  private readonly open = new Map<string, OpenCall[]>();
  private partial = '';
  /** Lines that did not parse (a child writing garbage on our fd): counted, not fatal. */
  malformed = 0;

  /** Returns the FUNC records completed by this chunk. */
  push(chunk: string): string {
    const text = this.partial + chunk;
    const lines = text.split('\n');
    this.partial = lines.pop() as string;
    let out = '';
    for (const line of lines) {
      const parts = line.split('\t');
      const depth = Number(parts[1]);
      const time = Number(parts[2]);
      const mem = Number(parts[3]);
      const name = parts.slice(4).join('\t');
      if (parts.length < 5 || !(parts[0] === 'e' || parts[0] === 'x') || !Number.isFinite(depth + time + mem) || name === '') {
        this.malformed++;
        continue;
      }
      const key = `${depth}\t${name}`;
      let stack = this.open.get(key);
      if (parts[0] === 'e') {
        if (!stack) this.open.set(key, (stack = []));
        stack.push({ time, mem });
      } else {
        const start = stack?.pop();
        if (start) out += funcRecord(name, start.mem, start.time, mem, time, Math.max(0, depth - 1));
      }
    }
    return out;
  }

  /**
   * Calls still open when the program ended (it exited from inside one): closed at `endMs`
   * with `endBytes`, so the plot shows they were running to the end.
   */
  closeAll(endMs: number, endBytes: number): string {
    let out = '';
    for (const [key, stack] of this.open) {
      const tab = key.indexOf('\t');
      const depth = Number(key.slice(0, tab));
      for (const start of stack) out += funcRecord(key.slice(tab + 1), start.mem, start.time, endBytes, Math.max(endMs, start.time), Math.max(0, depth - 1));
    }
    this.open.clear();
    return out;
  }
}
