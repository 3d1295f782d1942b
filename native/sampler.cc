#include "sampler.h"

#include <new>
#include <string>
#include <system_error>

#include "args.h"

namespace memprof {
namespace {

double EpochMs() {
  using namespace std::chrono;
  return duration<double, std::milli>(system_clock::now().time_since_epoch()).count();
}

std::string NoProcessMessage(int64_t pid) { return "no process with pid " + std::to_string(pid); }

}  // namespace

Napi::Function Sampler::Define(Napi::Env env) {
  return DefineClass(env, "Sampler",
                     {
                         InstanceMethod<&Sampler::Start>("start"),
                         InstanceMethod<&Sampler::Stop>("stop"),
                         InstanceMethod<&Sampler::ResetPeak>("resetPeak"),
                         InstanceMethod<&Sampler::Samples>("samples"),
                         InstanceAccessor<&Sampler::GetPeak>("peak"),
                         InstanceAccessor<&Sampler::GetLatest>("latest"),
                         InstanceAccessor<&Sampler::GetRunning>("running"),
                         InstanceAccessor<&Sampler::GetDropped>("dropped"),
                         InstanceAccessor<&Sampler::GetShared>("shared"),
                         InstanceAccessor<&Sampler::GetWriteError>("writeError"),
                     });
}

Sampler::Options Sampler::ParseOptions(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Options options{CurrentPid(), 1.0, false, true, kDefaultMaxSamples, -1, false, false};
  if (info.Length() == 0 || info[0].IsUndefined()) return options;
  if (!info[0].IsObject() || info[0].IsArray() || info[0].IsFunction()) {
    ThrowTypeError(env, "Sampler options must be an object");
  }
  Napi::Object object = info[0].As<Napi::Object>();
  options.pid = PidArgument(env, object.Get("pid"), "pid", options.pid);
  options.interval_ms = NumberOption(env, object, "intervalMs", options.interval_ms, kMinIntervalMs, kMaxIntervalMs);
  options.include_children = BooleanOption(env, object, "includeChildren", options.include_children);
  options.keep_samples = BooleanOption(env, object, "keepSamples", options.keep_samples);
  options.max_samples = IntegerOption(env, object, "maxSamples", options.max_samples, 1, kMaxMaxSamples);
  options.dat_fd = static_cast<int>(IntegerOption(env, object, "datFd", -1, -1, 2147483647.0));
  options.dat_children_in_mem = BooleanOption(env, object, "datChildrenInMem", false);
  options.dat_child_lines = BooleanOption(env, object, "datChildLines", false);
  return options;
}

Sampler::Sampler(const Napi::CallbackInfo& info)
    : Napi::ObjectWrap<Sampler>(info),
      env_(info.Env()),
      options_(ParseOptions(info)),
      buffer_(static_cast<size_t>(options_.max_samples), options_.include_children) {
  Napi::Env env = info.Env();
  if (options_.dat_fd >= 0) {
    writer_ = std::make_unique<DatWriter>(options_.dat_fd, options_.dat_children_in_mem, options_.dat_child_lines);
  }
  Napi::ArrayBuffer buffer;
  try {
    // The ArrayBuffer holds a share of the values, so `shared` stays valid even if the
    // JavaScript code keeps the array after dropping the Sampler.
    owned_values_ = std::shared_ptr<SharedValues>(new SharedValues());  // not make_shared: GLIBCXX_3.4.26
    auto* hint = new std::shared_ptr<SharedValues>(owned_values_);
    buffer = Napi::ArrayBuffer::New(
        env, owned_values_.get(), sizeof(SharedValues),
        [](Napi::Env, void*, std::shared_ptr<SharedValues>* owner) { delete owner; }, hint);
    values_ = owned_values_.get();
  } catch (const Napi::Error&) {
    // Runtimes that forbid external buffers (V8 sandbox): use V8's own memory. It is kept
    // alive by `shared_`, and the thread is joined before that reference is released.
    owned_values_.reset();
    buffer = Napi::ArrayBuffer::New(env, sizeof(SharedValues));
    values_ = new (buffer.Data()) SharedValues();
  }
  shared_ = Napi::Persistent(Napi::Float64Array::New(env, 3, buffer, 0));
  // Stops the thread when the environment (main or a worker) shuts down before this
  // object is collected.
  if (napi_add_env_cleanup_hook(env, CleanupHook, this) == napi_ok) hook_registered_ = true;
}

Sampler::~Sampler() {
  StopThread();
  if (hook_registered_) napi_remove_env_cleanup_hook(env_, CleanupHook, this);
}

void Sampler::CleanupHook(void* self) {
  auto* sampler = static_cast<Sampler*>(self);
  sampler->hook_registered_ = false;
  sampler->StopThread();
}

bool Sampler::Read(double* total, double* own, std::vector<ChildRss>* children) {
  uint64_t bytes = 0;
  if (ReadRss(handle_, &bytes) != Status::kOk) return false;
  *own = static_cast<double>(bytes);
  *total = *own;
  if (options_.include_children) {
    children->clear();
    std::string ignored;
    Descendants(options_.pid, children, &ignored);
    for (const ChildRss& child : *children) *total += static_cast<double>(child.rss);
  }
  return true;
}

void Sampler::RaisePeak(double value) {
  double peak = values_->peak.load(std::memory_order_relaxed);
  while (value > peak && !values_->peak.compare_exchange_weak(peak, value, std::memory_order_relaxed)) {
  }
}

void Sampler::Run() {
  using clock = std::chrono::steady_clock;
  PrepareSamplerThread(options_.interval_ms);
  const auto interval = std::chrono::duration_cast<clock::duration>(
      std::chrono::duration<double, std::milli>(options_.interval_ms));
  std::vector<ChildRss> children;
  double count = values_->count.load(std::memory_order_relaxed);
  auto next = clock::now();
  std::unique_lock<std::mutex> lock(control_mutex_);
  thread_started_ = true;
  wake_.notify_all();
  while (!stop_requested_) {
    lock.unlock();
    double total = 0, own = 0;
    bool alive = Read(&total, &own, &children);
    if (alive) {
      double time = EpochMs();
      values_->latest.store(total, std::memory_order_relaxed);
      RaisePeak(total);
      values_->count.store(++count, std::memory_order_relaxed);
      if (options_.keep_samples) {
        std::lock_guard<std::mutex> guard(samples_mutex_);
        buffer_.Push(time, own, &children);
      }
      if (writer_ && write_error_.load(std::memory_order_relaxed) == 0 && !writer_->Write(time, own, children)) {
        write_error_.store(writer_->error());
      }
    }
    lock.lock();
    // A pid that exits ends the sampling: `running` turns false, the samples stay.
    if (!alive) break;
    next += interval;
    auto now = clock::now();
    if (next < now) next = now;  // fell behind: carry on from now, no burst of catch-up reads
    wake_.wait_until(lock, next, [this] { return stop_requested_; });
  }
  running_.store(false);
}

void Sampler::StopThread() {
  {
    std::lock_guard<std::mutex> lock(control_mutex_);
    stop_requested_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  running_.store(false);
  CloseTarget(&handle_);
}

Napi::Value Sampler::Start(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (running_.load()) return env.Undefined();
  StopThread();  // joins a thread that ended on its own (its pid exited)
  std::string message;
  Status status = OpenTarget(options_.pid, &handle_, &message);
  if (status == Status::kNoProcess) throw Napi::Error::New(env, NoProcessMessage(options_.pid));
  if (status != Status::kOk) throw Napi::Error::New(env, message);
  // One synchronous read, so `latest` and `peak` are valid as soon as start() returns.
  double total = 0, own = 0;
  std::vector<ChildRss> children;
  if (!Read(&total, &own, &children)) {
    CloseTarget(&handle_);
    throw Napi::Error::New(env, NoProcessMessage(options_.pid));
  }
  values_->latest.store(total);
  values_->peak.store(total);
  values_->count.store(0);
  {
    std::lock_guard<std::mutex> guard(samples_mutex_);
    buffer_.ResetDropped();
  }
  stop_requested_ = false;
  running_.store(true);
  try {
    thread_started_ = false;
    thread_ = std::thread(&Sampler::Run, this);
    // Returns once the thread runs (and is named), so a caller sees it at once.
    std::unique_lock<std::mutex> lock(control_mutex_);
    wake_.wait(lock, [this] { return thread_started_; });
  } catch (const std::system_error& error) {
    running_.store(false);
    CloseTarget(&handle_);
    throw Napi::Error::New(env, std::string("cannot start the sampler thread: ") + error.what());
  }
  return env.Undefined();
}

Napi::Value Sampler::Stop(const Napi::CallbackInfo& info) {
  StopThread();
  return info.Env().Undefined();
}

Napi::Value Sampler::ResetPeak(const Napi::CallbackInfo& info) {
  // A fresh read where it is cheap (the pid alone), so a peak taken right after the reset
  // never reports a value from before it.
  double value = values_->latest.load();
  uint64_t bytes = 0;
  if (!options_.include_children && running_.load() && ReadRss(handle_, &bytes) == Status::kOk) {
    value = static_cast<double>(bytes);
    values_->latest.store(value);
  }
  values_->peak.store(value);
  return info.Env().Undefined();
}

Napi::Value Sampler::Samples(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SampleBuffer::Contents contents;
  {
    std::lock_guard<std::mutex> guard(samples_mutex_);
    contents = buffer_.Drain();
  }
  size_t total = 0;
  for (const auto& chunk : contents.chunks) total += chunk->end - chunk->begin;
  Napi::Array out = Napi::Array::New(env, total);
  Napi::String time_key = Napi::String::New(env, "time");
  Napi::String rss_key = Napi::String::New(env, "rss");
  Napi::String children_key = Napi::String::New(env, "children");
  Napi::String pid_key = Napi::String::New(env, "pid");
  uint32_t index = 0;
  for (const auto& chunk : contents.chunks) {
    for (size_t i = chunk->begin; i < chunk->end; i++, index++) {
      Napi::Object sample = Napi::Object::New(env);
      sample.Set(time_key, Napi::Number::New(env, chunk->entries[i].time));
      sample.Set(rss_key, Napi::Number::New(env, chunk->entries[i].rss));
      if (options_.include_children) {
        const std::vector<ChildRss>& kids = contents.children[index];
        Napi::Array list = Napi::Array::New(env, kids.size());
        for (uint32_t k = 0; k < kids.size(); k++) {
          Napi::Object child = Napi::Object::New(env);
          child.Set(pid_key, Napi::Number::New(env, static_cast<double>(kids[k].pid)));
          child.Set(rss_key, Napi::Number::New(env, static_cast<double>(kids[k].rss)));
          list.Set(k, child);
        }
        sample.Set(children_key, list);
      }
      out.Set(index, sample);
    }
  }
  return out;
}

Napi::Value Sampler::GetPeak(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), values_->peak.load());
}

Napi::Value Sampler::GetLatest(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), values_->latest.load());
}

Napi::Value Sampler::GetRunning(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), running_.load());
}

Napi::Value Sampler::GetDropped(const Napi::CallbackInfo& info) {
  std::lock_guard<std::mutex> guard(samples_mutex_);
  return Napi::Number::New(info.Env(), static_cast<double>(buffer_.dropped()));
}

Napi::Value Sampler::GetShared(const Napi::CallbackInfo&) { return shared_.Value(); }

Napi::Value Sampler::GetWriteError(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), write_error_.load());
}

}  // namespace memprof
