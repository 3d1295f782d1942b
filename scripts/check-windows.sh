#!/usr/bin/env bash
# Compiles the native sources for Windows with mingw-w64, syntax only: rss_win.cc and the
# portable files, against node-addon-api and Node's headers. Skips (exit 0) without the
# cross compiler; set MEMPROF_REQUIRE_MINGW=1 to make that a failure instead.
set -euo pipefail
cd "$(dirname "$0")/.."

# The posix thread model provides std::thread/std::mutex (MSVC's library always does);
# the win32-model g++ does not, so prefer the -posix variant where it is installed.
CXX="${MINGW_CXX:-}"
if [ -z "$CXX" ]; then
  CXX=x86_64-w64-mingw32-g++
  command -v x86_64-w64-mingw32-g++-posix >/dev/null 2>&1 && CXX=x86_64-w64-mingw32-g++-posix
fi
if ! command -v "$CXX" >/dev/null 2>&1; then
  echo "check-windows: $CXX not found, skipping (install mingw-w64 to run this check)"
  [ "${MEMPROF_REQUIRE_MINGW:-0}" = 1 ] && exit 1
  exit 0
fi

NODE_INCLUDE="${NODE_INCLUDE:-}"
if [ -z "$NODE_INCLUDE" ]; then
  for dir in /usr/include/node /usr/local/include/node "$(dirname "$(dirname "$(command -v node)")")/include/node"; do
    if [ -f "$dir/node_api.h" ]; then NODE_INCLUDE="$dir"; break; fi
  done
fi
if [ -z "$NODE_INCLUDE" ]; then
  echo "check-windows: Node's headers (node_api.h) not found; set NODE_INCLUDE" >&2
  exit 1
fi
ADDON_API="$(node -p "require('node-addon-api').include_dir")"

status=0
for source in native/rss_win.cc native/children_win.cc native/signals_win.cc native/interrupt_win.cc native/children.cc native/measurements.cc native/dat_writer.cc native/sampler.cc native/memory_vector.cc native/stop_signals.cc native/heap_trim.cc native/heap_trim_win.cc native/addon.cc; do
  if "$CXX" -fsyntax-only -std=c++17 -Wall -Wextra -Werror \
    -DNAPI_VERSION=8 -DNODE_ADDON_API_DISABLE_DEPRECATED -DNODE_ADDON_API_CPP_EXCEPTIONS \
    -I "$NODE_INCLUDE" -I "$ADDON_API" "$source"; then
    echo "check-windows: $source ok"
  else
    echo "check-windows: $source FAILED" >&2
    status=1
  fi
done
exit $status
