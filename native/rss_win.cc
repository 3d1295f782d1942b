// Windows: the working set (GetProcessMemoryInfo) is the RSS; other processes are opened
// with PROCESS_QUERY_LIMITED_INFORMATION, descendants come from a Toolhelp snapshot.
// Windows keeps a peak working set but cannot reset it, so there is no kernel peak here.
#include "windows_api.h"
#include <tlhelp32.h>

#include <unordered_map>

#include "rss.h"

namespace memprof {
namespace {

std::string LastErrorMessage(const char* what, DWORD code) {
  char text[256] = {0};
  DWORD n = FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, nullptr, code, 0, text,
                           sizeof(text), nullptr);
  while (n > 0 && (text[n - 1] == '\r' || text[n - 1] == '\n' || text[n - 1] == '.')) text[--n] = '\0';
  return std::string(what) + ": " + (n > 0 ? text : "error " + std::to_string(code));
}

Status WorkingSet(HANDLE process, uint64_t* bytes) {
  PROCESS_MEMORY_COUNTERS counters;
  if (!GetProcessMemoryInfo(process, &counters, sizeof(counters))) return Status::kFailed;
  *bytes = static_cast<uint64_t>(counters.WorkingSetSize);
  return Status::kOk;
}

bool StillActive(HANDLE process) {
  DWORD code = 0;
  return GetExitCodeProcess(process, &code) && code == STILL_ACTIVE &&
         WaitForSingleObject(process, 0) == WAIT_TIMEOUT;
}

// Creation time as a FILETIME count, or 0 where the process cannot be opened.
uint64_t CreationTime(int64_t pid) {
  HANDLE process = ::OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, static_cast<DWORD>(pid));
  if (!process) return 0;
  FILETIME created, exited, kernel, user;
  uint64_t time = 0;
  if (GetProcessTimes(process, &created, &exited, &kernel, &user)) {
    time = (static_cast<uint64_t>(created.dwHighDateTime) << 32) | created.dwLowDateTime;
  }
  CloseHandle(process);
  return time;
}

}  // namespace

int64_t CurrentPid() { return static_cast<int64_t>(GetCurrentProcessId()); }

Status SelfRss(uint64_t* bytes) { return WorkingSet(GetCurrentProcess(), bytes); }

Status OpenTarget(int64_t pid, ProcessHandle* handle, std::string* message) {
  handle->pid = pid;
  if (pid == CurrentPid()) {
    handle->self = true;
    handle->native = reinterpret_cast<intptr_t>(GetCurrentProcess());
    return Status::kOk;
  }
  // SYNCHRONIZE lets ReadRss notice the exit; VM_READ is only needed before Windows 7.
  DWORD pid32 = static_cast<DWORD>(pid);
  HANDLE process = ::OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION | SYNCHRONIZE | PROCESS_VM_READ, FALSE, pid32);
  if (!process) process = ::OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION | SYNCHRONIZE, FALSE, pid32);
  if (!process) {
    DWORD code = GetLastError();
    if (code == ERROR_INVALID_PARAMETER) return Status::kNoProcess;
    *message = LastErrorMessage(("cannot open process " + std::to_string(pid)).c_str(), code);
    return Status::kFailed;
  }
  if (!StillActive(process)) {
    CloseHandle(process);
    return Status::kNoProcess;
  }
  handle->self = false;
  handle->native = reinterpret_cast<intptr_t>(process);
  return Status::kOk;
}

Status ReadRss(const ProcessHandle& handle, uint64_t* bytes) {
  HANDLE process = reinterpret_cast<HANDLE>(handle.native);
  if (!handle.self && !StillActive(process)) return Status::kNoProcess;
  return WorkingSet(process, bytes);
}

void CloseTarget(ProcessHandle* handle) {
  if (!handle->self && handle->native != -1 && handle->native != 0) {
    CloseHandle(reinterpret_cast<HANDLE>(handle->native));
  }
  handle->native = -1;
}

Status PidRss(int64_t pid, uint64_t* bytes, std::string* message) {
  ProcessHandle handle;
  Status status = OpenTarget(pid, &handle, message);
  if (status != Status::kOk) return status;
  status = ReadRss(handle, bytes);
  if (status == Status::kFailed) {
    *message = LastErrorMessage(("cannot read the memory of process " + std::to_string(pid)).c_str(), GetLastError());
  }
  CloseTarget(&handle);
  return status;
}

Status Descendants(int64_t pid, std::vector<ChildRss>* out, std::string* message) {
  HANDLE snapshot = CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0);
  if (snapshot == INVALID_HANDLE_VALUE) {
    *message = LastErrorMessage("cannot list processes", GetLastError());
    return Status::kFailed;
  }
  std::unordered_map<int64_t, std::vector<int64_t>> children;
  bool exists = false;
  PROCESSENTRY32 entry;
  entry.dwSize = sizeof(entry);
  for (BOOL more = Process32First(snapshot, &entry); more; more = Process32Next(snapshot, &entry)) {
    if (entry.th32ProcessID == static_cast<DWORD>(pid)) exists = true;
    // pid 0 (the idle process) names itself as its parent.
    if (entry.th32ProcessID != entry.th32ParentProcessID) {
      children[entry.th32ParentProcessID].push_back(entry.th32ProcessID);
    }
  }
  CloseHandle(snapshot);
  if (!exists) return Status::kNoProcess;
  // Windows does not reparent orphans, so a recycled parent pid could claim strangers;
  // a child is only kept if it was created after its parent.
  std::vector<int64_t> pending{pid};
  for (size_t i = 0; i < pending.size(); i++) {
    auto it = children.find(pending[i]);
    if (it == children.end()) continue;
    uint64_t parent_created = CreationTime(pending[i]);
    for (int64_t kid : it->second) {
      if (kid == pid) continue;
      uint64_t created = CreationTime(kid);
      if (parent_created != 0 && created != 0 && created < parent_created) continue;
      pending.push_back(kid);
      uint64_t bytes = 0;
      std::string ignored;
      if (PidRss(kid, &bytes, &ignored) == Status::kOk) out->push_back({kid, bytes});
    }
  }
  return Status::kOk;
}

bool ResetKernelPeak() { return false; }

int64_t ReadKernelPeak() { return -1; }

void PrepareSamplerThread(double) {}

}  // namespace memprof
