import { EventEmitter } from 'node:events';
import WebSocket from 'ws';

/**
 * A Chrome DevTools protocol client over the inspector's WebSocket: request/response by id,
 * events re-emitted by method name. One per attached process.
 */
export class CdpClient extends EventEmitter {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; method: string }>();
  private closed = false;

  private constructor(private readonly socket: WebSocket) {
    super();
    socket.on('message', (data) => this.receive(String(data)));
    socket.on('close', () => this.fail(new Error('the inspector connection closed')));
    socket.on('error', (err) => this.fail(err));
  }

  static connect(url: string, timeoutMs = 5000): Promise<CdpClient> {
    return new Promise((resolve, reject) => {
      // The inspector checks the Host header against DNS rebinding: 127.0.0.1 passes.
      const socket = new WebSocket(url, { perMessageDeflate: false, maxPayload: 1 << 30, handshakeTimeout: timeoutMs });
      socket.once('open', () => resolve(new CdpClient(socket)));
      socket.once('error', (err) => reject(err));
    });
  }

  send<T = Record<string, unknown>>(method: string, params?: object): Promise<T> {
    if (this.closed) return Promise.reject(new Error('the inspector connection is closed'));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, method });
      if (process.env.MEMPROF_TRACE_CDP) process.stderr.write(`cdp> ${id} ${method}\n`);
      this.socket.send(JSON.stringify({ id, method, params: params ?? {} }));
    });
  }

  /** Evaluates `expression` in the target and returns its value (thrown errors become ours). */
  /** With `awaitPromise`, the value a promise the expression returns resolves to. */
  async evaluate<T>(expression: string, awaitPromise = false): Promise<T> {
    const reply = await this.send<{ result: { value?: T }; exceptionDetails?: { text: string; exception?: { description?: string } } }>('Runtime.evaluate', {
      expression,
      awaitPromise,
      // The console's command-line API is where the inspector provides `require`.
      includeCommandLineAPI: true,
      returnByValue: true,
      silent: true,
    });
    if (reply.exceptionDetails) {
      const d = reply.exceptionDetails;
      throw new Error((d.exception?.description ?? d.text).split('\n')[0]);
    }
    return reply.result.value as T;
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      this.socket.once('close', () => resolve());
      this.socket.close();
      setTimeout(() => {
        this.socket.terminate();
        resolve();
      }, 1000).unref();
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private receive(text: string): void {
    let message: { id?: number; method?: string; params?: unknown; result?: unknown; error?: { message: string } };
    try {
      message = JSON.parse(text);
    } catch {
      return;
    }
    if (message.id !== undefined) {
      const p = this.pending.get(message.id);
      if (!p) return;
      if (process.env.MEMPROF_TRACE_CDP) process.stderr.write(`cdp< ${message.id}\n`);
      this.pending.delete(message.id);
      if (message.error) p.reject(new Error(`${p.method}: ${message.error.message}`));
      else p.resolve(message.result);
    } else if (message.method) {
      this.emit(message.method, message.params);
    }
  }

  private fail(err: Error): void {
    if (this.closed) return;
    this.closed = true;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
    this.emit('disconnect', err);
  }
}
