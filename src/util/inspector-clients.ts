import * as fs from 'node:fs';

/**
 * How many TCP connections are established to `port` on this machine, from the kernel's
 * socket tables (Linux /proc/net/tcp and tcp6); null where they cannot be read. Node gives
 * no event when a debugger detaches from the inspector: this is how memprof notices it.
 */
export function establishedConnections(port: number): number | null {
  let count = 0;
  let readAny = false;
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = fs.readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    readAny = true;
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      // local_address rem_address st: "0100007F:2328 0100007F:A1B2 01" (01 = ESTABLISHED)
      if (fields.length > 3 && fields[1].endsWith(`:${hexPort}`) && fields[3] === '01') count++;
    }
  }
  return readAny ? count : null;
}
