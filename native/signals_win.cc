// Windows: a console control handler. Handlers run newest first on a thread the system
// starts; libuv's (present while a JavaScript listener exists) answers first, so this one
// only sees the events nobody else takes. It hands the event to WaitForStopSignal and
// holds the control thread until the process ends (DieBySignal), as the default handler
// would end it.
#include "windows_api.h"

#include <atomic>
#include <mutex>

#include "signals.h"

namespace memprof {
namespace {

// Node's numbers for the console events (os.constants.signals on Windows).
constexpr int kSigHup = 1;
constexpr int kSigInt = 2;
constexpr int kSigBreak = 21;
constexpr int kMaxSignal = 32;
constexpr DWORD kControlCExit = 0xC000013A;  // STATUS_CONTROL_C_EXIT, the default handler's code

std::atomic<bool> claimed[kMaxSignal];
std::atomic<int> arrived{0};       // for WaitForStopSignal
std::atomic<int> last_arrived{0};  // for ArrivedStopSignal
HANDLE arrived_event = nullptr;
std::once_flag installed;

int SignalOf(DWORD type) {
  switch (type) {
    case CTRL_C_EVENT: return kSigInt;
    case CTRL_BREAK_EVENT: return kSigBreak;
    case CTRL_CLOSE_EVENT: return kSigHup;
    default: return 0;
  }
}

BOOL WINAPI OnControl(DWORD type) {
  int signo = SignalOf(type);
  if (signo == 0 || !claimed[signo].load()) return FALSE;
  last_arrived.store(signo);
  arrived.store(signo);
  SetEvent(arrived_event);
  Sleep(INFINITE);  // the process ends in DieBySignal
  return TRUE;
}

}  // namespace

bool ClaimSignal(int signo) {
  if (signo != kSigInt && signo != kSigBreak && signo != kSigHup) return false;
  bool ok = true;
  std::call_once(installed, [&ok] {
    arrived_event = CreateEventW(nullptr, FALSE, FALSE, nullptr);
    ok = arrived_event != nullptr && SetConsoleCtrlHandler(OnControl, TRUE);
  });
  if (!ok || arrived_event == nullptr) return false;
  claimed[signo].store(true);
  return true;
}

void ReleaseSignal(int signo) {
  if (signo > 0 && signo < kMaxSignal) claimed[signo].store(false);
}

int WaitForStopSignal(int timeout_ms) {
  if (arrived_event == nullptr) {
    Sleep(timeout_ms < 0 ? INFINITE : static_cast<DWORD>(timeout_ms));
    return 0;
  }
  DWORD wait = WaitForSingleObject(arrived_event, timeout_ms < 0 ? INFINITE : static_cast<DWORD>(timeout_ms));
  if (wait != WAIT_OBJECT_0) return 0;
  return arrived.exchange(0);
}

int ArrivedStopSignal() { return last_arrived.load(); }

void ForgetStopSignal() { last_arrived.store(0); }

void DieBySignal(int) { ExitProcess(kControlCExit); }

const char* StopSignalName(int signo) {
  switch (signo) {
    case kSigInt: return "SIGINT";
    case kSigBreak: return "SIGBREAK";
    case kSigHup: return "SIGHUP";
    default: return "signal";
  }
}

}  // namespace memprof
