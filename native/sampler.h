// The Sampler: a native thread that reads the RSS of one process (and optionally its
// descendants) every interval, keeps the running peak and latest value in memory that
// JavaScript reads through a Float64Array without a call, and buffers the samples.
#ifndef MEMPROF_SAMPLER_H_
#define MEMPROF_SAMPLER_H_

#include <napi.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "dat_writer.h"
#include "rss.h"
#include "sample_buffer.h"

namespace memprof {

// Laid out as the Float64Array `shared`: [latest, peak, count].
struct SharedValues {
  std::atomic<double> latest{0};
  std::atomic<double> peak{0};
  std::atomic<double> count{0};
};
static_assert(sizeof(SharedValues) == 3 * sizeof(double), "SharedValues must look like 3 doubles");
static_assert(std::atomic<double>::is_always_lock_free, "the shared array needs lock-free doubles");

class Sampler : public Napi::ObjectWrap<Sampler> {
 public:
  static Napi::Function Define(Napi::Env env);

  explicit Sampler(const Napi::CallbackInfo& info);
  ~Sampler() override;

 private:
  static constexpr double kDefaultMaxSamples = 1 << 20;
  static constexpr double kMaxMaxSamples = 1 << 30;
  static constexpr double kMinIntervalMs = 0.1;
  // One day: longer intervals would overflow the thread's nanosecond clock arithmetic.
  static constexpr double kMaxIntervalMs = 86400000;

  Napi::Value Start(const Napi::CallbackInfo& info);
  Napi::Value Stop(const Napi::CallbackInfo& info);
  Napi::Value ResetPeak(const Napi::CallbackInfo& info);
  Napi::Value Samples(const Napi::CallbackInfo& info);
  Napi::Value GetPeak(const Napi::CallbackInfo& info);
  Napi::Value GetLatest(const Napi::CallbackInfo& info);
  Napi::Value GetRunning(const Napi::CallbackInfo& info);
  Napi::Value GetDropped(const Napi::CallbackInfo& info);
  Napi::Value GetShared(const Napi::CallbackInfo& info);
  Napi::Value GetWriteError(const Napi::CallbackInfo& info);

  // Reads the pid (plus descendants when asked); false once the pid is gone.
  bool Read(double* total, double* own, std::vector<ChildRss>* children);
  void Run();
  void StopThread();
  void RaisePeak(double value);
  static void CleanupHook(void* self);

  struct Options {
    int64_t pid;
    double interval_ms;
    bool include_children;
    bool keep_samples;
    double max_samples;
    // Where the thread appends each sample's mprof records as it takes it (-1: nowhere).
    int dat_fd;
    bool dat_children_in_mem;
    bool dat_child_lines;
  };
  static Options ParseOptions(const Napi::CallbackInfo& info);

  Napi::Env env_;
  const Options options_;

  // Owned jointly with the ArrayBuffer behind `shared`, which may outlive this object.
  std::shared_ptr<SharedValues> owned_values_;
  SharedValues* values_ = nullptr;
  Napi::Reference<Napi::Float64Array> shared_;

  ProcessHandle handle_;
  std::thread thread_;
  std::mutex control_mutex_;
  std::condition_variable wake_;
  bool stop_requested_ = false;
  bool thread_started_ = false;  // guarded by control_mutex_
  std::atomic<bool> running_{false};
  bool hook_registered_ = false;

  std::mutex samples_mutex_;
  SampleBuffer buffer_;

  std::unique_ptr<DatWriter> writer_;  // used by the thread only
  std::atomic<int> write_error_{0};
};

}  // namespace memprof

#endif  // MEMPROF_SAMPLER_H_
