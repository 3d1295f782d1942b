// The JavaScript side of children.h. waitChildPeak blocks a libuv pool thread until the
// child exits, so it resolves a promise instead of blocking the event loop.
#include "children.h"

#include "args.h"

namespace memprof {
namespace {

class ChildPeakWorker : public Napi::AsyncWorker {
 public:
  ChildPeakWorker(Napi::Env env, int64_t pid) : Napi::AsyncWorker(env), pid_(pid), deferred_(env) {}
  Napi::Promise Promise() { return deferred_.Promise(); }

  void Execute() override { peak_ = WaitChildPeak(pid_); }
  void OnOK() override { deferred_.Resolve(Napi::Number::New(Env(), static_cast<double>(peak_))); }

 private:
  int64_t pid_;
  int64_t peak_ = -1;
  Napi::Promise::Deferred deferred_;
};

Napi::Value WaitChildPeakJs(const Napi::CallbackInfo& info) {
  int64_t pid = PidArgument(info.Env(), info.Length() > 0 ? info[0] : info.Env().Undefined(), "pid", -1);
  if (pid < 0) ThrowTypeError(info.Env(), "waitChildPeak needs the pid of a child process");
  auto* worker = new ChildPeakWorker(info.Env(), pid);
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

Napi::Value ReapedChildrenPeakJs(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(ReapedChildrenPeak()));
}

Napi::Value EndWithThisProcessJs(const Napi::CallbackInfo& info) {
  int64_t pid = PidArgument(info.Env(), info.Length() > 0 ? info[0] : info.Env().Undefined(), "pid", -1);
  if (pid < 0) ThrowTypeError(info.Env(), "endWithThisProcess needs the pid of a child process");
  return Napi::Boolean::New(info.Env(), EndWithThisProcess(pid));
}

}  // namespace

void RegisterChildren(Napi::Env env, Napi::Object exports) {
  exports.Set("waitChildPeak", Napi::Function::New<WaitChildPeakJs>(env, "waitChildPeak"));
  exports.Set("reapedChildrenPeak", Napi::Function::New<ReapedChildrenPeakJs>(env, "reapedChildrenPeak"));
  exports.Set("endWithThisProcess", Napi::Function::New<EndWithThisProcessJs>(env, "endWithThisProcess"));
}

}  // namespace memprof
