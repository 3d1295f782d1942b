// Giving the C heap's freed memory back to the OS. A big file's instrumentation and
// compilation (V8's parser and optimizing compiler work in malloc'ed zones, in several
// threads) leave tens of MiB freed but still resident: every row after it would count
// them. Implemented once per OS in heap_trim_linux.cc, heap_trim_darwin.cc, heap_trim_win.cc.
#ifndef MEMPROF_HEAP_TRIM_H_
#define MEMPROF_HEAP_TRIM_H_

#include <napi.h>

namespace memprof {

// Returns freed C heap memory to the OS; false where the allocator has no way to.
bool ReturnFreedHeap();

// JavaScript: returnFreedMemory() -> boolean.
void RegisterHeapTrim(Napi::Env env, Napi::Object exports);

}  // namespace memprof

#endif  // MEMPROF_HEAP_TRIM_H_
