// The samples a Sampler keeps between two samples() calls: fixed-size chunks, so the
// sampler thread allocates once per kChunkSize samples, and a cap past which the oldest
// samples are dropped (and counted).
#ifndef MEMPROF_SAMPLE_BUFFER_H_
#define MEMPROF_SAMPLE_BUFFER_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

#include "rss.h"

namespace memprof {

struct SampleEntry {
  double time;  // epoch ms
  double rss;   // bytes, the sampled pid itself
};

class SampleBuffer {
 public:
  static constexpr size_t kChunkSize = 8192;

  struct Chunk {
    SampleEntry entries[kChunkSize];
    size_t begin = 0;
    size_t end = 0;
  };

  // What Drain() hands over: the chunks, and with includeChildren one list per sample.
  struct Contents {
    std::deque<std::unique_ptr<Chunk>> chunks;
    std::deque<std::vector<ChildRss>> children;
  };

  SampleBuffer(size_t capacity, bool with_children) : capacity_(capacity), with_children_(with_children) {}

  void Push(double time, double rss, std::vector<ChildRss>* children) {
    if (chunks_.empty() || chunks_.back()->end == kChunkSize) {
      if (spare_) {
        spare_->begin = spare_->end = 0;
        chunks_.push_back(std::move(spare_));
      } else {
        chunks_.push_back(std::make_unique<Chunk>());
      }
    }
    Chunk& chunk = *chunks_.back();
    chunk.entries[chunk.end++] = {time, rss};
    if (with_children_) contents_children_.push_back(std::move(*children));
    if (++size_ > capacity_) DropOldest();
  }

  Contents Drain() {
    Contents out;
    out.chunks.swap(chunks_);
    out.children.swap(contents_children_);
    size_ = 0;
    return out;
  }

  uint64_t dropped() const { return dropped_; }
  void ResetDropped() { dropped_ = 0; }

 private:
  void DropOldest() {
    Chunk& front = *chunks_.front();
    front.begin++;
    if (front.begin == front.end && front.end == kChunkSize) {
      spare_ = std::move(chunks_.front());
      chunks_.pop_front();
    }
    if (with_children_) contents_children_.pop_front();
    size_--;
    dropped_++;
  }

  size_t capacity_;
  bool with_children_;
  size_t size_ = 0;
  uint64_t dropped_ = 0;
  std::deque<std::unique_ptr<Chunk>> chunks_;
  std::deque<std::vector<ChildRss>> contents_children_;
  std::unique_ptr<Chunk> spare_;
};

}  // namespace memprof

#endif  // MEMPROF_SAMPLE_BUFFER_H_
