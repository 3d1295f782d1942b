// macOS: task_info for this process, proc_pidinfo for others, proc_listpids for children.
// The kernel keeps a maximum resident size but cannot reset it, so there is no kernel peak.
#include <errno.h>
#include <libproc.h>
#include <mach/mach.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/proc_info.h>
#include <unistd.h>

#include "rss.h"

namespace memprof {
namespace {

Status TaskRss(int64_t pid, uint64_t* bytes) {
  struct proc_taskinfo info;
  int n = proc_pidinfo(static_cast<int>(pid), PROC_PIDTASKINFO, 0, &info, sizeof(info));
  if (n == static_cast<int>(sizeof(info))) {
    *bytes = info.pti_resident_size;
    return Status::kOk;
  }
  return errno == ESRCH || (n == 0 && errno == 0) ? Status::kNoProcess : Status::kFailed;
}

std::vector<int64_t> DirectChildren(int64_t pid) {
  std::vector<pid_t> pids(256);
  for (;;) {
    int bytes = proc_listpids(PROC_PPID_ONLY, static_cast<uint32_t>(pid), pids.data(),
                              static_cast<int>(pids.size() * sizeof(pid_t)));
    if (bytes <= 0) return {};
    size_t count = static_cast<size_t>(bytes) / sizeof(pid_t);
    if (count < pids.size()) {
      std::vector<int64_t> out;
      for (size_t i = 0; i < count; i++) {
        if (pids[i] > 0) out.push_back(pids[i]);  // the list can hold empty (0) slots
      }
      return out;
    }
    pids.resize(pids.size() * 2);
  }
}

}  // namespace

int64_t CurrentPid() { return static_cast<int64_t>(getpid()); }

Status SelfRss(uint64_t* bytes) {
  mach_task_basic_info_data_t info;
  mach_msg_type_number_t count = MACH_TASK_BASIC_INFO_COUNT;
  if (task_info(mach_task_self(), MACH_TASK_BASIC_INFO, reinterpret_cast<task_info_t>(&info), &count) !=
      KERN_SUCCESS) {
    return Status::kFailed;
  }
  *bytes = info.resident_size;
  return Status::kOk;
}

Status OpenTarget(int64_t pid, ProcessHandle* handle, std::string* message) {
  handle->pid = pid;
  handle->self = pid == CurrentPid();
  handle->native = static_cast<intptr_t>(pid);
  if (handle->self) return Status::kOk;
  uint64_t ignored = 0;
  errno = 0;
  Status status = TaskRss(pid, &ignored);
  if (status == Status::kFailed) {
    *message = "cannot read the memory of pid " + std::to_string(pid) + ": " + strerror(errno);
  }
  return status;
}

Status ReadRss(const ProcessHandle& handle, uint64_t* bytes) {
  if (handle.self) return SelfRss(bytes);
  errno = 0;
  return TaskRss(handle.pid, bytes);
}

void CloseTarget(ProcessHandle* handle) { handle->native = -1; }

Status PidRss(int64_t pid, uint64_t* bytes, std::string* message) {
  ProcessHandle handle;
  Status status = OpenTarget(pid, &handle, message);
  if (status != Status::kOk) return status;
  return ReadRss(handle, bytes);
}

Status Descendants(int64_t pid, std::vector<ChildRss>* out, std::string* message) {
  if (pid != CurrentPid() && kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) return Status::kNoProcess;
  std::vector<int64_t> pending{pid};
  for (size_t i = 0; i < pending.size(); i++) {
    for (int64_t kid : DirectChildren(pending[i])) {
      pending.push_back(kid);
      uint64_t bytes = 0;
      std::string ignored;
      if (PidRss(kid, &bytes, &ignored) == Status::kOk) out->push_back({kid, bytes});
    }
  }
  (void)message;
  return Status::kOk;
}

bool ResetKernelPeak() { return false; }

int64_t ReadKernelPeak() { return -1; }

void PrepareSamplerThread(double) { pthread_setname_np("memprof-sampler"); }

}  // namespace memprof
