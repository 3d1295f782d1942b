// Included before everything in each Linux source file (binding.gyp: -include): pins
// libstdc++ symbols that GCC 12 re-versioned to their older version, which is the same
// function, so the addon loads with libstdc++ 3.4.25 (see baseline_linux.cc).
#ifndef MEMPROF_BASELINE_LINUX_H_
#define MEMPROF_BASELINE_LINUX_H_

// condition_variable::wait(unique_lock&): GLIBCXX_3.4.30 in GCC 12, 3.4.11 before.
__asm__(".symver _ZNSt18condition_variable4waitERSt11unique_lockISt5mutexE,"
        "_ZNSt18condition_variable4waitERSt11unique_lockISt5mutexE@GLIBCXX_3.4.11");

#endif  // MEMPROF_BASELINE_LINUX_H_
