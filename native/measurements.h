// Measurements in progress in this process, counted across every thread. The kernel's
// high-water mark (Linux VmHWM, reset through /proc/self/clear_refs) is one per process:
// a measurement may reset it only when no other one runs, in any thread (vitest's threads
// pool runs test files in worker threads of one process, each with its own copy of
// memprof's JavaScript but one copy of this addon).
#ifndef MEMPROF_MEASUREMENTS_H_
#define MEMPROF_MEASUREMENTS_H_

#include <napi.h>

namespace memprof {

// JavaScript: beginMeasurement() -> true when it is the only one running (it may then
// reset the kernel mark); endMeasurement() once it is over.
void RegisterMeasurements(Napi::Env env, Napi::Object exports);

}  // namespace memprof

#endif  // MEMPROF_MEASUREMENTS_H_
