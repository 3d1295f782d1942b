// memprof's own child processes (the commands `check` and `run` start): the kernel's peak
// RSS of a child that has exited, for a command too short for the sampler's first reading,
// and tying a child's life to memprof's where the OS does it from the parent (Windows).
// Implemented in children_posix.cc and children_win.cc; children.cc is the JavaScript glue.
#ifndef MEMPROF_CHILDREN_H_
#define MEMPROF_CHILDREN_H_

#include <napi.h>

#include <cstdint>

namespace memprof {

// Blocks until child `pid` has exited, without reaping it (Node reaps it), and returns its
// peak RSS in bytes: Linux waitid(WNOWAIT) with the rusage argument (ru_maxrss of the child
// and its reaped descendants), Windows PeakWorkingSetSize of the process handle. -1 where
// there is no such figure (macOS), or when the child was reaped before the call saw it.
int64_t WaitChildPeak(int64_t pid);

// The largest ru_maxrss of all the children this process has reaped, in bytes
// (getrusage(RUSAGE_CHILDREN)); -1 on Windows.
int64_t ReapedChildrenPeak();

// Ends child `pid` when memprof ends, even by SIGKILL: Windows puts it in a Job Object that
// kills its processes when memprof's handle closes. False where this is done otherwise
// (Linux: PR_SET_PDEATHSIG in the child, set by `setpriv`) or could not be done.
bool EndWithThisProcess(int64_t pid);

// JavaScript: waitChildPeak(pid) -> Promise<number>, reapedChildrenPeak(), endWithThisProcess(pid).
void RegisterChildren(Napi::Env env, Napi::Object exports);

}  // namespace memprof

#endif  // MEMPROF_CHILDREN_H_
