import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

// What memprof checks about a process before it opens its inspector: it exists, it is
// ours (or we are root), it is Node, and it would take SIGUSR1 as "open the inspector"
// rather than die of it. Linux reads /proc; macOS asks ps; Windows has no signal to fear.

export class AttachRefused extends Error {}

const LINUX = process.platform === 'linux';
const SIGUSR1_BIT = 1n << 9n; // signal 10, bit (signo - 1) of /proc/<pid>/status SigCgt

function status(pid: number): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of fs.readFileSync(`/proc/${pid}/status`, 'utf8').split('\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) map.set(line.slice(0, colon), line.slice(colon + 1).trim());
  }
  return map;
}

/** The program file of the process (Linux: /proc/<pid>/exe, macOS: ps), or null when unknown. */
function programOf(pid: number): string | null {
  if (LINUX) {
    try {
      return fs.readlinkSync(`/proc/${pid}/exe`).replace(/ \(deleted\)$/, '');
    } catch {
      return null;
    }
  }
  if (process.platform === 'darwin') {
    try {
      return execFileSync('ps', ['-o', 'comm=', '-p', String(pid)], { encoding: 'utf8' }).trim() || null;
    } catch {
      return null;
    }
  }
  return null;
}

function looksLikeNode(pid: number, program: string): boolean {
  if (/^(node|nodejs)(\d+(\.\d+)*)?(\.exe)?$/i.test(path.basename(program))) return true;
  if (!LINUX) return false;
  // A Node embedded or renamed: libnode or the node binary among its mappings.
  try {
    return /\/(libnode\.so[^\s]*|node)$/m.test(fs.readFileSync(`/proc/${pid}/maps`, 'utf8'));
  } catch {
    return false;
  }
}

/** Throws AttachRefused (one line, what to do) unless memprof may open this process's inspector. */
export function checkTarget(pid: number): void {
  if (pid === process.pid) throw new AttachRefused('cannot attach to memprof itself');
  try {
    process.kill(pid, 0);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ESRCH') throw new AttachRefused(`no process with pid ${pid}`);
    if (code === 'EPERM') throw new AttachRefused(`pid ${pid} belongs to another user: run memprof as that user (or as root)`);
    throw err;
  }
  if (LINUX) {
    let s: Map<string, string>;
    try {
      s = status(pid);
    } catch {
      throw new AttachRefused(`no process with pid ${pid}`);
    }
    const uid = Number((s.get('Uid') ?? '').split(/\s+/)[1]); // effective uid
    const me = process.getuid?.() ?? 0;
    if (me !== 0 && uid !== me) throw new AttachRefused(`pid ${pid} belongs to another user (uid ${uid}): run memprof as that user (or as root)`);
    const program = programOf(pid);
    if (!program || !looksLikeNode(pid, program)) throw new AttachRefused(`pid ${pid} is not a Node.js process (it runs ${program ?? 'an unknown program'})`);
    const caught = BigInt(`0x${s.get('SigCgt') ?? '0'}`);
    if ((caught & SIGUSR1_BIT) === 0n) {
      throw new AttachRefused(
        `pid ${pid} has its inspector disabled (started with --disable-sigusr1, or a Node built without the inspector): it does not take SIGUSR1, which would end it`,
      );
    }
  } else if (process.platform === 'darwin') {
    const program = programOf(pid);
    if (!program || !looksLikeNode(pid, program)) throw new AttachRefused(`pid ${pid} is not a Node.js process (it runs ${program ?? 'an unknown program'})`);
  }
}

/** The process's command line as `ps` shows it (Linux: /proc/<pid>/cmdline), or null when unknown. */
export function commandLineOf(pid: number): string | null {
  try {
    if (LINUX) return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ') || null;
    if (process.platform === 'darwin') return execFileSync('ps', ['-o', 'args=', '-p', String(pid)], { encoding: 'utf8' }).trim() || null;
  } catch {
    // Gone, or not ours to read.
  }
  return null;
}

export interface TcpSocket {
  port: number;
  /** The socket's inode, to tell this process's sockets from others'. */
  inode: string;
  loopback: boolean;
  listening: boolean;
  /** For connected sockets: the remote port. */
  remotePort: number;
}

/**
 * The process's TCP sockets (Linux), from its descriptors and its network namespace's tables;
 * null where that cannot be read (another OS).
 */
export function tcpSockets(pid: number): TcpSocket[] | null {
  if (!LINUX) return null;
  const inodes = new Set<string>();
  try {
    for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m) inodes.add(m[1]);
      } catch {
        // Closed while we looked.
      }
    }
  } catch {
    return null;
  }
  const sockets: TcpSocket[] = [];
  for (const table of ['tcp', 'tcp6']) {
    let text: string;
    try {
      text = fs.readFileSync(`/proc/${pid}/net/${table}`, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const c = line.trim().split(/\s+/);
      if (c.length < 10 || !inodes.has(c[9])) continue;
      const [local, localPort] = c[1].split(':');
      sockets.push({
        port: parseInt(localPort, 16),
        inode: c[9],
        loopback: local === '0100007F' || local === '00000000000000000000000001000000',
        listening: c[3] === '0A',
        remotePort: parseInt(c[2].split(':')[1], 16),
      });
    }
  }
  return sockets;
}
