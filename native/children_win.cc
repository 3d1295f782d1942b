// Windows: a process handle keeps an exited process's figures, PeakWorkingSetSize among
// them; a Job Object with KILL_ON_JOB_CLOSE ends its processes when memprof's handle to it
// closes, which the system does when memprof ends, however it ends.
#include "windows_api.h"

#include <mutex>

#include "children.h"

namespace memprof {

int64_t WaitChildPeak(int64_t pid) {
  HANDLE process = OpenProcess(SYNCHRONIZE | PROCESS_QUERY_LIMITED_INFORMATION, FALSE, static_cast<DWORD>(pid));
  if (!process) return -1;
  int64_t peak = -1;
  PROCESS_MEMORY_COUNTERS counters;
  if (WaitForSingleObject(process, INFINITE) == WAIT_OBJECT_0 &&
      GetProcessMemoryInfo(process, &counters, sizeof(counters))) {
    peak = static_cast<int64_t>(counters.PeakWorkingSetSize);
  }
  CloseHandle(process);
  return peak;
}

int64_t ReapedChildrenPeak() { return -1; }

bool EndWithThisProcess(int64_t pid) {
  static std::mutex mutex;
  static HANDLE job = nullptr;
  std::lock_guard<std::mutex> lock(mutex);
  if (!job) {
    job = CreateJobObjectA(nullptr, nullptr);  // never closed: the system closes it at exit
    if (!job) return false;
    JOBOBJECT_EXTENDED_LIMIT_INFORMATION limits{};
    limits.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
    if (!SetInformationJobObject(job, JobObjectExtendedLimitInformation, &limits, sizeof(limits))) {
      CloseHandle(job);
      job = nullptr;
      return false;
    }
  }
  HANDLE process = OpenProcess(PROCESS_SET_QUOTA | PROCESS_TERMINATE, FALSE, static_cast<DWORD>(pid));
  if (!process) return false;
  bool ok = AssignProcessToJobObject(job, process) != 0;
  CloseHandle(process);
  return ok;
}

}  // namespace memprof
