#include "interrupt.h"

// V8's C++ symbols carry MSVC's decoration on Windows and are not looked up: the stop-signal
// watcher uses its worker there (src/signals/stop.ts).
namespace memprof {

bool InterruptAvailable() { return false; }

bool TargetThisThread() { return false; }

void InterruptTarget(void (* /*run*/)(void* data), void* /*data*/) {}

}  // namespace memprof
