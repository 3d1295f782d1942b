#include "interrupt.h"

#include <atomic>

#if defined(__APPLE__)
#include <dlfcn.h>
#endif

// v8::Isolate::GetCurrent() (static) and v8::Isolate::RequestInterrupt(callback, data), a
// non-virtual member: under the Itanium C++ ABI (Linux, macOS) plain functions whose first
// argument is the isolate. Stable in V8 for a decade; found by name, not linked.
using V8Callback = void (*)(void* isolate, void* data);
using GetCurrentIsolate = void* (*)();
using RequestInterrupt = void (*)(void* isolate, V8Callback callback, void* data);

#if !defined(__APPLE__)
// Weak references, resolved from node's exported symbols as the addon loads, null where
// absent: no dlsym, so no libdl and no newer glibc symbol version (native/baseline_linux.h).
extern "C" void* MemprofV8GetCurrent() __asm__("_ZN2v87Isolate10GetCurrentEv") __attribute__((weak));
extern "C" void MemprofV8RequestInterrupt(void* isolate, V8Callback callback, void* data) __asm__(
    "_ZN2v87Isolate16RequestInterruptEPFvPS0_PvES2_") __attribute__((weak));
#endif

namespace memprof {
namespace {

struct V8Functions {
  GetCurrentIsolate get_current = nullptr;
  RequestInterrupt request_interrupt = nullptr;
};

V8Functions Find() {
  V8Functions found;
#if defined(__APPLE__)
  found.get_current = reinterpret_cast<GetCurrentIsolate>(dlsym(RTLD_DEFAULT, "_ZN2v87Isolate10GetCurrentEv"));
  found.request_interrupt = reinterpret_cast<RequestInterrupt>(dlsym(RTLD_DEFAULT, "_ZN2v87Isolate16RequestInterruptEPFvPS0_PvES2_"));
#else
  found.get_current = &MemprofV8GetCurrent;
  found.request_interrupt = &MemprofV8RequestInterrupt;
#endif
  return found;
}

struct Request {
  void (*run)(void*);
  void* data;
};

std::atomic<void*> target{nullptr};

void Trampoline(void* /*isolate*/, void* request) {
  auto* r = static_cast<Request*>(request);
  r->run(r->data);
  delete r;
}

}  // namespace

bool InterruptAvailable() {
  V8Functions v8 = Find();
  return v8.get_current != nullptr && v8.request_interrupt != nullptr;
}

bool TargetThisThread() {
  V8Functions v8 = Find();
  if (v8.get_current == nullptr || v8.request_interrupt == nullptr) return false;
  void* isolate = v8.get_current();
  if (isolate == nullptr) return false;
  target.store(isolate);
  return true;
}

void InterruptTarget(void (*run)(void* data), void* data) {
  void* isolate = target.load();
  V8Functions v8 = Find();
  if (isolate == nullptr || v8.request_interrupt == nullptr) return;
  v8.request_interrupt(isolate, Trampoline, new Request{run, data});
}

}  // namespace memprof
