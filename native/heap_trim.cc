#include "heap_trim.h"

namespace memprof {

void RegisterHeapTrim(Napi::Env env, Napi::Object exports) {
  exports.Set("returnFreedMemory", Napi::Function::New(
                                       env, [](const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), ReturnFreedHeap()); },
                                       "returnFreedMemory"));
}

}  // namespace memprof
