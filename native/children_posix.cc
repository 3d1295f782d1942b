// Linux and macOS: the kernel keeps ru_maxrss for every process. Linux's waitid system call
// takes a rusage argument, and with WNOWAIT it reads a zombie child's figures without
// reaping it (Node's own SIGCHLD handling still reaps it). glibc's waitid() has no rusage
// argument, hence the raw system call. macOS's waitid gives no rusage: -1, and the caller
// falls back on ReapedChildrenPeak.
#include "children.h"

#include <sys/resource.h>
#include <sys/wait.h>

#include <cerrno>

#if defined(__linux__)
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace memprof {

int64_t WaitChildPeak(int64_t pid) {
#if defined(__linux__)
  siginfo_t info{};
  struct rusage usage{};
  for (;;) {
    long r = syscall(SYS_waitid, P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOWAIT, &usage);
    if (r == 0) return static_cast<int64_t>(usage.ru_maxrss) * 1024;  // KiB on Linux
    if (errno != EINTR) return -1;  // ECHILD: reaped already, or not our child
  }
#else
  (void)pid;
  return -1;
#endif
}

int64_t ReapedChildrenPeak() {
  struct rusage usage{};
  if (getrusage(RUSAGE_CHILDREN, &usage) != 0) return -1;
#if defined(__APPLE__)
  return static_cast<int64_t>(usage.ru_maxrss);  // bytes on macOS
#else
  return static_cast<int64_t>(usage.ru_maxrss) * 1024;
#endif
}

bool EndWithThisProcess(int64_t) { return false; }

}  // namespace memprof
