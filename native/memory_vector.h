// The vector meter's native half: one call reads this process's RSS and the isolate's
// external memory (ArrayBuffer/Buffer backing stores and what addons report through
// napi_adjust_external_memory) into a Float64Array, so a line probe reads both figures
// with one call and no allocation. V8's used heap has no N-API reader: JavaScript reads it.
#ifndef MEMPROF_MEMORY_VECTOR_H_
#define MEMPROF_MEMORY_VECTOR_H_

#include <napi.h>

namespace memprof {

// Indices into the reader's `values`.
constexpr int kVectorRss = 0;
constexpr int kVectorExternal = 1;
constexpr int kVectorLength = 2;

// createVectorReader() -> { values: Float64Array(2), read(): void }; read() fills values
// with [rss, external] in bytes (rss -1 when the OS refuses the read).
Napi::Value CreateVectorReader(const Napi::CallbackInfo& info);

// externalMemory() -> number: the isolate's external memory in bytes, one-shot.
Napi::Value ExternalMemory(const Napi::CallbackInfo& info);

}  // namespace memprof

#endif  // MEMPROF_MEMORY_VECTOR_H_
