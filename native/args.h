// Argument checking for every exported function: a wrong type or value becomes a
// JavaScript TypeError/RangeError naming the argument, never a crash.
#ifndef MEMPROF_ARGS_H_
#define MEMPROF_ARGS_H_

#include <napi.h>

#include <cmath>
#include <cstdint>
#include <string>

namespace memprof {

[[noreturn]] inline void ThrowTypeError(Napi::Env env, const std::string& message) {
  throw Napi::TypeError::New(env, message);
}

[[noreturn]] inline void ThrowRangeError(Napi::Env env, const std::string& message) {
  throw Napi::RangeError::New(env, message);
}

// A pid argument: undefined means `fallback`; anything but a positive integer is a TypeError.
inline int64_t PidArgument(Napi::Env env, const Napi::Value& value, const char* name, int64_t fallback) {
  if (value.IsUndefined()) return fallback;
  if (!value.IsNumber()) ThrowTypeError(env, std::string(name) + " must be a positive integer (a process id)");
  double number = value.As<Napi::Number>().DoubleValue();
  if (!(number >= 1 && number <= 2147483647.0) || std::floor(number) != number) {
    ThrowTypeError(env, std::string(name) + " must be a positive integer (a process id), got " +
                            value.ToString().Utf8Value());
  }
  return static_cast<int64_t>(number);
}

inline bool BooleanOption(Napi::Env env, const Napi::Object& options, const char* name, bool fallback) {
  Napi::Value value = options.Get(name);
  if (value.IsUndefined()) return fallback;
  if (!value.IsBoolean()) ThrowTypeError(env, std::string(name) + " must be a boolean");
  return value.As<Napi::Boolean>().Value();
}

// A finite number option within [minimum, maximum].
inline double NumberOption(Napi::Env env, const Napi::Object& options, const char* name, double fallback,
                           double minimum, double maximum) {
  Napi::Value value = options.Get(name);
  if (value.IsUndefined()) return fallback;
  if (!value.IsNumber()) ThrowTypeError(env, std::string(name) + " must be a number");
  double number = value.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(number)) ThrowTypeError(env, std::string(name) + " must be a finite number");
  if (number < minimum) {
    ThrowRangeError(env, std::string(name) + " must be at least " + Napi::Number::New(env, minimum).ToString().Utf8Value() +
                             ", got " + value.ToString().Utf8Value());
  }
  if (number > maximum) {
    ThrowRangeError(env, std::string(name) + " must be at most " + Napi::Number::New(env, maximum).ToString().Utf8Value() +
                             ", got " + value.ToString().Utf8Value());
  }
  return number;
}

// An integer option within [minimum, maximum].
inline double IntegerOption(Napi::Env env, const Napi::Object& options, const char* name, double fallback,
                            double minimum, double maximum) {
  double number = NumberOption(env, options, name, fallback, minimum, maximum);
  if (std::floor(number) != number) ThrowTypeError(env, std::string(name) + " must be an integer");
  return number;
}

}  // namespace memprof

#endif  // MEMPROF_ARGS_H_
