// ReadyQueue: the callbacks ready to run, in the order the Scheduler's
// indices refer to (see detsim/scheduling/scheduler.hpp). Private to sim/.
//
// A ring buffer that doubles when full: push_back and take(0) are FIFO,
// take(i > 0) moves the back entry into slot i. All O(1), no allocation once
// the ring has grown to the program's high-water mark.
//
// An entry is either a callback's handle record or a task's step. A step
// has no record (a task has one step scheduled at a time, and nothing can
// cancel it through a Handle): the entry names the task, its id is the
// handle id the step would have had, and running it calls the task's step().
// Entries also carry the addresses the step will touch (the task and its
// coroutine frame). With many tasks they are cold, and knowing them up front
// lets the loop load them all at once instead of one miss after another.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "detsim/base/detail/assert.hpp"
#include "memory/huge_pages.hpp"

namespace detsim::detail {

struct HandleRecord;
class TaskCore;

struct alignas(32) ReadyEntry {
  HandleRecord* record = nullptr;  // a callback's record; null for a step
  TaskCore* task = nullptr;        // the task whose step it is
  const void* frame = nullptr;     // and that task's coroutine frame
  std::uint64_t step_id = 0;       // a step's handle id (a callback's is in its record)

  bool is_step() const noexcept { return record == nullptr; }

  // Starts loading what running the entry touches.
  void prefetch() const noexcept {
    if (record) {
      __builtin_prefetch(record);
      return;
    }
    __builtin_prefetch(task);
    // g++ lays a frame out as resume and destroy pointers, the promise, the
    // parameters, the resume index, then locals and awaiters: resuming and
    // suspending again reads past the first line of all but tiny frames.
    // (An address, not a pointer into the frame, which may be smaller.)
    __builtin_prefetch(frame);
    __builtin_prefetch(reinterpret_cast<const void*>(reinterpret_cast<std::uintptr_t>(frame) + 64));
  }
};
static_assert(sizeof(ReadyEntry) == 32, "two entries to a cache line, none straddling two (aligned to 32)");

class ReadyQueue {
 public:
  ReadyQueue() : slots_(16), mask_(15) {}

  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }

  void push_back(const ReadyEntry& entry) {
    DETSIM_ASSERT(entry.record != nullptr || entry.task != nullptr);  // names a callback or a step
    if (size_ > mask_) grow();
    slots_[(head_ + size_) & mask_] = entry;
    ++size_;
  }

  // The entry at `index` (< size()), not removed.
  const ReadyEntry& at(std::size_t index) const noexcept {
    DETSIM_ASSERT_LT(index, size_);
    return slots_[(head_ + index) & mask_];
  }

  ReadyEntry take(std::size_t index) noexcept {
    DETSIM_ASSERT_LT(index, size_);
    const std::size_t mask = mask_;
    ReadyEntry& slot = slots_[(head_ + index) & mask];
    const ReadyEntry taken = load(slot);
    if (index == 0) {
      head_ = (head_ + 1) & mask;
    } else {
      slot = slots_[(head_ + size_ - 1) & mask];
    }
    --size_;
    return taken;
  }

  // Removes `record` (a callback's), keeping the order of the others (O(n):
  // only used when a ready callback is cancelled, which is rare).
  bool erase(const HandleRecord* record) noexcept {
    const std::size_t mask = mask_;
    for (std::size_t i = 0; i < size_; ++i) {
      if (slots_[(head_ + i) & mask].record != record) continue;
      for (std::size_t j = i; j + 1 < size_; ++j) slots_[(head_ + j) & mask] = slots_[(head_ + j + 1) & mask];
      --size_;
      return true;
    }
    return false;
  }

  template <class F>
  void for_each(F&& function) const {
    for (std::size_t i = 0; i < size_; ++i) function(slots_[(head_ + i) & mask_]);
  }

  void clear() noexcept {
    head_ = 0;
    size_ = 0;
  }

 private:
  // An entry, field by field into registers. push_back stores an entry
  // with four 8-byte stores, and with few entries ready it is taken again
  // moments later. Copied as a whole, g++ loads it with two 16-byte loads,
  // which the processor cannot serve from those stores while they are still
  // in its store buffer: the step waits for them to reach the cache. (The
  // empty asm keeps the compiler from merging the loads again. The entry
  // moved into a slot taken from the middle is copied whole: with many
  // entries ready, it was stored long before.)
  static ReadyEntry load(const ReadyEntry& entry) noexcept {
    HandleRecord* record = entry.record;
    TaskCore* task = entry.task;
    const void* frame = entry.frame;
    std::uint64_t step_id = entry.step_id;
    asm("" : "+r"(record), "+r"(task), "+r"(frame), "+r"(step_id));
    return ReadyEntry{record, task, frame, step_id};
  }

  // Out of line, so that push_back stays a few instructions (see HandlePool).
  [[gnu::noinline]] void grow() {
    DETSIM_ASSERT_EQ(size_, slots_.size());  // only a full ring grows
    DETSIM_ASSERT_EQ(mask_, slots_.size() - 1);
    DETSIM_ASSERT_LT(head_, slots_.size());
    std::vector<ReadyEntry, HugePageAllocator<ReadyEntry>> bigger(slots_.size() * 2);
    for (std::size_t i = 0; i < size_; ++i) bigger[i] = slots_[(head_ + i) & mask_];
    slots_ = std::move(bigger);
    mask_ = slots_.size() - 1;
    head_ = 0;
    DETSIM_ASSERT_EQ(mask_ & slots_.size(), 0u);  // a power of two, which the ring's & mask_ needs
    DETSIM_ASSERT_LT(size_, slots_.size());
  }
  std::vector<ReadyEntry, HugePageAllocator<ReadyEntry>> slots_;  // size is a power of two
  // slots_.size() - 1, kept rather than recomputed from the vector's
  // pointers on every push and take.
  std::size_t mask_;
  std::size_t head_ = 0;
  std::size_t size_ = 0;
};

}  // namespace detsim::detail
