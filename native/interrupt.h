// Runs a function on a thread that is busy in JavaScript (a `for(;;);`), between two of its
// statements, where nothing queued on its event loop would ever run: V8's
// Isolate::RequestInterrupt, as Node's inspector does to dispatch its messages. That is V8's
// C++ API, not Node-API: interrupt_posix.cc finds it as the addon loads, so an addon loaded
// by a Node without it still works and its callers fall back (interrupt_win.cc: never found).
#ifndef MEMPROF_INTERRUPT_H_
#define MEMPROF_INTERRUPT_H_

namespace memprof {

// Whether V8's functions were found (interrupt_win.cc: never).
bool InterruptAvailable();

// Makes the calling thread's isolate the one InterruptTarget interrupts. False where V8's
// functions are not found (nothing changes then).
bool TargetThisThread();

// From any thread: runs `run(data)` on the target thread as soon as its JavaScript reaches
// an interrupt check (at once when busy; at its next JavaScript when idle in its event loop).
// `run` may call into JavaScript, as the inspector's dispatch does.
void InterruptTarget(void (*run)(void* data), void* data);

}  // namespace memprof

#endif  // MEMPROF_INTERRUPT_H_
