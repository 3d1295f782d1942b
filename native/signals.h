// The platform interface for the signals that stop a program: SIGINT, SIGTERM and SIGHUP
// (Windows: the console's Ctrl+C, Ctrl+Break and close events, which Node calls SIGINT,
// SIGBREAK and SIGHUP). Implemented in signals_posix.cc and signals_win.cc; nothing here
// touches JavaScript, so the watcher thread (stop_signals.cc) calls it freely.
#ifndef MEMPROF_SIGNALS_H_
#define MEMPROF_SIGNALS_H_

namespace memprof {

// Takes over `signo` while nothing else handles it: it then wakes WaitForStopSignal
// instead of ending the process. False where the signal is ignored (SIG_IGN) or is not one
// this platform can take over. Claiming a claimed signal is a no-op.
bool ClaimSignal(int signo);

// Stops taking `signo` over because someone else now handles it (Node installs its own
// handler when a JavaScript listener is added): leaves the OS's action as it is.
void ReleaseSignal(int signo);

// Blocks until a claimed signal arrives (returns its number) or `timeout_ms` passes
// (returns 0; a negative timeout waits for ever).
int WaitForStopSignal(int timeout_ms);

// The last claimed signal that arrived (0: none since ForgetStopSignal). Set as it is
// delivered, before the watcher sees it: a program that sends itself a signal and then
// ends at once still dies by it.
int ArrivedStopSignal();
void ForgetStopSignal();

// Ends the process as `signo` would have ended it without the claim: Node's own handler
// or the OS default (POSIX: killed by the signal; Windows: STATUS_CONTROL_C_EXIT).
[[noreturn]] void DieBySignal(int signo);

// The signal's name ("SIGINT"), for messages.
const char* StopSignalName(int signo);

}  // namespace memprof

#endif  // MEMPROF_SIGNALS_H_
