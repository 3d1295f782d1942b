import { CdpClient } from './cdp';
import { openInspector, type InspectorEndpoint } from './inspector-port';
import { AttachRefused, checkTarget } from './target-process';

// The way into a running process every `memprof attach` mode shares: the checks (ours or
// root, Node, takes SIGUSR1, no debugger on it), its inspector opened on 127.0.0.1, and a
// protocol client over its WebSocket. Throws AttachRefused with the reason.

export interface InspectorConnection {
  client: CdpClient;
  endpoint: InspectorEndpoint;
}

export async function connectToProcess(pid: number, note: (text: string) => void): Promise<InspectorConnection> {
  checkTarget(pid);
  const endpoint = await openInspector(pid, note);
  try {
    return { client: await CdpClient.connect(endpoint.webSocketUrl), endpoint };
  } catch (err) {
    throw new AttachRefused(`cannot connect to the inspector of pid ${pid} at 127.0.0.1:${endpoint.port}: ${(err as Error).message}`);
  }
}

/**
 * An expression closing the target's inspector a moment later, once memprof's connection
 * has closed (inspector.close() waits for its sessions to end).
 */
export function closeInspectorLater(delayMs = 200): string {
  return `(() => { const i = process.getBuiltinModule ? process.getBuiltinModule('inspector') : require('inspector'); setTimeout(() => i.close(), ${delayMs}).unref(); })()`;
}
