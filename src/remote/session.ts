import type { CdpClient } from './cdp';
import { connectToProcess } from './connect';
import { waitUntilInspectorClosed, type InspectorEndpoint } from './inspector-port';
import { AttachRefused } from './target-process';
import { UsageError } from '../errors';

/**
 * What every attached session shares: its connection to the target's inspector, whether
 * the target went away, and the way in (connect, start, or detach again if the start fails).
 */
export abstract class AttachedSession {
  protected detached = false;
  /** Set when the target went away (exited, or closed its inspector). */
  lost: Error | null = null;
  /**
   * Set when the target has finished (its event loop ended, or process.exit) and Node holds
   * its exit until memprof disconnects: memprof must leave at once, with no JavaScript to
   * run there any more.
   */
  exiting = false;

  protected constructor(
    readonly pid: number,
    protected readonly client: CdpClient,
    protected readonly endpoint: InspectorEndpoint,
  ) {
    client.on('disconnect', (err: Error) => {
      if (!this.detached) this.lost = err;
    });
    client.on('NodeRuntime.waitingForDisconnect', () => {
      this.exiting = true;
    });
  }

  /** The session is over without memprof ending it: the target went away or is exiting. */
  get ended(): boolean {
    return this.lost !== null || this.exiting;
  }

  /** For detach(): when the target is exiting, only the connection is closed (so it can exit); true then. */
  protected async leaveExiting(): Promise<boolean> {
    if (!this.exiting) return false;
    this.detached = true;
    await this.client.close();
    return true;
  }

  /** The inspector's port, and whether memprof opened it. */
  get inspector(): { port: number; opened: boolean } {
    return { port: this.endpoint.port, opened: this.endpoint.opened };
  }

  /** "attached to pid N (inspector on 127.0.0.1:P, opened by memprof until it detaches)", for the user. */
  get attachedLine(): string {
    return `attached to pid ${this.pid} (inspector on 127.0.0.1:${this.endpoint.port}${this.endpoint.opened ? ', opened by memprof until it detaches' : ''})`;
  }

  /**
   * Ends memprof's connection; with `closing` (the target was asked to close the inspector
   * memprof opened), waits for it to close, or says it has not yet.
   */
  protected async disconnect(closing: boolean, note: (text: string) => void): Promise<void> {
    await this.client.close();
    if (closing && !(await waitUntilInspectorClosed(this.pid, this.endpoint.port))) {
      note(`the inspector of pid ${this.pid} still listens on 127.0.0.1:${this.endpoint.port}: it closes when the program's event loop next turns`);
    }
  }

  protected abstract start(): Promise<void>;

  abstract detach(): Promise<void>;

  /** Connects to `pid` and starts the session `make` builds; a refusal throws AttachRefused with the reason. */
  protected static async open<S extends AttachedSession>(pid: number, note: (text: string) => void, make: (client: CdpClient, endpoint: InspectorEndpoint) => S): Promise<S> {
    const { client, endpoint } = await connectToProcess(pid, note);
    // Node holds a process that finishes while a client is connected ("Waiting for the
    // debugger to disconnect..."): told when, memprof leaves and the program exits as it would.
    await client.send('NodeRuntime.notifyWhenWaitingForDisconnect', { enabled: true }).catch(() => undefined);
    const session = make(client, endpoint);
    try {
      await session.start();
      return session;
    } catch (err) {
      await session.detach().catch(() => undefined);
      throw err;
    }
  }
}

/** A refusal to attach as the CLI reports it: one line, exit 1. */
export async function refusedAsUsage<T>(attaching: Promise<T>): Promise<T> {
  try {
    return await attaching;
  } catch (err) {
    if (err instanceof AttachRefused) throw new UsageError(err.message, 1);
    throw err;
  }
}
