#include "dat_writer.h"

#include <cerrno>
#include <cstdio>

#ifdef _WIN32
#include <io.h>
#else
#include <unistd.h>
#endif

namespace memprof {
namespace {

constexpr double kMiB = 1024.0 * 1024.0;

void Append(std::string* out, const char* format, double a, double b, long long pid = -1) {
  char buffer[96];
  int n = pid < 0 ? snprintf(buffer, sizeof(buffer), format, a, b) : snprintf(buffer, sizeof(buffer), format, pid, a, b);
  if (n > 0) out->append(buffer, static_cast<size_t>(n) < sizeof(buffer) ? static_cast<size_t>(n) : sizeof(buffer) - 1);
}

}  // namespace

bool DatWriter::Write(double time_ms, double own_bytes, const std::vector<ChildRss>& children) {
  if (error_ != 0) return false;
  double total = own_bytes;
  if (children_in_mem_) {
    for (const ChildRss& child : children) total += static_cast<double>(child.rss);
  }
  // The formats of src/timeline/dat.ts memRecord and childRecord.
  line_.clear();
  Append(&line_, "MEM %.6f %.4f\n", total / kMiB, time_ms / 1000);
  if (child_lines_) {
    for (const ChildRss& child : children) {
      Append(&line_, "CHLD %lld %.6f %.4f\n", static_cast<double>(child.rss) / kMiB, time_ms / 1000,
             static_cast<long long>(child.pid));
    }
  }
#ifdef _WIN32
  // Node's descriptors are not this module's C runtime's: JavaScript writes on Windows.
  error_ = EBADF;
  return false;
#else
  size_t done = 0;
  while (done < line_.size()) {
    ssize_t n = write(fd_, line_.data() + done, line_.size() - done);
    if (n > 0) {
      done += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    error_ = n < 0 ? errno : ENOSPC;  // a write of 0 bytes: the disk is full
    // The file's size from lseek, not fstat: fstat is versioned GLIBC_2.33 and would raise
    // the prebuild's glibc floor (docs/install.md).
    off_t size = done > 0 ? lseek(fd_, 0, SEEK_END) : -1;
    if (size >= static_cast<off_t>(done)) {
      if (ftruncate(fd_, size - static_cast<off_t>(done)) != 0) {
        // Nothing more to do: the error already stops the recording.
      }
    }
    return false;
  }
  return true;
#endif
}

}  // namespace memprof
