// When an attached session ends: Ctrl+C (SIGINT), SIGTERM or SIGHUP to memprof, its -t
// timeout, or the target going away. The target is never signalled: only memprof stops.

const STOP_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
const LOST_CHECK_MS = 200;

export interface StopWatch {
  /** Resolves with how the session ended: 'signal SIGINT', 'duration' (the timeout) or 'lost'. */
  stopped: Promise<string>;
  /** Removes the signal handlers and timers. */
  dispose(): void;
}

export function watchForStop(timeoutSeconds: number | undefined, isLost: () => boolean): StopWatch {
  let stop: (how: string) => void = () => undefined;
  const stopped = new Promise<string>((resolve) => {
    stop = resolve;
  });
  const handlers = STOP_SIGNALS.map((signal) => {
    const handler = (): void => stop(`signal ${signal}`);
    process.on(signal, handler);
    return { signal, handler };
  });
  const timers: NodeJS.Timeout[] = [setInterval(() => isLost() && stop('lost'), LOST_CHECK_MS)];
  if (timeoutSeconds !== undefined) timers.push(setTimeout(() => stop('duration'), timeoutSeconds * 1000));
  return {
    stopped,
    dispose() {
      for (const t of timers) clearTimeout(t);
      for (const { signal, handler } of handlers) process.off(signal, handler);
    },
  };
}
