// Linux: everything comes from /proc. The self read keeps /proc/self/statm open and preads
// it, which costs about a microsecond and allocates nothing.
#include "rss.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <unordered_map>

namespace memprof {
namespace {

uint64_t PageSize() {
  static const uint64_t size = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  return size;
}

std::string StatmPath(int64_t pid) { return "/proc/" + std::to_string(pid) + "/statm"; }

// statm is "size resident shared text lib data dt" in pages. A process that has exited
// but is not reaped yet (a zombie) reads as all zeros: report it as gone.
Status ReadStatm(int fd, uint64_t* bytes) {
  char buffer[128];
  ssize_t n = pread(fd, buffer, sizeof(buffer) - 1, 0);
  if (n < 0) return errno == ESRCH ? Status::kNoProcess : Status::kFailed;
  if (n == 0) return Status::kNoProcess;
  buffer[n] = '\0';
  char* end = nullptr;
  unsigned long long size = strtoull(buffer, &end, 10);
  unsigned long long resident = strtoull(end, nullptr, 10);
  if (size == 0) return Status::kNoProcess;
  *bytes = resident * PageSize();
  return Status::kOk;
}

int SelfStatmFd() {
  // Opened once, never closed: preads from any thread are safe on one fd.
  static const int fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
  return fd;
}

// Reads a whole small /proc file into `out`; false if it cannot be opened.
bool ReadSmallFile(const std::string& path, std::string* out, int* error) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    *error = errno;
    return false;
  }
  out->clear();
  char buffer[4096];
  ssize_t n;
  while ((n = read(fd, buffer, sizeof(buffer))) > 0) out->append(buffer, static_cast<size_t>(n));
  *error = n < 0 ? errno : 0;
  close(fd);
  return n == 0;
}

bool ProcessExists(int64_t pid) {
  return access(("/proc/" + std::to_string(pid)).c_str(), F_OK) == 0;
}

// Direct children through /proc/<pid>/task/*/children (needs CONFIG_PROC_CHILDREN).
// Returns false where the kernel does not provide the file.
bool ChildrenFromTasks(int64_t pid, std::vector<int64_t>* out) {
  std::string task_dir = "/proc/" + std::to_string(pid) + "/task";
  DIR* dir = opendir(task_dir.c_str());
  if (!dir) return ProcessExists(pid) ? false : true;  // a vanished pid simply has no children
  bool supported = true;
  std::string text;
  while (dirent* entry = readdir(dir)) {
    if (entry->d_name[0] < '0' || entry->d_name[0] > '9') continue;
    int error = 0;
    if (!ReadSmallFile(task_dir + "/" + entry->d_name + "/children", &text, &error)) {
      if (error == ENOENT && ProcessExists(pid)) {
        // The thread may have exited; the file missing on a live task means no support.
        std::string task = task_dir + "/" + entry->d_name;
        if (access(task.c_str(), F_OK) == 0) {
          supported = false;
          break;
        }
      }
      continue;
    }
    const char* p = text.c_str();
    char* end = nullptr;
    for (;;) {
      long long child = strtoll(p, &end, 10);
      if (end == p) break;
      out->push_back(child);
      p = end;
    }
  }
  closedir(dir);
  return supported;
}

// ppid -> children of every process, from /proc/*/stat (the fallback).
std::unordered_map<int64_t, std::vector<int64_t>> ChildrenMap() {
  std::unordered_map<int64_t, std::vector<int64_t>> map;
  DIR* dir = opendir("/proc");
  if (!dir) return map;
  std::string text;
  while (dirent* entry = readdir(dir)) {
    if (entry->d_name[0] < '0' || entry->d_name[0] > '9') continue;
    int error = 0;
    if (!ReadSmallFile(std::string("/proc/") + entry->d_name + "/stat", &text, &error)) continue;
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so find the last ')'.
    size_t close_paren = text.rfind(')');
    if (close_paren == std::string::npos || close_paren + 4 >= text.size()) continue;
    long long ppid = strtoll(text.c_str() + close_paren + 4, nullptr, 10);
    map[ppid].push_back(strtoll(entry->d_name, nullptr, 10));
  }
  closedir(dir);
  return map;
}

}  // namespace

