import * as http from 'node:http';
import * as net from 'node:net';
import { AttachRefused, tcpSockets } from './target-process';

// Opening a running Node's inspector from outside and finding where it listens. Node opens
// it on SIGUSR1 (process._debugProcess sends that, and on Windows does the equivalent), on
// 127.0.0.1 at the process's --inspect-port, 9229 unless set. The port is printed on the
// target's stderr, which memprof cannot read: on Linux the new listening socket among the
// process's own descriptors gives it; elsewhere memprof assumes 9229 and says so.

export const DEFAULT_INSPECTOR_PORT = 9229;
const OPEN_TIMEOUT_MS = 3000;
const POLL_MS = 20;

export interface InspectorEndpoint {
  port: number;
  webSocketUrl: string;
  /** memprof opened it (and closes it on detach); false when it was open before. */
  opened: boolean;
}

interface TargetListing {
  type?: string;
  webSocketDebuggerUrl?: string;
}

/** GET http://127.0.0.1:<port>/json/list, or null when nothing inspector-like answers. */
export function listTargets(port: number, timeoutMs = 1000): Promise<TargetListing[] | null> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/json/list', timeout: timeoutMs, agent: false, headers: { connection: 'close' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        body += c;
        if (body.length > 1 << 20) req.destroy();
      });
      res.on('end', () => {
        try {
          const list = JSON.parse(body);
          resolve(Array.isArray(list) && list.some((t) => t?.type === 'node') ? list : null);
        } catch {
          resolve(null);
        }
      });
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(null));
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function sendOpenSignal(pid: number): void {
  const debugProcess = (process as unknown as { _debugProcess?: (pid: number) => void })._debugProcess;
  try {
    if (debugProcess) debugProcess(pid);
    else process.kill(pid, 'SIGUSR1');
  } catch (err) {
    throw new AttachRefused(`cannot signal pid ${pid} to open its inspector: ${(err as Error).message}`);
  }
}

async function endpointAt(port: number, opened: boolean): Promise<InspectorEndpoint | null> {
  const list = await listTargets(port);
  const target = list?.find((t) => t.type === 'node' && t.webSocketDebuggerUrl);
  if (!target) return null;
  const url = new URL(target.webSocketDebuggerUrl!);
  url.hostname = '127.0.0.1'; // never anything but loopback
  url.port = String(port);
  return { port, webSocketUrl: url.href, opened };
}

/**
 * Opens the inspector of `pid` (or finds it already open) and returns its WebSocket URL.
 * `note` receives what the user should know (a port assumed, not seen).
 */
export async function openInspector(pid: number, note: (text: string) => void): Promise<InspectorEndpoint> {
  const before = tcpSockets(pid);
  if (before === null) return openBlind(pid, note);
  const known = new Set(before.map((s) => s.inode));
  sendOpenSignal(pid);
  const deadline = Date.now() + OPEN_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const fresh = (tcpSockets(pid) ?? []).find((s) => s.listening && s.loopback && !known.has(s.inode));
    if (fresh) {
      const endpoint = await endpointAt(fresh.port, true);
      if (endpoint) return endpoint;
    }
    await sleep(POLL_MS);
  }
  // Nothing new: an inspector open before (--inspect, inspector.open()) ignores the signal.
  for (const s of before.filter((x) => x.listening && x.loopback)) {
    const endpoint = await endpointAt(s.port, false);
    if (endpoint) {
      // Connections the port had before memprof asked it anything (its own GET would count).
      const clients = before.filter((x) => !x.listening && x.port === s.port);
      if (clients.length > 0) {
        throw new AttachRefused(`the inspector of pid ${pid} (127.0.0.1:${s.port}) is in use by a debugger: disconnect it first`);
      }
      return endpoint;
    }
  }
  if (await portTaken(DEFAULT_INSPECTOR_PORT)) {
    throw new AttachRefused(`pid ${pid} could not open its inspector: port ${DEFAULT_INSPECTOR_PORT} is taken by another process (free it, or start the program with --inspect-port=<port>)`);
  }
  throw new AttachRefused(`pid ${pid} did not open its inspector within ${OPEN_TIMEOUT_MS / 1000} s (disabled by a policy or the permission model?)`);
}

/**
 * Waits until the inspector memprof asked to close stops listening (it closes from the
 * target's event loop a moment after memprof's connection ends): memprof exits only once
 * "its inspector closed" is true, and an attach right after it opens the inspector again
 * instead of finding the old one about to go. False when it still listens at the deadline.
 */
export async function waitUntilInspectorClosed(pid: number, port: number, timeoutMs = OPEN_TIMEOUT_MS): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const sockets = tcpSockets(pid);
    const open = sockets === null ? (await listTargets(port, 500)) !== null : sockets.some((s) => s.listening && s.loopback && s.port === port);
    if (!open) return true;
    if (Date.now() >= deadline) return false;
    await sleep(POLL_MS);
  }
}

/** Where the process's sockets cannot be listed: signal, then look at the default port. */
async function openBlind(pid: number, note: (text: string) => void): Promise<InspectorEndpoint> {
  if (await listTargets(DEFAULT_INSPECTOR_PORT)) {
    throw new AttachRefused(`127.0.0.1:${DEFAULT_INSPECTOR_PORT} already has an inspector, and memprof cannot tell on this system whether it is pid ${pid}'s: stop the other one first`);
  }
  sendOpenSignal(pid);
  note(`assuming the inspector of pid ${pid} listens on the default port ${DEFAULT_INSPECTOR_PORT} (this system does not let memprof list its sockets)`);
  const deadline = Date.now() + OPEN_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const endpoint = await endpointAt(DEFAULT_INSPECTOR_PORT, true);
    if (endpoint) return endpoint;
    await sleep(POLL_MS * 5);
  }
  throw new AttachRefused(`pid ${pid} did not open its inspector on 127.0.0.1:${DEFAULT_INSPECTOR_PORT} within ${OPEN_TIMEOUT_MS / 1000} s`);
}

/** Whether something accepts connections on 127.0.0.1:<port>. */
function portTaken(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port, timeout: 1000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}
