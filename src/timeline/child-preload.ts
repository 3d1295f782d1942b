// Loaded with `node --require` into a program run by `memprof run script.js`: makes
// `profile` a global (as memory_profiler's CLI makes it a builtin) that records calls
// without printing tables, and sends every entry and exit to memprof on the fd named in
// MEMPROF_EVENTS_FD. The program's own stdin/stdout/stderr are left alone.
import * as fs from 'node:fs';
import { setCallListener } from '../trace/call-events';
import { encodeCallEvent, EVENTS_FD_ENV } from './func-events';

import { GUARD_ENV } from '../guard/config';

// memprof run --guard: the OOM guard's worker starts before the program does.
// eslint-disable-next-line @typescript-eslint/no-var-requires
if (process.env[GUARD_ENV]) (require('../guard/start') as typeof import('../guard/start')).startGuard();

// `--require <this file>` leaves process.execArgv: the program sees its own, and what it
// forks (child_process.fork, cluster) starts as under node, without this preload.
const own = process.execArgv.indexOf(__filename);
if (own > 0 && process.execArgv[own - 1] === '--require') process.execArgv.splice(own - 1, 2);

const fd = Number(process.env[EVENTS_FD_ENV]);
// Programs this one starts must not write to a descriptor they do not have.
delete process.env[EVENTS_FD_ENV];

function send(text: string): void {
  let offset = 0;
  const data = Buffer.from(text);
  while (offset < data.length) {
    try {
      offset += fs.writeSync(fd, data, offset);
    } catch (err) {
      // A non-blocking pipe that is full: wait for memprof to read. Anything else (memprof
      // gone): stop reporting, keep running the program.
      if ((err as NodeJS.ErrnoException).code === 'EAGAIN') continue;
      setCallListener(null);
      return;
    }
  }
}

if (Number.isInteger(fd) && fd > 2) {
  setCallListener((event) => send(encodeCallEvent(event)));
}

type Profile = typeof import('../trace/profile').profile;
// The tracer loads on the first call: a program that profiles nothing pays nothing for it.
// Every argument passes through, so both decorator forms (TypeScript 5's and the legacy
// three-argument one) work as they do under require('memprof').
const globalProfile = function (this: unknown, ...args: unknown[]) {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const tracer = require('../trace/profile') as typeof import('../trace/profile');
  tracer.setProfileDefaults({ report: 'none' });
  return (tracer.profile as (...a: unknown[]) => unknown).apply(this, args);
} as Profile;
Object.defineProperty(globalThis, 'profile', { value: globalProfile, writable: true, configurable: true, enumerable: false });
