// Module init: the one-shot readers and the Sampler class. The addon keeps no per-module
// state, so it loads in any number of worker threads.
#include <napi.h>

#include <string>
#include <vector>

#include "args.h"
#include "memory_vector.h"
#include "children.h"
#include "heap_trim.h"
#include "measurements.h"
#include "rss.h"
#include "sampler.h"
#include "stop_signals.h"

namespace memprof {
namespace {

[[noreturn]] void ThrowReadError(Napi::Env env, Status status, int64_t pid, const std::string& message) {
  if (status == Status::kNoProcess) throw Napi::Error::New(env, "no process with pid " + std::to_string(pid));
  throw Napi::Error::New(env, message.empty() ? "cannot read the memory of pid " + std::to_string(pid) : message);
}

Napi::Value Rss(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint64_t bytes = 0;
  if (info.Length() == 0 || info[0].IsUndefined()) {
    Status status = SelfRss(&bytes);
    if (status != Status::kOk) ThrowReadError(env, status, CurrentPid(), "cannot read the RSS of this process");
    return Napi::Number::New(env, static_cast<double>(bytes));
  }
  int64_t pid = PidArgument(env, info[0], "pid", CurrentPid());
  std::string message;
  Status status = PidRss(pid, &bytes, &message);
  if (status != Status::kOk) ThrowReadError(env, status, pid, message);
  return Napi::Number::New(env, static_cast<double>(bytes));
}

Napi::Value DescendantsOf(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int64_t pid = PidArgument(env, info.Length() > 0 ? info[0] : env.Undefined(), "pid", CurrentPid());
  std::vector<ChildRss> children;
  std::string message;
  Status status = Descendants(pid, &children, &message);
  if (status != Status::kOk) ThrowReadError(env, status, pid, message);
  Napi::Array out = Napi::Array::New(env, children.size());
  for (uint32_t i = 0; i < children.size(); i++) {
    Napi::Object child = Napi::Object::New(env);
    child.Set("pid", Napi::Number::New(env, static_cast<double>(children[i].pid)));
    child.Set("rss", Napi::Number::New(env, static_cast<double>(children[i].rss)));
    out.Set(i, child);
  }
  return out;
}

Napi::Value ResetPeak(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), ResetKernelPeak()); }

Napi::Value ReadPeak(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(ReadKernelPeak()));
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("rss", Napi::Function::New<Rss>(env, "rss"));
  exports.Set("descendants", Napi::Function::New<DescendantsOf>(env, "descendants"));
  exports.Set("resetPeak", Napi::Function::New<ResetPeak>(env, "resetPeak"));
  exports.Set("readPeak", Napi::Function::New<ReadPeak>(env, "readPeak"));
  exports.Set("createVectorReader", Napi::Function::New<CreateVectorReader>(env, "createVectorReader"));
  exports.Set("externalMemory", Napi::Function::New<ExternalMemory>(env, "externalMemory"));
  exports.Set("Sampler", Sampler::Define(env));
  RegisterChildren(env, exports);
  RegisterMeasurements(env, exports);
  RegisterHeapTrim(env, exports);
  exports.Set("signals", DefineStopSignals(env));
  return exports;
}

}  // namespace
}  // namespace memprof

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) { return memprof::Init(env, exports); }

NODE_API_MODULE(memprof, InitModule)
