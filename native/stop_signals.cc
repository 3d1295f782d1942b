#include "stop_signals.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>

#include "args.h"
#include "interrupt.h"
#include "signals.h"

namespace memprof {
namespace {

using Clock = std::chrono::steady_clock;

// One per process, as signals are; never freed, so the detached thread can outlive
// static destructors at exit.
struct WatchState {
  std::mutex mutex;
  Napi::ThreadSafeFunction receiver;
  bool has_receiver = false;
  bool thread_started = false;
  int grace_ms = 2000;
  // The receiver's thread is also interrupted (interrupt.h): it may be busy in JavaScript
  // (the program's main thread), where the call queued on its event loop would never run.
  bool interrupt = false;
  napi_env receiver_env = nullptr;
  Napi::FunctionReference handler;  // the receiver's callback, for the interrupt
  int pending = 0;     // a signal handed to the receiver, not yet dealt with
  bool delivered = false;  // the pending signal reached the callback (one of the two ways)
  bool begun = false;  // the program began handling it: no deadline
  Clock::time_point deadline;
};

WatchState& State() {
  static WatchState* state = new WatchState();
  return *state;
}

[[noreturn]] void Die(int signo, const char* why) {
  if (why != nullptr) {
    std::fprintf(stderr, "memprof: %s %s; stopped without writing the report\n", StopSignalName(signo), why);
    std::fflush(stderr);
  }
  DieBySignal(signo);
}

// Calls the receiver's callback with the pending signal, once, by whichever way (the event
// loop or the interrupt) gets there first.
void Deliver(Napi::Env env, Napi::Function callback) {
  WatchState& state = State();
  int signo;
  {
    std::lock_guard<std::mutex> lock(state.mutex);
    if (state.pending == 0 || state.delivered) return;
    state.delivered = true;
    signo = state.pending;
  }
  callback.Call({Napi::Number::New(env, signo)});
}

void DeliverByInterrupt(void* /*data*/) {
  WatchState& state = State();
  napi_env env;
  {
    std::lock_guard<std::mutex> lock(state.mutex);
    if (!state.has_receiver || !state.interrupt) return;
    env = state.receiver_env;
  }
  int signo = 0;
  try {
    Napi::HandleScope scope(env);
    {
      std::lock_guard<std::mutex> lock(state.mutex);
      signo = state.pending;
    }
    Deliver(Napi::Env(env), state.handler.Value());
  } catch (...) {
    // Nothing can be thrown into the interrupted code: end as the signal would have.
    if (signo != 0) Die(signo, nullptr);
  }
}

void Watch() {
  WatchState& state = State();
  for (;;) {
    int timeout_ms = -1;
    {
      std::lock_guard<std::mutex> lock(state.mutex);
      if (state.pending != 0 && !state.begun) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(state.deadline - Clock::now()).count();
        timeout_ms = left > 0 ? static_cast<int>(left) : 0;
      }
    }
    int signo = WaitForStopSignal(timeout_ms);
    std::unique_lock<std::mutex> lock(state.mutex);
    if (signo == 0) {
      if (state.pending != 0 && !state.begun && Clock::now() >= state.deadline) {
        int late = state.pending;
        lock.unlock();
        std::string why = "arrived while the program was blocked outside JavaScript for " +
                          std::to_string(state.grace_ms) + " ms";
        Die(late, why.c_str());
      }
      continue;
    }
    // Without memprof the first one would have ended the program already.
    if (state.pending != 0) {
      lock.unlock();
      Die(signo, "again");
    }
    state.pending = signo;
    state.delivered = false;
    state.begun = false;
    state.deadline = Clock::now() + std::chrono::milliseconds(state.grace_ms);
    bool handed = state.has_receiver && state.receiver.NonBlockingCall([](Napi::Env env, Napi::Function callback) {
      Deliver(env, callback);
    }) == napi_ok;
    if (!handed) {
      lock.unlock();
      Die(signo, nullptr);
    }
    if (state.interrupt) InterruptTarget(DeliverByInterrupt, nullptr);
  }
}

int SignalArgument(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) ThrowTypeError(env, "signo must be a signal number");
  double number = info[0].As<Napi::Number>().DoubleValue();
  if (!(number >= 1 && number <= 63) || std::floor(number) != number) {
    ThrowRangeError(env, "signo must be a signal number from 1 to 63, got " + info[0].ToString().Utf8Value());
  }
  return static_cast<int>(number);
}

