// The platform interface: every OS-specific memory read goes through these functions.
// Implemented once per OS in rss_linux.cc, rss_darwin.cc and rss_win.cc. None of them
// touch JavaScript, so the sampler thread calls them freely.
#ifndef MEMPROF_RSS_H_
#define MEMPROF_RSS_H_

#include <cstdint>
#include <string>
#include <vector>

namespace memprof {

enum class Status {
  kOk,
  kNoProcess,  // the pid does not exist (or has exited)
  kFailed,     // the OS refused or the read failed; `message` says why
};

struct ChildRss {
  int64_t pid;
  uint64_t rss;  // bytes
};

// A process opened once for repeated cheap RSS reads (the sampler reads it every tick).
// Linux: an fd on /proc/<pid>/statm; macOS: the pid; Windows: a process HANDLE.
struct ProcessHandle {
  int64_t pid = 0;
  intptr_t native = -1;
  bool self = false;
};

int64_t CurrentPid();

// RSS of this process in bytes. The fast path: on Linux one pread on a kept-open fd.
Status SelfRss(uint64_t* bytes);

Status OpenTarget(int64_t pid, ProcessHandle* handle, std::string* message);
// kNoProcess once the process has exited.
Status ReadRss(const ProcessHandle& handle, uint64_t* bytes);
void CloseTarget(ProcessHandle* handle);

// One-shot RSS of any pid (including this one).
Status PidRss(int64_t pid, uint64_t* bytes, std::string* message);

// All descendants of pid, recursively (children before grandchildren), with their RSS.
// Processes that exit while being listed are left out.
Status Descendants(int64_t pid, std::vector<ChildRss>* out, std::string* message);

// The kernel's high-water mark of this process. ResetKernelPeak returns false where the
// OS keeps no resettable peak; ReadKernelPeak returns -1 where it keeps none.
bool ResetKernelPeak();
int64_t ReadKernelPeak();

// Called on the sampler thread before it starts: names it "memprof-sampler" (for top, gdb
// and the tests), and lets short intervals be kept accurately (on Linux, narrows the
// thread's timer slack, 50 us by default, to a tenth of the interval).
void PrepareSamplerThread(double interval_ms);

}  // namespace memprof

#endif  // MEMPROF_RSS_H_
