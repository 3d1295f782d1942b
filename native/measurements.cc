#include "measurements.h"

#include <atomic>

namespace memprof {
namespace {

// One counter for the whole process: the addon's code and statics are loaded once, however
// many threads require it.
std::atomic<int> running{0};

Napi::Value BeginMeasurement(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), running.fetch_add(1) == 0);
}

Napi::Value EndMeasurement(const Napi::CallbackInfo& info) {
  int now = running.load();
  while (now > 0 && !running.compare_exchange_weak(now, now - 1)) {
  }
  return info.Env().Undefined();
}

}  // namespace

void RegisterMeasurements(Napi::Env env, Napi::Object exports) {
  exports.Set("beginMeasurement", Napi::Function::New<BeginMeasurement>(env, "beginMeasurement"));
  exports.Set("endMeasurement", Napi::Function::New<EndMeasurement>(env, "endMeasurement"));
}

}  // namespace memprof
