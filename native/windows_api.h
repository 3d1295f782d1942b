// The Windows headers every *_win.cc file needs, in the order they must come: windows.h
// without its min/max macros and rarely used parts, then psapi.h (which needs windows.h).
#ifndef MEMPROF_WINDOWS_API_H_
#define MEMPROF_WINDOWS_API_H_

#ifndef NOMINMAX
#define NOMINMAX
#endif
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>
// windows.h must come first.
#include <psapi.h>

#endif  // MEMPROF_WINDOWS_API_H_
