// ReadyQueue: the callbacks ready to run, in the order the Scheduler's
// indices refer to (see detsim/scheduler.hpp). Private to sim/.
//
// A ring buffer that doubles when full: push_back and take(0) are FIFO,
// take(i > 0) moves the back entry into slot i. All O(1), no allocation once
// the ring has grown to the program's high-water mark.
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

#include "detsim/detail/assert.hpp"

namespace detsim::detail {

struct HandleRecord;

class ReadyQueue {
 public:
  ReadyQueue() : slots_(16) {}

  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }

  void push_back(HandleRecord* record) {
    if (size_ == slots_.size()) grow();
    slots_[(head_ + size_) & (slots_.size() - 1)] = record;
    ++size_;
  }

  HandleRecord* take(std::size_t index) noexcept {
    DETSIM_ASSERT_LT(index, size_);
    const std::size_t mask = slots_.size() - 1;
    HandleRecord* taken;
    if (index == 0) {
      taken = slots_[head_];
      head_ = (head_ + 1) & mask;
    } else {
      HandleRecord*& slot = slots_[(head_ + index) & mask];
      taken = slot;
      slot = slots_[(head_ + size_ - 1) & mask];
    }
    --size_;
    return taken;
  }

  // Removes `record`, keeping the order of the others (O(n): only used when
  // a ready callback is cancelled, which is rare).
  bool erase(const HandleRecord* record) noexcept {
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = 0; i < size_; ++i) {
      if (slots_[(head_ + i) & mask] != record) continue;
      for (std::size_t j = i; j + 1 < size_; ++j) slots_[(head_ + j) & mask] = slots_[(head_ + j + 1) & mask];
      --size_;
      return true;
    }
    return false;
  }

  template <class F>
  void for_each(F&& function) const {
    for (std::size_t i = 0; i < size_; ++i) function(slots_[(head_ + i) & (slots_.size() - 1)]);
  }

  void clear() noexcept {
    head_ = 0;
    size_ = 0;
  }

 private:
  // Out of line, so that push_back stays a few instructions (see HandlePool).
  [[gnu::noinline]] void grow() {
    std::vector<HandleRecord*> bigger(slots_.size() * 2);
    for (std::size_t i = 0; i < size_; ++i) bigger[i] = slots_[(head_ + i) & (slots_.size() - 1)];
    slots_ = std::move(bigger);
    head_ = 0;
  }
  std::vector<HandleRecord*> slots_;  // size is a power of two
  std::size_t head_ = 0;
  std::size_t size_ = 0;
};

}  // namespace detsim::detail
