#include <malloc.h>

#include "heap_trim.h"

namespace memprof {

// The CRT heap's free blocks back to the OS.
bool ReturnFreedHeap() { return _heapmin() == 0; }

}  // namespace memprof