int64_t CurrentPid() { return static_cast<int64_t>(getpid()); }

Status SelfRss(uint64_t* bytes) {
  int fd = SelfStatmFd();
  if (fd < 0) return Status::kFailed;
  return ReadStatm(fd, bytes);
}

Status OpenTarget(int64_t pid, ProcessHandle* handle, std::string* message) {
  handle->pid = pid;
  if (pid == CurrentPid()) {
    handle->self = true;
    handle->native = SelfStatmFd();
    if (handle->native < 0) {
      *message = std::string("cannot open /proc/self/statm: ") + strerror(errno);
      return Status::kFailed;
    }
    return Status::kOk;
  }
  int fd = open(StatmPath(pid).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT || errno == ESRCH) return Status::kNoProcess;
    *message = "cannot open " + StatmPath(pid) + ": " + strerror(errno);
    return Status::kFailed;
  }
  handle->self = false;
  handle->native = fd;
  uint64_t ignored = 0;
  Status status = ReadStatm(fd, &ignored);
  if (status != Status::kOk) {
    CloseTarget(handle);
    if (status == Status::kFailed) *message = "cannot read " + StatmPath(pid) + ": " + strerror(errno);
  }
  return status;
}

Status ReadRss(const ProcessHandle& handle, uint64_t* bytes) {
  return ReadStatm(static_cast<int>(handle.native), bytes);
}

void CloseTarget(ProcessHandle* handle) {
  if (!handle->self && handle->native >= 0) close(static_cast<int>(handle->native));
  handle->native = -1;
}

Status PidRss(int64_t pid, uint64_t* bytes, std::string* message) {
  if (pid == CurrentPid()) {
    Status status = SelfRss(bytes);
    if (status == Status::kFailed) *message = std::string("cannot read /proc/self/statm: ") + strerror(errno);
    return status;
  }
  ProcessHandle handle;
  Status status = OpenTarget(pid, &handle, message);
  if (status != Status::kOk) return status;
  status = ReadRss(handle, bytes);
  if (status == Status::kFailed) *message = "cannot read " + StatmPath(pid) + ": " + strerror(errno);
  CloseTarget(&handle);
  return status;
}

Status Descendants(int64_t pid, std::vector<ChildRss>* out, std::string* message) {
  if (!ProcessExists(pid)) return Status::kNoProcess;
  std::vector<int64_t> pending{pid};
  std::vector<int64_t> found;
  std::unordered_map<int64_t, std::vector<int64_t>> map;
  bool use_map = false;
  // Breadth first, so children come before grandchildren.
  for (size_t i = 0; i < pending.size(); i++) {
    std::vector<int64_t> kids;
    if (!use_map && !ChildrenFromTasks(pending[i], &kids)) {
      use_map = true;
      map = ChildrenMap();
      kids.clear();
    }
    if (use_map) {
      auto it = map.find(pending[i]);
      if (it != map.end()) kids = it->second;
    }
    for (int64_t kid : kids) {
      pending.push_back(kid);
      found.push_back(kid);
    }
  }
  for (int64_t kid : found) {
    uint64_t bytes = 0;
    std::string ignored;
    if (PidRss(kid, &bytes, &ignored) == Status::kOk) out->push_back({kid, bytes});
  }
  (void)message;
  return Status::kOk;
}

bool ResetKernelPeak() {
  int fd = open("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = write(fd, "5", 1) == 1;
  close(fd);
  return ok;
}

int64_t ReadKernelPeak() {
  std::string text;
  int error = 0;
  if (!ReadSmallFile("/proc/self/status", &text, &error)) return -1;
  size_t at = text.find("\nVmHWM:");
  if (at == std::string::npos) return -1;
  return strtoll(text.c_str() + at + 7, nullptr, 10) * 1024;
}

void PrepareSamplerThread(double interval_ms) {
  prctl(PR_SET_NAME, "memprof-sampler", 0, 0, 0);
  unsigned long slack_ns = static_cast<unsigned long>(interval_ms * 1e6 / 10);
  if (slack_ns < 1) slack_ns = 1;
  if (slack_ns < 50000) prctl(PR_SET_TIMERSLACK, slack_ns, 0, 0, 0);
}

}  // namespace memprof
