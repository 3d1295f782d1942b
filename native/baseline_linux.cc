// Linux prebuilds load on glibc 2.28 and libstdc++ 3.4.25 (GCC 8: RHEL 8, Debian 10,
// Ubuntu 20.04; glibc 2.28 is Node 20's own floor) although they are compiled on a newer
// system. GCC 11+ headers inline calls to symbols that older systems lack; they are defined
// here, hidden, so the linker binds them inside the addon instead of importing the new
// versions; baseline_linux.h, included first in every file, pins others to
// their older version. test/native/baseline.test.js checks the
// addon's imports with `objdump -T`. (Static libstdc++ is worse: it imports glibc 2.34-2.36.)
#include <errno.h>
#include <pthread.h>
#include <time.h>

#include <new>

extern "C" {

// <ext/atomicity.h> reads it to skip atomic reference counts (glibc 2.32). Zero means "maybe
// threaded": shared_ptr always counts atomically, as it did before glibc 2.32.
__attribute__((visibility("hidden"))) char __libc_single_threaded = 0;

// std::condition_variable::wait_until(steady_clock) calls it (glibc 2.30, versioned 2.34).
// Waits with pthread_cond_timedwait (glibc 2.3.2) on CLOCK_REALTIME for the same remaining
// time, as libstdc++ did before GCC 10: an early return is rechecked by the caller against
// steady_clock; a backwards step of the wall clock during one wait lengthens that wait.
__attribute__((visibility("hidden"))) int pthread_cond_clockwait(pthread_cond_t* cond, pthread_mutex_t* mutex,
                                                                 clockid_t clock, const struct timespec* abstime) {
  if (clock == CLOCK_REALTIME) return pthread_cond_timedwait(cond, mutex, abstime);
  struct timespec now, real;
  if (clock_gettime(clock, &now) != 0 || clock_gettime(CLOCK_REALTIME, &real) != 0) return EINVAL;
  long long nanos = (abstime->tv_sec - now.tv_sec) * 1000000000LL + (abstime->tv_nsec - now.tv_nsec);
  if (nanos < 0) nanos = 0;
  nanos += real.tv_nsec;
  real.tv_sec += static_cast<time_t>(nanos / 1000000000LL);
  real.tv_nsec = static_cast<long>(nanos % 1000000000LL);
  return pthread_cond_timedwait(cond, mutex, &real);
}

}  // extern "C"

namespace std {
// Thrown by allocators in GCC 11+ headers (GLIBCXX_3.4.29).
__attribute__((visibility("hidden"), noreturn)) void __throw_bad_array_new_length() { throw bad_array_new_length(); }
}  // namespace std