Napi::Value Claim(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), ClaimSignal(SignalArgument(info)));
}

Napi::Value Release(const Napi::CallbackInfo& info) {
  ReleaseSignal(SignalArgument(info));
  return info.Env().Undefined();
}

Napi::Value WatchSignals(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsFunction()) ThrowTypeError(env, "watch needs a callback function");
  double grace = 2000;
  if (info.Length() > 1 && !info[1].IsUndefined()) {
    if (!info[1].IsNumber()) ThrowTypeError(env, "graceMs must be a number");
    grace = info[1].As<Napi::Number>().DoubleValue();
    if (!(grace >= 0 && grace <= 3600000)) ThrowRangeError(env, "graceMs must be from 0 to 3600000");
  }
  bool interrupt = info.Length() > 2 && info[2].ToBoolean().Value();
  WatchState& state = State();
  std::lock_guard<std::mutex> lock(state.mutex);
  if (state.has_receiver) throw Napi::Error::New(env, "stop signals are already watched in another thread");
  if (interrupt && !TargetThisThread()) throw Napi::Error::New(env, "this Node cannot interrupt JavaScript from the addon (canInterrupt() is false)");
  state.receiver = Napi::ThreadSafeFunction::New(env, info[0].As<Napi::Function>(), "memprof-stop-signals", 0, 1,
                                                 [](Napi::Env) {
                                                   WatchState& s = State();
                                                   std::lock_guard<std::mutex> guard(s.mutex);
                                                   s.has_receiver = false;
                                                   s.interrupt = false;
                                                   s.handler.Reset();
                                                 });
  state.has_receiver = true;
  state.grace_ms = static_cast<int>(grace);
  state.interrupt = interrupt;
  if (interrupt) {
    state.receiver_env = env;
    state.handler = Napi::Persistent(info[0].As<Napi::Function>());
    // The program's own thread: its event loop must be free to end.
    state.receiver.Unref(env);
  }
  if (!state.thread_started) {
    try {
      std::thread(Watch).detach();
    } catch (const std::system_error& error) {
      state.receiver.Release();
      throw Napi::Error::New(env, std::string("cannot start the signal watcher thread: ") + error.what());
    }
    state.thread_started = true;
  }
  return env.Undefined();
}

Napi::Value Begin(const Napi::CallbackInfo& info) {
  SignalArgument(info);
  WatchState& state = State();
  std::lock_guard<std::mutex> lock(state.mutex);
  state.begun = true;
  return info.Env().Undefined();
}

Napi::Value Cancel(const Napi::CallbackInfo& info) {
  WatchState& state = State();
  std::lock_guard<std::mutex> lock(state.mutex);
  state.pending = 0;
  state.begun = false;
  ForgetStopSignal();
  return info.Env().Undefined();
}

Napi::Value CanInterrupt(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), InterruptAvailable());
}

Napi::Value Arrived(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), ArrivedStopSignal()); }

Napi::Value DieBy(const Napi::CallbackInfo& info) { DieBySignal(SignalArgument(info)); }

}  // namespace

Napi::Object DefineStopSignals(Napi::Env env) {
  Napi::Object signals = Napi::Object::New(env);
  signals.Set("claim", Napi::Function::New<Claim>(env, "claim"));
  signals.Set("release", Napi::Function::New<Release>(env, "release"));
  signals.Set("watch", Napi::Function::New<WatchSignals>(env, "watch"));
  signals.Set("canInterrupt", Napi::Function::New<CanInterrupt>(env, "canInterrupt"));
  signals.Set("begin", Napi::Function::New<Begin>(env, "begin"));
  signals.Set("cancel", Napi::Function::New<Cancel>(env, "cancel"));
  signals.Set("arrived", Napi::Function::New<Arrived>(env, "arrived"));
  signals.Set("dieBy", Napi::Function::New<DieBy>(env, "dieBy"));
  return signals;
}

}  // namespace memprof
