// Appends one sample's mprof records (MEM, and CHLD per child for mprof -M) to a file from
// the sampler thread, as the sample is taken: a SIGKILL of memprof then loses at most the
// sample being written, not the ones JavaScript had yet to drain.
#ifndef MEMPROF_DAT_WRITER_H_
#define MEMPROF_DAT_WRITER_H_

#include <string>
#include <vector>

#include "rss.h"

namespace memprof {

class DatWriter {
 public:
  // `fd` is open for appending (O_APPEND) and stays owned by the caller.
  // `children_in_mem`: MEM is the process plus its descendants (mprof -C);
  // `child_lines`: a CHLD record per descendant (mprof -M).
  DatWriter(int fd, bool children_in_mem, bool child_lines)
      : fd_(fd), children_in_mem_(children_in_mem), child_lines_(child_lines) {}

  // One write(2) of the sample's records. False once a write failed (a full disk): the
  // part written is cut off again, so the file keeps whole lines only, and `error()` is
  // the errno; later calls do nothing.
  bool Write(double time_ms, double own_bytes, const std::vector<ChildRss>& children);
  int error() const { return error_; }

 private:
  int fd_;
  bool children_in_mem_;
  bool child_lines_;
  int error_ = 0;
  std::string line_;
};

}  // namespace memprof

#endif  // MEMPROF_DAT_WRITER_H_
