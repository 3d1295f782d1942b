// Stop signals for `memprof script.js`: the program's SIGINT, SIGTERM and SIGHUP reach a
// JavaScript callback even while the main thread runs a busy loop. A watcher thread takes
// the claimed signals (signals.h) and hands each to a callback in the environment that
// asked: the main thread itself, through its event loop and by interrupting its busy
// JavaScript (interrupt.h), or, where that is not possible, a worker (its event loop is
// free). The program has a deadline to begin handling it; past the deadline, or at a second
// signal, the process dies as without memprof.
#ifndef MEMPROF_STOP_SIGNALS_H_
#define MEMPROF_STOP_SIGNALS_H_

#include <napi.h>

namespace memprof {

// claim(signo), release(signo), watch(callback, graceMs, interrupt), canInterrupt(), begin(signo),
// cancel(), arrived(), dieBy(signo).
Napi::Object DefineStopSignals(Napi::Env env);

}  // namespace memprof

#endif  // MEMPROF_STOP_SIGNALS_H_
