// POSIX (Linux, macOS): a sigaction handler that writes the signal's number into a pipe
// (the only async-signal-safe way out of a handler); WaitForStopSignal polls the other end.
// The action found when claiming (Node's own handler for SIGINT and SIGTERM, which resets
// the terminal first, or SIG_DFL) is kept and restored to die as Node would have.
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <mutex>

#include "signals.h"

namespace memprof {
namespace {

constexpr int kMaxSignal = 64;

std::atomic<bool> claimed[kMaxSignal];
struct sigaction previous[kMaxSignal];  // guarded by action_mutex
std::mutex action_mutex;
std::atomic<int> pipe_read{-1};
std::atomic<int> pipe_write{-1};
std::atomic<int> arrived{0};
static_assert(std::atomic<int>::is_always_lock_free, "the signal handler needs a lock-free int");

bool Supported(int signo) { return signo == SIGINT || signo == SIGTERM || signo == SIGHUP; }

void OnSignal(int signo) {
  int saved_errno = errno;
  int fd = pipe_write.load(std::memory_order_relaxed);
  if (fd >= 0 && signo > 0 && signo < kMaxSignal && claimed[signo].load(std::memory_order_relaxed)) {
    arrived.store(signo);
    unsigned char byte = static_cast<unsigned char>(signo);
    // Non-blocking: a full pipe means signals are already waiting; dropping one is fine.
    ssize_t ignored = write(fd, &byte, 1);
    (void)ignored;
  }
  errno = saved_errno;
}

bool IsOurs(const struct sigaction& action) {
  return !(action.sa_flags & SA_SIGINFO) && action.sa_handler == OnSignal;
}

bool OpenPipe() {
  if (pipe_read.load() >= 0) return true;
  int fds[2];
  if (pipe(fds) != 0) return false;
  for (int fd : fds) fcntl(fd, F_SETFD, FD_CLOEXEC);
  fcntl(fds[1], F_SETFL, fcntl(fds[1], F_GETFL) | O_NONBLOCK);
  pipe_read.store(fds[0]);
  pipe_write.store(fds[1]);
  return true;
}

}  // namespace

bool ClaimSignal(int signo) {
  if (!Supported(signo) || signo >= kMaxSignal) return false;
  std::lock_guard<std::mutex> lock(action_mutex);
  if (!OpenPipe()) return false;
  struct sigaction current;
  if (sigaction(signo, nullptr, &current) != 0) return false;
  if (!IsOurs(current)) {
    if (!(current.sa_flags & SA_SIGINFO) && current.sa_handler == SIG_IGN) return false;
    struct sigaction ours;
    ours.sa_handler = OnSignal;
    ours.sa_flags = SA_RESTART;  // other threads' system calls carry on, as under libuv's handler
    sigfillset(&ours.sa_mask);
    previous[signo] = current;
    if (sigaction(signo, &ours, nullptr) != 0) return false;
  }
  claimed[signo].store(true);
  return true;
}

void ReleaseSignal(int signo) {
  if (signo > 0 && signo < kMaxSignal) claimed[signo].store(false);
}

int WaitForStopSignal(int timeout_ms) {
  int fd = pipe_read.load();
  if (fd < 0) {
    std::lock_guard<std::mutex> lock(action_mutex);
    if (!OpenPipe()) return 0;
    fd = pipe_read.load();
  }
  struct pollfd entry = {fd, POLLIN, 0};
  int ready = poll(&entry, 1, timeout_ms);
  if (ready <= 0) return 0;  // timeout, or EINTR: the caller looks at its clock again
  unsigned char byte = 0;
  return read(fd, &byte, 1) == 1 ? byte : 0;
}

int ArrivedStopSignal() { return arrived.load(); }

void ForgetStopSignal() { arrived.store(0); }

void DieBySignal(int signo) {
  {
    std::lock_guard<std::mutex> lock(action_mutex);
    claimed[signo].store(false);
    struct sigaction current;
    sigaction(signo, nullptr, &current);
    // Ours still installed: put back what was there before (Node's handler resets the
    // terminal, then re-raises with the default action). Otherwise leave whatever is there.
    if (IsOurs(current)) {
      struct sigaction restore = previous[signo];
      if (IsOurs(restore)) {
        restore.sa_handler = SIG_DFL;
        restore.sa_flags = 0;
      }
      sigaction(signo, &restore, nullptr);
    }
  }
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, signo);
  // sigprocmask, not pthread_sigmask: on Linux both set the calling thread's mask, and
  // pthread_sigmask is versioned GLIBC_2.32 (it would raise the prebuild's glibc floor).
  sigprocmask(SIG_UNBLOCK, &set, nullptr);
  raise(signo);
  // Still here: the restored handler returned. Take the default action.
  signal(signo, SIG_DFL);
  raise(signo);
  _exit(128 + signo);
}

const char* StopSignalName(int signo) {
  switch (signo) {
    case SIGINT: return "SIGINT";
    case SIGTERM: return "SIGTERM";
    case SIGHUP: return "SIGHUP";
    default: return "signal";
  }
}

}  // namespace memprof
