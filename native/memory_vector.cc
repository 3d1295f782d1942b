#include "memory_vector.h"

#include <cstdint>

#include "rss.h"

namespace memprof {
namespace {

// The values live in the ArrayBuffer (V8's memory, which never moves once allocated);
// the reference keeps that buffer alive as long as the read function.
struct VectorSlot {
  double* values;
  Napi::Reference<Napi::ArrayBuffer> buffer;
};

double IsolateExternal(napi_env env) {
  int64_t external = 0;
  // A change of 0 adjusts nothing: N-API returns the isolate's current external total.
  if (napi_adjust_external_memory(env, 0, &external) != napi_ok) return -1;
  return static_cast<double>(external);
}

Napi::Value ReadInto(const Napi::CallbackInfo& info) {
  auto* slot = static_cast<VectorSlot*>(info.Data());
  uint64_t rss = 0;
  slot->values[kVectorRss] = SelfRss(&rss) == Status::kOk ? static_cast<double>(rss) : -1;
  slot->values[kVectorExternal] = IsolateExternal(info.Env());
  return info.Env().Undefined();
}

}  // namespace

Napi::Value CreateVectorReader(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::ArrayBuffer buffer = Napi::ArrayBuffer::New(env, kVectorLength * sizeof(double));
  auto* slot = new VectorSlot{static_cast<double*>(buffer.Data()), Napi::Persistent(buffer)};
  Napi::Function read = Napi::Function::New(env, ReadInto, "read", slot);
  read.AddFinalizer([](Napi::Env, VectorSlot* s) { delete s; }, slot);
  Napi::Object reader = Napi::Object::New(env);
  reader.Set("values", Napi::Float64Array::New(env, kVectorLength, buffer, 0));
  reader.Set("read", read);
  return reader;
}

Napi::Value ExternalMemory(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), IsolateExternal(info.Env()));
}

}  // namespace memprof
