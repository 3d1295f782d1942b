#include <cstddef>

#include "heap_trim.h"

// glibc's; musl has none (weak: null there).
extern "C" int malloc_trim(size_t pad) __attribute__((weak));

namespace memprof {

// Every arena (each thread's too), the free pages inside them as well as the top.
bool ReturnFreedHeap() { return malloc_trim != nullptr && malloc_trim(0) >= 0; }

}  // namespace memprof
